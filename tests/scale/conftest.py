"""Set-up for the scale tests: PostgreSQL, Redis and nginx (installed from the Debian packages when
missing) and two Rasa replicas with one action server, all on loopback, free ports, under a
temporary directory; everything is stopped at the end of the session."""
from __future__ import annotations

import json
import shutil
import tempfile
import secrets
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from bot.local_stack import EVENTS_DB, MODEL, Stack, StackError

WECHAT_TOKEN = "scale-test-" + secrets.token_hex(8)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run scripts/test.sh (it trains first)")
    # A ticket of a killed replica blocks its conversation for the ticket lifetime: 20 s here.
    work = Path(tempfile.mkdtemp(prefix="scale-tests-"))  # not under pytest's private tmp: postgres must enter it
    s = Stack(work, replicas=2, action_servers=1,
              env={"WECHAT_TOKEN": WECHAT_TOKEN, "TICKET_LOCK_LIFETIME": "20"})
    try:
        s.start()
    except StackError as e:
        pytest.fail(f"could not start PostgreSQL/Redis/nginx and the replicas: {e}")
    try:
        yield s
    finally:
        s.stop()
        shutil.rmtree(work, ignore_errors=True)


def replica_url(stack: Stack, i: int) -> str:
    return f"http://127.0.0.1:{stack.rasa_ports[i]}/webhooks/rest/webhook"


def say(url: str, sender: str, text: str, timeout: float = 60) -> List[dict]:
    r = requests.post(url, json={"sender": sender, "message": text}, timeout=timeout)
    r.raise_for_status()
    return r.json()


def texts(reply: List[dict]) -> str:
    return "\n".join(m.get("text", "") for m in reply)


def user_texts(stack: Stack, conversation: str) -> List[str]:
    rows = stack.psql(f"SELECT data FROM events WHERE sender_id = '{conversation}' AND type_name = 'user' ORDER BY id")
    return [json.loads(r)["text"] for r in rows.splitlines() if r]


def streamed_user_texts(stack: Stack, conversation: str) -> List[str]:
    """User messages as Rasa's SQL event broker wrote them (its own database, EVENTS_DB)."""
    rows = stack.psql(f"SELECT data FROM events WHERE sender_id = '{conversation}' ORDER BY id", database=EVENTS_DB)
    return [e["text"] for e in map(json.loads, filter(None, rows.splitlines())) if e.get("event") == "user"]


def event_types(stack: Stack, conversation: str) -> List[str]:
    rows = stack.psql(f"SELECT type_name || ':' || coalesce(action_name, '') FROM events "
                      f"WHERE sender_id = '{conversation}' ORDER BY id")
    return [r for r in rows.splitlines() if r]


def context_slot(stack: Stack, conversation: str) -> dict:
    rows = stack.psql(f"SELECT data FROM events WHERE sender_id = '{conversation}' AND type_name = 'slot' AND action_name = 'context' "
                      f"ORDER BY id DESC LIMIT 1")
    return json.loads(rows)["value"] if rows else {}


def wait_for(check, timeout: float, what: str):
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            assert value, what
            return value
        time.sleep(0.5)
