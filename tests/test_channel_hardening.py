"""Hardening of the channels (issue 8): nothing a user sends can stop the bot or reach another
user's conversation.

In-process over Sanic's ASGI interface with a fake bot, except the tracker-store tests, which use
Rasa's real SQLite tracker store in a temporary directory.
"""
import asyncio
import json
import uuid
from typing import Any, List, Optional

import pytest
from rasa.core.channels.channel import UserMessage, register
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot import rasa_patches
from bot.channels.guarded import (
    COMMAND_REPLY,
    CUT_NOTE,
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    GuardedRestInput,
    GuardedSocketIOInput,
)

REST = "/webhooks/rest/webhook"
BAD_SENDERS = ["x\ud800", "\udfff", "a\nb", "tab\there", "nul\x00", "", "   ", "x" * 129, None, [], {}, True]


class FakeBot:
    """Stands in for Rasa's agent: records the messages and answers with one text."""

    def __init__(self, silent: bool = False) -> None:
        self.calls: List[UserMessage] = []
        self.silent = silent

    async def handle_message(self, message: UserMessage) -> None:
        self.calls.append(message)
        if not self.silent:
            await message.output_channel.send_response(message.sender_id, {"text": f"回答：{message.text[:20]}"})


def rest_app(bot: FakeBot) -> Sanic:
    app = Sanic(f"hardening_{uuid.uuid4().hex[:12]}", configure_logging=False)
    app.ctx.agent = bot
    register([GuardedRestInput()], app, route="/webhooks/")
    return app


def post(app: Sanic, body: Any, raw: Optional[bytes] = None):
    async def scenario():
        content = raw if raw is not None else json.dumps(body).encode("utf-8")
        _, resp = await app.asgi_client.post(REST, content=content, headers={"Content-Type": "application/json"})
        return resp
    return asyncio.run(scenario())


# --------------------------------------------------------------------------- #
# item 1: sender ids are validated at every channel; the tracker store cannot end the process
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("sender", BAD_SENDERS)
def test_rest_rejects_invalid_sender_ids_with_a_clean_400(sender):
    bot = FakeBot()
    resp = post(rest_app(bot), {"sender": sender, "message": "hi"})
    assert resp.status == 400
    assert "sender" in resp.text and "Traceback" not in resp.text
    assert bot.calls == []


def test_rest_lone_surrogate_sent_as_raw_json_escape_is_a_400():
    bot = FakeBot()
    resp = post(rest_app(bot), None, raw=b'{"sender":"x\\ud800","message":"hi"}')
    assert resp.status == 400 and bot.calls == []


def test_rest_accepts_ordinary_senders():
    bot = FakeBot()
    for sender in ("company-1", "用户 张三", "x" * 128, 42):
        assert post(rest_app(bot), {"sender": sender, "message": "你好"}).status == 200
    assert [m.sender_id for m in bot.calls] == ["rest:company-1", "rest:用户 张三", "rest:" + "x" * 128, "rest:42"]


def socketio_handlers(bot: FakeBot):
    channel = GuardedSocketIOInput.from_credentials({"session_persistence": True})
    channel.blueprint(bot.handle_message)
    return channel.sio.handlers[channel.namespace or "/"]


@pytest.mark.parametrize("session_id", BAD_SENDERS)
def test_socketio_message_with_invalid_session_id_is_ignored(session_id):
    bot = FakeBot()
    handle = socketio_handlers(bot)["user_uttered"]
    asyncio.run(handle("sid-1", {"session_id": session_id, "message": "hi"}))
    assert bot.calls == []


@pytest.mark.parametrize("data", [None, "text", 5, [1], {"session_id": "s1"}, {"session_id": "s1", "message": 5}])
def test_socketio_malformed_messages_are_ignored(data):
    bot = FakeBot()
    asyncio.run(socketio_handlers(bot)["user_uttered"]("sid-1", data))
    assert bot.calls == []


def test_socketio_session_request_with_invalid_id_gets_a_fresh_one():
    bot = FakeBot()
    channel = GuardedSocketIOInput.from_credentials({"session_persistence": True})
    channel.blueprint(bot.handle_message)
    confirmed = []

    async def emit(event, data, room=None, namespace=None):
        confirmed.append(data)

    async def enter_room(*args, **kwargs):
        return None

    channel.sio.emit, channel.sio.enter_room = emit, enter_room
    asyncio.run(channel.sio.handlers[channel.namespace or "/"]["session_request"]("sid-1", {"session_id": "x\ud800"}))
    assert len(confirmed) == 1 and confirmed[0] != "x\ud800" and confirmed[0].isalnum()


def test_socketio_valid_message_reaches_the_bot_in_its_own_conversation():
    bot = FakeBot(silent=True)
    handle = socketio_handlers(bot)["user_uttered"]
    asyncio.run(handle("sid-1", {"session_id": "abc123", "message": "西城区房租", "metadata": {"district": "西城区"}}))
    (msg,) = bot.calls
    assert (msg.sender_id, msg.input_channel, msg.metadata) == ("socketio:abc123", "socketio", {"district": "西城区"})


@pytest.fixture
def sqlite_store(tmp_path):
    rasa_patches.install()
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))


def test_tracker_store_error_raises_instead_of_exiting(sqlite_store):
    """Before the patch, SQLite's UnicodeEncodeError (a ValueError) was taken for a missing
    PostgreSQL schema and Rasa called sys.exit (SystemExit is not an Exception: nothing caught it)."""
    tracker = DialogueStateTracker.from_events("x\ud800", [UserUttered("hi")])
    with pytest.raises(ValueError):
        asyncio.run(sqlite_store.save(tracker))
    with pytest.raises(ValueError):
        asyncio.run(sqlite_store.retrieve("x\ud800"))
    # the store still works for everyone else
    asyncio.run(sqlite_store.save(DialogueStateTracker.from_events("ok", [UserUttered("hi")])))
    assert asyncio.run(sqlite_store.retrieve("ok")) is not None


def test_missing_postgresql_schema_raises_instead_of_exiting(sqlite_store, monkeypatch):
    from rasa.core import tracker_store

    def missing(session):
        raise ValueError("no_such_schema")

    monkeypatch.setattr(tracker_store, "ensure_schema_exists", missing)
    with pytest.raises(rasa_patches.TrackerStoreUnavailable):
        asyncio.run(sqlite_store.retrieve("someone"))


# --------------------------------------------------------------------------- #
# item 9: channels kept apart, typed commands, the cut is told; item 8: bounded metadata
# --------------------------------------------------------------------------- #
def test_rest_client_cannot_claim_another_channel_or_its_user():
    bot = FakeBot()
    post(rest_app(bot), {"sender": "oUser-openid-0001", "message": "你好", "input_channel": "wechat"})
    (msg,) = bot.calls
    assert (msg.sender_id, msg.input_channel) == ("rest:oUser-openid-0001", "rest")


def test_rest_reply_is_addressed_to_the_sender_as_sent():
    resp = post(rest_app(FakeBot()), {"sender": "company-1", "message": "你好"})
    assert [r["recipient_id"] for r in resp.json] == ["company-1"]


@pytest.mark.parametrize("typed", ["/restart", "/session_start", " //back", "/nlu_fallback", "/restart{}"])
def test_typed_builtin_commands_get_a_polite_reply_and_are_not_run(typed):
    bot = FakeBot()
    resp = post(rest_app(bot), {"sender": "u1", "message": typed})
    assert bot.calls == []
    assert [r["text"] for r in resp.json] == [COMMAND_REPLY]


@pytest.mark.parametrize("text", ['/ask_contact{"measure_id":"xc1-13"}', "/restarting the shop", "restart"])
def test_button_payloads_and_words_reach_the_bot(text):
    bot = FakeBot()
    post(rest_app(bot), {"sender": "u1", "message": text})
    assert [m.text for m in bot.calls] == [text]


def test_a_message_past_the_limit_is_cut_and_the_user_is_told():
    bot = FakeBot()
    resp = post(rest_app(bot), {"sender": "u1", "message": "房" * (MAX_MESSAGE_CHARS + 500)})
    assert len(bot.calls[0].text) == MAX_MESSAGE_CHARS
    replies = [r["text"] for r in resp.json]
    assert replies[-1] == CUT_NOTE and "前1000字" in CUT_NOTE and len(replies) == 2


def test_a_message_within_the_limit_has_no_note():
    resp = post(rest_app(FakeBot()), {"sender": "u1", "message": "房" * MAX_MESSAGE_CHARS})
    assert CUT_NOTE not in [r["text"] for r in resp.json]


def test_only_the_metadata_the_bot_uses_is_kept():
    bot = FakeBot()
    post(rest_app(bot), {"sender": "u1", "message": "房租", "metadata": {"district": "西城区", "junk": "x" * 1000}})
    post(rest_app(bot), {"sender": "u1", "message": "房租", "metadata": {"district": "区" * 1000}})
    post(rest_app(bot), {"sender": "u1", "message": "房租", "metadata": "not a dict"})
    assert [m.metadata for m in bot.calls] == [{"district": "西城区"}, {}, {}]


def test_an_oversized_body_is_a_413():
    bot = FakeBot()
    resp = post(rest_app(bot), {"sender": "u1", "message": "hi", "metadata": {"junk": "x" * MAX_BODY_BYTES}})
    assert resp.status == 413 and bot.calls == []


# --------------------------------------------------------------------------- #
# item 6: WECHAT_TOKEN alone starts the WeChat channel (scripts/common.sh credentials_file)
# --------------------------------------------------------------------------- #
def credentials_file(tmp_path, env: dict):
    import os
    import subprocess

    from tests.servers import ROOT

    out = tmp_path / "credentials.yml"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_")}
    proc = subprocess.run(["bash", "-c", 'source scripts/common.sh && credentials_file "$0"', str(out)],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    return out, proc.stderr


def load_wechat(path, monkeypatch, env: dict):
    from rasa.core.run import create_http_input_channels

    from bot.channels.wechat import WeChatInput

    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_ENCODING_AES_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    channels = create_http_input_channels(None, str(path))
    return [c for c in channels if isinstance(c, WeChatInput)]


def test_wechat_token_alone_starts_in_plaintext_mode_and_says_what_is_missing(tmp_path, monkeypatch):
    env = {"WECHAT_TOKEN": "tok-123"}
    path, messages = credentials_file(tmp_path, env)
    (wechat,) = load_wechat(path, monkeypatch, env)  # Rasa stopped here on ${WECHAT_APP_ID}
    assert wechat.token == "tok-123" and wechat.crypto is None and not wechat.has_client
    assert "WECHAT_APP_ID" in messages and "WECHAT_APP_SECRET" in messages


def test_wechat_aes_key_without_app_id_starts_plaintext_and_says_why(tmp_path, monkeypatch):
    env = {"WECHAT_TOKEN": "tok-123", "WECHAT_ENCODING_AES_KEY": "k" * 43}
    path, messages = credentials_file(tmp_path, env)
    (wechat,) = load_wechat(path, monkeypatch, env)
    assert wechat.crypto is None and "安全模式 needs WECHAT_APP_ID" in messages


def test_wechat_all_variables_enable_everything(tmp_path, monkeypatch):
    import base64

    env = {"WECHAT_TOKEN": "tok-123", "WECHAT_APP_ID": "wx0123456789abcdef", "WECHAT_APP_SECRET": "s3cr3t-value",
           "WECHAT_ENCODING_AES_KEY": base64.b64encode(bytes(range(32))).decode()[:-1]}
    path, messages = credentials_file(tmp_path, env)
    assert "s3cr3t-value" not in path.read_text()  # only ${VAR} references, never the secrets
    (wechat,) = load_wechat(path, monkeypatch, env)
    assert wechat.has_client and wechat.crypto is not None and messages == ""


def test_without_wechat_token_there_is_no_wechat_channel(tmp_path, monkeypatch):
    path, _ = credentials_file(tmp_path, {})
    assert load_wechat(path, monkeypatch, {}) == []


# --------------------------------------------------------------------------- #
# end to end: the real Rasa and action servers (tests/servers.py), one start for these tests
# --------------------------------------------------------------------------- #
import sqlite3  # noqa: E402

import requests  # noqa: E402

from tests.servers import running_servers  # noqa: E402


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with running_servers(tmp_path_factory.mktemp("hardening")) as s:
        yield s


def texts(replies: list) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def rest(servers, raw: bytes):
    return requests.post(f"{servers.rasa_url}{REST}", data=raw, headers={"Content-Type": "application/json"},
                         timeout=30)


def stored(servers, sql: str, *args: Any) -> list:
    with sqlite3.connect(servers.tracker_db) as db:
        return db.execute(sql, args).fetchall()


def test_e2e_lone_surrogate_sender_is_a_400_and_the_bot_keeps_running(servers):
    assert rest(servers, b'{"sender":"x\\ud800","message":"hi"}').status_code == 400
    assert "66112569" in texts(servers.say("alive-1", "西城国企的房子房租能免吗"))


def test_e2e_action_server_listens_on_loopback_only(servers):
    port = int(servers.actions_url.rsplit(":", 1)[1])
    listening = [line.split()[1] for line in open("/proc/net/tcp").read().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
    assert listening == ["0100007F:%04X" % port]  # 127.0.0.1 only


def test_e2e_action_server_refuses_requests_without_the_token(servers):
    assert requests.get(f"{servers.actions_url}/actions", timeout=10).status_code == 401



def test_e2e_typed_restart_and_session_start_get_an_answer_not_an_apology(servers):
    servers.say("cmd-1", "西城国企的房子房租能免吗")
    for typed in ("/restart", "/session_start"):
        assert texts(servers.say("cmd-1", typed)) == COMMAND_REPLY
    assert "于伟川" in texts(servers.say("cmd-1", "电话多少"))  # the conversation was not restarted


def test_e2e_channels_and_metadata_are_stored_apart(servers):
    body = {"sender": "oUser-e2e", "message": "西城区房租减免", "input_channel": "wechat",
            "metadata": {"district": "西城区", "junk": "x" * 5000}}
    assert rest(servers, json.dumps(body).encode()).status_code == 200
    rows = stored(servers, "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id LIKE ?",
                  "%oUser-e2e")
    assert [sender for sender, _ in rows] == ["rest:oUser-e2e"]
    event = json.loads(rows[0][1])
    assert event["input_channel"] == "rest"
    assert event["metadata"]["district"] == "西城区" and "junk" not in event["metadata"]
    huge = dict(body, metadata={"junk": "x" * (20 * 1024 * 1024)})
    assert rest(servers, json.dumps(huge).encode()).status_code == 413
