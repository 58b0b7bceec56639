"""The tracker store and event broker as patched by bot/rasa_scale_patches.py: every event is stored
once and streamed once, a kept tracker is used only while the store still holds exactly its
session, and a failing broker does not fail the user's turn. Two store objects on one database
stand for two replicas."""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import List

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot import rasa_scale_patches

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  district:
    type: text
    mappings: [{type: custom}]
"""
)


def run(coro):
    return asyncio.run(coro)


@pytest.fixture()
def dbs(tmp_path: Path, monkeypatch):
    rasa_scale_patches.install()
    rasa_scale_patches.current_sessions.clear()
    monkeypatch.delenv("RASA_TRACKER_CACHE", raising=False)
    return tmp_path / "tracker.db", tmp_path / "events.db"


def store(dbs, broker: bool = True) -> SQLTrackerStore:
    tracker_db, events_db = dbs
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker_db),
                           event_broker=SQLEventBroker(db=str(events_db)) if broker else None)


def rows(path: Path, sender: str) -> List[dict]:
    with sqlite3.connect(path) as c:
        return [json.loads(d) for (d,) in c.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def turn(tracker, text: str, reply: str) -> None:
    tracker.update(UserUttered(text, {"name": "ask", "confidence": 1.0}))
    tracker.update(SlotSet("district", text))
    tracker.update(BotUttered(reply))
    tracker.update(ActionExecuted("action_listen"))


def new_conversation(s: SQLTrackerStore, sender: str):
    tracker = run(s.get_or_create_tracker(sender))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    return tracker


def test_every_event_is_stored_once_and_streamed_once(dbs):
    s = store(dbs)
    tracker = new_conversation(s, "u1")
    for i in range(3):
        turn(tracker, f"第{i}问", f"第{i}答")
        run(s.save(tracker))
        tracker = run(s.retrieve("u1"))
    stored, streamed = rows(dbs[0], "u1"), rows(dbs[1], "u1")
    assert [e["event"] for e in stored] == [e["event"] for e in streamed]
    assert [e.get("text") for e in stored if e["event"] == "user"] == ["第0问", "第1问", "第2问"]
    assert all(e["sender_id"] == "u1" for e in streamed)
    assert len(stored) == len(run(s.retrieve_full_tracker("u1")).events) == 3 + 1 + 4 * 3


def test_a_turn_saved_by_another_replica_is_read_from_the_store(dbs):
    a, b = store(dbs), store(dbs)
    tracker = new_conversation(a, "u2")
    turn(tracker, "西城", "好的")
    run(a.save(tracker))
    # the next turn lands on replica b, which appends to the store
    other = run(b.retrieve("u2"))
    turn(other, "密云", "好的")
    run(b.save(other))
    # back on replica a: its kept tracker is stale and must not be used
    again = run(a.retrieve("u2"))
    assert again.get_slot("district") == "密云"
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["西城", "密云"]
    turn(again, "电话", "号码")
    run(a.save(again))
    assert [e["text"] for e in rows(dbs[0], "u2") if e["event"] == "user"] == ["西城", "密云", "电话"]


def test_the_kept_tracker_is_the_stored_session(dbs):
    s = store(dbs)
    tracker = new_conversation(s, "u3")
    turn(tracker, "西城", "好的")
    run(s.save(tracker))
    kept = run(s.retrieve("u3"))
    rasa_scale_patches.current_sessions.clear()
    loaded = run(s.retrieve("u3"))

    def session(t):  # the kept one also has the turn's events before the session start, as Rasa's own had
        start = next(i for i, e in enumerate(t.events) if isinstance(e, SessionStarted))
        return [e.as_dict() for e in list(t.events)[start:]]

    assert session(kept) == session(loaded) and len(session(kept)) == 2 + 4
    assert kept.get_slot("district") == loaded.get_slot("district") == "西城"


def test_a_turn_that_fails_before_its_save_leaves_nothing_behind(dbs):
    s = store(dbs)
    tracker = new_conversation(s, "u4")
    turn(tracker, "西城", "好的")
    run(s.save(tracker))
    broken = run(s.retrieve("u4"))
    broken.update(UserUttered("这一轮没有保存", {"name": "ask", "confidence": 1.0}))  # the turn fails here
    fresh = run(s.retrieve("u4"))
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["西城"]


def test_a_new_session_in_the_turn_is_stored_and_the_next_turn_reads_only_it(dbs):
    s = store(dbs)
    tracker = new_conversation(s, "u5")
    turn(tracker, "旧会话", "好的")
    run(s.save(tracker))
    tracker = run(s.retrieve("u5"))
    time.sleep(0.01)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(SlotSet("district", "旧会话"))
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "新会话", "好的")
    run(s.save(tracker))
    nxt = run(s.retrieve("u5"))
    assert [e.text for e in nxt.events if isinstance(e, UserUttered)] == ["新会话"]
    full = run(s.retrieve_full_tracker("u5"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["旧会话", "新会话"]
    assert len(rows(dbs[0], "u5")) == len(rows(dbs[1], "u5")) == len(full.events)


def test_a_failing_event_broker_does_not_fail_the_turn(dbs, caplog):
    s = store(dbs)

    def down(events):
        raise ConnectionError("broker database down")

    s.event_broker.publish_many = down
    tracker = new_conversation(s, "u6")
    turn(tracker, "西城", "好的")
    with caplog.at_level(logging.ERROR):
        run(s.save(tracker))
    assert [e["text"] for e in rows(dbs[0], "u6") if e["event"] == "user"] == ["西城"]
    assert "event broker unavailable" in caplog.text


def test_without_the_cache_the_same_events_are_stored(dbs, monkeypatch):
    monkeypatch.setenv("RASA_TRACKER_CACHE", "0")
    s = store(dbs, broker=False)
    tracker = new_conversation(s, "u7")
    for i in range(2):
        turn(tracker, f"问{i}", f"答{i}")
        run(s.save(tracker))
        tracker = run(s.retrieve("u7"))
    assert [e["text"] for e in rows(dbs[0], "u7") if e["event"] == "user"] == ["问0", "问1"]
    assert len(rows(dbs[0], "u7")) == len(run(s.retrieve_full_tracker("u7")).events) == 12
