"""Tests of the web chat page channel (bot/channels/webpage.py) and the socket.io session fix.

In-process over Sanic's ASGI interface; the real ``web/index.html`` and, when ``npm ci`` has run in
``web/``, the real rasa-webchat bundle are served.
"""
import asyncio
import base64
import hashlib
import json
import re
import uuid
from pathlib import Path
from typing import Any, List
from unittest import mock

import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.guarded import GuardedSocketIOInput
from bot.channels.webpage import WebChatPage

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
BASE = "/webhooks/web"


async def never_called(message: UserMessage) -> None:  # the page takes no user input
    raise AssertionError("the web page channel must not handle messages")


class NoAgent:
    async def handle_message(self, message: UserMessage) -> None:
        await never_called(message)


def make_app(channel: WebChatPage) -> Sanic:
    app = Sanic(f"web_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
    app.ctx.agent = NoAgent()
    register([channel], app, route="/webhooks/")
    return app


def get(app: Sanic, path: str, method: str = "get"):
    async def scenario():
        _, resp = await getattr(app.asgi_client, method)(BASE + path)
        return resp
    return asyncio.run(scenario())


def test_credentials_and_name():
    assert WebChatPage.name() == "web"
    assert WebChatPage.from_credentials(None).page_path == ROOT / "web" / "index.html"


def test_page_is_served_as_html():
    resp = get(make_app(WebChatPage()), "/")
    assert resp.status == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    html = resp.text
    assert "<title>中小微企业政策助手</title>" in html
    assert 'name="viewport"' in html and "width=device-width" in html
    assert 'lang="zh-CN"' in html
    for setting in ('initPayload: "/greet"', "socketUrl: window.location.origin", 'socketPath: "/socket.io/"',
                    'customData: { language: "zh" }', "showMessageDate: false", 'storage: "session"',
                    'script.src = "static/webchat.js"'):
        assert setting in html, setting
    # nothing from a CDN: no absolute http(s) URL is loaded by the page
    assert not re.search(r"""(src|href)\s*=\s*["']https?:""", html)
    assert "cdn" not in html.lower()


def test_page_csp_allows_only_this_origin_and_its_own_inline_script():
    resp = get(make_app(WebChatPage()), "/")
    csp = resp.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "googleapis" not in csp and "https:" not in csp
    inline = re.findall(r"<script>(.*?)</script>", resp.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in csp


@pytest.mark.skipif(not BUNDLE.is_file(), reason="rasa-webchat not installed: run `npm ci` in web/")
def test_bundle_is_served_as_javascript():
    resp = get(make_app(WebChatPage()), "/static/webchat.js")
    assert resp.status == 200
    assert resp.headers["content-type"] == "application/javascript; charset=utf-8"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert len(resp.body) == BUNDLE.stat().st_size
    assert b"WebChat" in resp.body[:1000]  # the UMD bundle defines window.WebChat


def test_installed_widget_is_the_pinned_version():
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/rasa-webchat"]["version"] == "1.0.1"
    package = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"rasa-webchat": "1.0.1", "echarts": "5.6.0"}   # echarts: the curator report
    assert lock["packages"]["node_modules/echarts"]["version"] == "5.6.0"


def test_missing_bundle_is_503_with_chinese_message(tmp_path):
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    app = make_app(WebChatPage(web_dir=str(tmp_path)))
    resp = get(app, "/static/webchat.js")
    assert resp.status == 503
    assert resp.headers["content-type"].startswith("text/plain")
    assert "npm ci" in resp.text and "尚未安装" in resp.text
    assert get(app, "/").status == 200


def test_anything_else_is_404():
    app = make_app(WebChatPage())
    for path in ("/static/other.js", "/static/../index.html", "/index.html", "/node_modules/rasa-webchat/lib/index.js",
                 "/package.json", "/static/webchat.js/x"):
        assert get(app, path).status == 404, path
    assert get(app, "/", method="post").status in (404, 405)


# --------------------------------------------------------------------------- #
# socket.io: the widget's session (session_persistence: true)
# --------------------------------------------------------------------------- #
def _session_request_handler(channel: GuardedSocketIOInput):
    async def handler(message: UserMessage) -> None:
        pass
    channel.blueprint(handler)
    return channel.sio, channel.sio.handlers["/"]["session_request"]


@pytest.mark.parametrize("data, keeps_id", [({"session_id": "abc123"}, True), ({}, False), (None, False),
                                            ({"session_id": None}, False), ({"session_id": "x" * 500}, False)])
def test_session_request_joins_the_session_room(data, keeps_id):
    """Rasa 3.6 forgets to await enter_room (a coroutine in python-socketio 5): bot replies never
    reach the widget. The guarded channel's handler awaits it."""
    channel = GuardedSocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True})
    sio, handler = _session_request_handler(channel)
    entered: List[Any] = []
    emitted: List[Any] = []

    async def enter_room(sid, room, namespace=None):
        entered.append((sid, room))

    async def emit(event, data=None, room=None, namespace=None, **kwargs):
        emitted.append((event, data, room))

    with mock.patch.object(sio, "enter_room", enter_room), mock.patch.object(sio, "emit", emit):
        asyncio.run(handler("sid-1", data))
    assert len(entered) == 1 and entered[0][0] == "sid-1"
    session_id = entered[0][1]
    assert emitted == [("session_confirm", session_id, "sid-1")]
    if keeps_id:
        assert session_id == "abc123"
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", session_id)
