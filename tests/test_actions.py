"""The Rasa adapter (action_respond) on hand-built trackers: it forwards to actions.conversation,
sends what the user reads, remembers the context, and never hides a crash."""
import asyncio
import logging

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation
from actions import rasa_actions as ra


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")


def tracker(text, intent, entities=None, context=None, metadata=None):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
               "metadata": metadata or {}}
    return Tracker("test-user", {"context": context or {}}, message, [], False, None, {}, "action_listen")


def run(t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ra.ActionRespond().run(dispatcher, t, {}))
    texts = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    buttons = [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return texts, buttons, slots, dispatcher.messages


def test_a_question_is_answered_with_buttons_and_the_context_is_remembered():
    texts, buttons, slots, _ = run(tracker("西城国企的房子房租能免吗", "ask_rent", {"district": "西城区"}))
    assert "66112569" in texts and "已结束" in texts
    assert "联系方式" in buttons
    assert slots["context"]["district"] == "西城区" and slots["context"]["measure_id"].startswith("xc")
    texts, _, _, _ = run(tracker("那密云呢", "inform", {"district": "密云区"}, slots["context"]))
    assert "密政发〔2020〕25号" in texts and "66112569" not in texts


def test_a_button_payload_carries_no_words_but_its_measure():
    texts, _, _, _ = run(tracker("/ask_contact", "ask_contact", {"measure_id": "xc1-14"}))
    assert "62268630" in texts


def test_small_talk_uses_the_domain_response_but_a_question_in_it_is_answered():
    _, _, _, messages = run(tracker("你好", "greet"))
    assert messages[0].get("response") == "utter_greet"
    texts, _, _, _ = run(tracker("你好，西城停征特种设备检验费找谁", "greet"))
    assert "83976786" in texts


def test_the_console_district_selector_decides_the_district():
    texts, _, _, _ = run(tracker("房租减免找谁", "ask_contact", metadata={"district": "密云区"}))
    assert "密政发" in texts and "西政办发" not in texts


@pytest.mark.parametrize("text", ["", "😀" * 20, "<script>alert(1)</script>", "a" * 5000, "rent能减吗 ok",
                                  "\u202e\u0000\ufeff", "1" * 1000, "？？？？" * 100, "西城房租\ud800能减吗"])
def test_odd_input_gets_a_real_answer_not_the_crash_apology(text, caplog):
    with caplog.at_level(logging.ERROR):
        texts, _, _, messages = run(tracker(text, "nlu_fallback"))
    assert messages and ra.APOLOGY not in texts
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_crash_is_logged_and_answered_with_the_apology(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(conversation, "respond", broken)
    with caplog.at_level(logging.ERROR):
        texts, _, slots, _ = run(tracker("西城房租", "ask_rent"))
    assert texts == ra.APOLOGY and slots == {}
    assert any("action_respond failed" in r.getMessage() for r in caplog.records)


def test_an_edited_phone_number_is_answered_without_restart_or_retraining(tmp_path, monkeypatch):
    import os
    import shutil
    from actions import knowledge_base, live_kb
    kb_dir = tmp_path / "kb"
    shutil.copytree(knowledge_base.DEFAULT_KB_DIR, kb_dir)
    monkeypatch.setattr(knowledge_base, "DEFAULT_KB_DIR", kb_dir)
    monkeypatch.setattr(live_kb, "CHECK_EVERY_SECONDS", 0.0)
    before, _, _, _ = run(tracker("西城延期纳税找谁", "ask_contact"))
    assert "62268630" in before
    path = kb_dir / "xc-2020-1.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("'62268630'", "'62268639'"), encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    after, _, _, _ = run(tracker("西城延期纳税找谁", "ask_contact"))
    assert "62268639" in after and "62268630" not in after
