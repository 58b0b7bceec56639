"""The web chat page: serves ``web/index.html`` and the rasa-webchat bundle from the Rasa server.

Register it in ``credentials.yml`` (no settings needed)::

    bot.channels.webpage.WebChatPage:

Routes (same origin as Rasa's socket.io channel, so the widget needs no CORS):

* ``GET /webhooks/web/``                  → ``web/index.html``
* ``GET /webhooks/web/static/webchat.js`` → ``web/node_modules/rasa-webchat/lib/index.js``
  (installed from the npm registry by ``npm ci`` in ``web/``; nothing is loaded from a CDN)

The widget talks to the socket.io channel (``GuardedSocketIOInput``); this channel takes no user
input itself.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_WEB_DIR = ROOT / "web"
PAGE = "index.html"
BUNDLE = Path("node_modules") / "rasa-webchat" / "lib" / "index.js"

JS_TYPE = "application/javascript; charset=utf-8"
BUNDLE_MISSING = (
    "网页聊天组件尚未安装。请在项目的 web/ 目录运行 “npm ci”（scripts/run.sh 会自动安装），然后刷新本页面。"
)
PAGE_MISSING = "网页聊天页面文件缺失（web/index.html），请联系系统管理员。"

COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(html: str) -> str:
    """Only this origin: the widget's styles are inline (style-loader), the page's own script is
    allowed by its hash. This also stops the rasa-webchat bundle's CSS ``@import`` of Google Fonts
    (a CDN) before any request is made: nothing is fetched from outside at run time."""
    hashes = " ".join(
        "'sha256-%s'" % base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode()
        for m in INLINE_SCRIPT.findall(html)
    )
    return (
        "default-src 'self'; script-src 'self' " + hashes + "; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'"
    )


def _text(message: str, status: int) -> HTTPResponse:
    return response.text(
        message,
        status=status,
        content_type="text/plain; charset=utf-8",
        headers={**COMMON_HEADERS, "Cache-Control": "no-store"},
    )


class WebChatPage(InputChannel):
    """Static page with the web chat widget (the widget itself talks to socket.io)."""

    def __init__(self, web_dir: Optional[Text] = None) -> None:
        self.web_dir = Path(web_dir) if web_dir else DEFAULT_WEB_DIR

    @classmethod
    def name(cls) -> Text:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatPage":
        credentials = credentials or {}
        return cls(web_dir=credentials.get("web_dir"))

    @property
    def page_path(self) -> Path:
        return self.web_dir / PAGE

    @property
    def bundle_path(self) -> Path:
        return self.web_dir / BUNDLE

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # ``on_new_message`` is unused: user messages arrive through the socket.io channel.
        web_page = Blueprint("web_chat_page", __name__)

        @web_page.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not self.page_path.is_file():
                logger.error("web chat page missing: %s", self.page_path)
                return _text(PAGE_MISSING, 500)
            html = self.page_path.read_text(encoding="utf-8")
            return response.html(
                html,
                headers={
                    **COMMON_HEADERS,
                    "Cache-Control": "no-cache",
                    "Content-Security-Policy": content_security_policy(html),
                },
            )

        @web_page.route("/static/webchat.js", methods=["GET"])
        async def bundle(request: Request) -> HTTPResponse:
            if not self.bundle_path.is_file():
                logger.error("rasa-webchat bundle missing: %s (run `npm ci` in web/)", self.bundle_path)
                return _text(BUNDLE_MISSING, 503)
            return await response.file(
                self.bundle_path, mime_type=JS_TYPE, headers={**COMMON_HEADERS, "Cache-Control": "public, max-age=3600"}
            )

        return web_page
