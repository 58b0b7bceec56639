"""A running bot keeps answering from the last good knowledge base while a file on disk is broken."""
import logging
import os
import shutil

import pytest

from actions import conversation, knowledge_base, live_kb
from actions.knowledge_base import KBValidationError


@pytest.fixture()
def kb_dir(tmp_path, monkeypatch):
    d = tmp_path / "kb"
    shutil.copytree(knowledge_base.DEFAULT_KB_DIR, d)
    monkeypatch.setattr(live_kb, "CHECK_EVERY_SECONDS", 0.0)
    return d


def touch_later(path, seconds):
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + seconds))


def answer(kb, text):
    return "\n".join(conversation.respond(kb, text, "nlu_fallback", [], {}).texts)


def test_a_broken_file_is_refused_and_the_last_good_version_keeps_answering(kb_dir, caplog):
    live = live_kb.LiveKnowledgeBase(kb_dir)
    assert "62268630" in answer(live.current(), "西城延期纳税找谁")
    path = kb_dir / "xc-2020-1.yml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("'62268630'", "'62268639'") + "\n  - broken: [unclosed\n", encoding="utf-8")
    touch_later(path, 5)
    with caplog.at_level(logging.ERROR):
        reply = answer(live.current(), "西城延期纳税找谁")
    assert "62268630" in reply and "62268639" not in reply
    problems = live.problems()
    assert problems and problems[0].file == "xc-2020-1.yml"
    assert any("xc-2020-1.yml" in r.getMessage() and "last good" in r.getMessage() for r in caplog.records)
    assert live.current().get("my25-01") is not None   # the other notices are still served

    path.write_text(good.replace("'62268630'", "'62268639'"), encoding="utf-8")
    touch_later(path, 10)
    assert "62268639" in answer(live.current(), "西城延期纳税找谁")
    assert live.problems() == []


def test_a_field_error_names_file_measure_and_field(kb_dir):
    live = live_kb.LiveKnowledgeBase(kb_dir)
    live.current()
    path = kb_dir / "my-2020-25.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("id: my25-03", "id: my25-03\n    bogus_field: 1", 1), encoding="utf-8")
    touch_later(path, 5)
    live.current()
    [problem] = live.problems()
    assert problem.file == "my-2020-25.yml" and problem.measure_id == "my25-03"


def test_a_failed_version_is_not_re_read_on_every_request(kb_dir, monkeypatch):
    live = live_kb.LiveKnowledgeBase(kb_dir)
    live.current()
    path = kb_dir / "xc-2020-1.yml"
    path.write_text("documents: [", encoding="utf-8")
    touch_later(path, 5)
    calls = []
    real = live_kb.load_kb
    monkeypatch.setattr(live_kb, "load_kb", lambda d: calls.append(d) or real(d))
    for _ in range(5):
        live.current()
    assert len(calls) == 1


def test_without_any_good_version_the_error_is_raised(tmp_path):
    (tmp_path / "taxonomy.yml").write_text("nonsense: [", encoding="utf-8")
    with pytest.raises(KBValidationError):
        live_kb.LiveKnowledgeBase(tmp_path).current()


def test_a_file_saved_in_another_encoding_is_reported_not_ignored(kb_dir):
    live = live_kb.LiveKnowledgeBase(kb_dir)
    live.current()
    path = kb_dir / "my-2020-25.yml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk", errors="replace"))
    touch_later(path, 5)
    assert live.current().get("my25-01") is not None  # still the last good version
    [problem] = live.problems()
    assert problem.file == "my-2020-25.yml" and "UTF-8" in problem.message


def test_restoring_an_older_copy_is_a_change_too(kb_dir):
    live = live_kb.LiveKnowledgeBase(kb_dir)
    assert "62268630" in answer(live.current(), "西城延期纳税找谁")
    path = kb_dir / "xc-2020-1.yml"
    good = path.read_text(encoding="utf-8")
    old_time = path.stat().st_mtime
    path.write_text(good.replace("'62268630'", "'62268639'"), encoding="utf-8")
    os.utime(path, (old_time, old_time))  # edited, but the time put back (cp -p, rsync -t)
    assert "62268639" in answer(live.current(), "西城延期纳税找谁")
