"""Answer texts for every measure, the curator CLI, and the tokenizer fix for mixed input."""
import subprocess
import sys
from pathlib import Path

import pytest

from actions import answers

ROOT = Path(__file__).resolve().parent.parent


def test_every_measure_answer_is_cited_with_its_time_status(kb, monkeypatch):
    from actions.conversation import measure_reply
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    for m in kb:
        text = measure_reply(kb, m, {}, "what")
        assert m.document.doc_number in text and m.label in text, m.id
        assert "已结束" in text or "不再执行" in text, m.id


def test_measures_without_contacts_name_the_responsible_units(kb):
    assert "各相关单位" in answers.contacts_text(kb.get("xc6-14"))


def cli(*args):
    return subprocess.run([sys.executable, "-m", "actions.kb", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_validate_search_show_and_check():
    out = cli("validate")
    assert out.returncode == 0 and "50条措施" in out.stdout
    out = cli("search", "裁员了还能减房租吗", "--district", "密云区")
    assert out.returncode == 0 and out.stdout.startswith("1. [") and "my25-0" in out.stdout
    out = cli("show", "xc1-14")
    assert "区税务局" in out.stdout and "62268630" in out.stdout and "最长不超过3个月" in out.stdout
    out = cli("check", "my25-01", "layoff_ratio=8", "district=密云区")
    assert "暂不符合" in out.stdout and "5.5%" in out.stdout
    out = cli("show", "nope-99")
    assert out.returncode == 1 and "没有编号为" in out.stderr


def test_cli_refuses_a_broken_kb_naming_the_problem(tmp_path):
    import shutil
    shutil.copytree(ROOT / "policies_kb", tmp_path / "kb")
    path = tmp_path / "kb" / "xc-2020-6.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("66218055", "6621-8055", 1), encoding="utf-8")
    out = cli("--kb", str(tmp_path / "kb"), "validate")
    assert out.returncode == 1 and "xc-2020-6.yml: measure xc6-01: field contacts[0].phones[0]" in out.stderr


@pytest.mark.parametrize("text", ["rent能减吗 ok", "hello 你好 world", "西城 office rent", " 房租 ", "ok"])
def test_tokenizer_never_emits_whitespace_tokens(text):
    from rasa.shared.nlu.training_data.message import Message
    from bot.components.jieba_tokenizer import CleanJiebaTokenizer
    tok = CleanJiebaTokenizer(CleanJiebaTokenizer.get_default_config(), None, None)
    tokens = tok.tokenize(Message(data={"text": text}), "text")
    assert tokens and all(t.text.strip() for t in tokens)
    assert all(text[t.start:t.end] == t.text for t in tokens)
