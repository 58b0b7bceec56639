"""The curators' report, served by the running bot: ``/webhooks/curator/``.

Register it in ``credentials.yml``::

    bot.channels.curator_report.CuratorReport:
      token_env: CURATOR_TOKEN     # the report's own token (never the console's or the API's)

The token is read from the environment at every request. Unset, empty, or equal to the hotline
console's (``CONSOLE_TOKEN``), the API's (``RASA_API_TOKEN``) or the action server's token: every
request is refused (401).

Routes under ``/webhooks/curator/``:

* ``GET  /``                 the report (``actions/curator_report.py``) — 401 and a sign-in form without the token
* ``POST /login``            form field ``token`` → a session cookie (HttpOnly, SameSite=Strict, this path only;
                              signed with its time, refused by the server after 8 hours)
* ``POST /logout``
* ``GET  /csv/<table>.csv``  every table of the report as CSV
* ``GET  /api/report``       the figures as JSON
* ``POST /api/attach``       ``{wording, measure_id}``: the bot answers that wording with the measure (live)
* ``POST /api/out_of_scope`` ``{wording}``: the bot says it is out of scope (live)
* ``GET  /static/report.js``, ``/static/echarts.min.js`` (ECharts from npm, ``web/node_modules``)

API calls take ``Authorization: Bearer <token>`` or the session cookie; POSTs with the cookie also
need the header ``X-Curator: 1`` (a cross-site form cannot send it).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import curation, curator_report
from actions.live_kb import default_kb, live_kb
from bot.channels.console import FailureLimiter

logger = logging.getLogger(__name__)

DEFAULT_TOKEN_ENV = "CURATOR_TOKEN"
OTHER_TOKENS = ("CONSOLE_TOKEN", "RASA_API_TOKEN", "ACTION_SERVER_TOKEN")
COOKIE = "curator_session"
COOKIE_PATH = "/webhooks/curator"
COOKIE_MAX_AGE = 8 * 3600
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
STATIC = {"report.js": curator_report.REPORT_JS, "echarts.min.js": curator_report.ECHARTS_JS}

LOGIN_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>政策助手运营报告 · 登录</title>
<link rel="icon" href="data:,"><style>
body{{margin:0;font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f4f5f7;color:#1f2328}}
form{{max-width:360px;margin:12vh auto;background:#fff;padding:24px;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.08)}}
h1{{font-size:20px;margin:0 0 12px}}p{{color:#5b6470;font-size:13px;line-height:1.6}}
input{{width:100%;padding:8px;font-size:15px;margin:8px 0 12px;box-sizing:border-box}}
button{{background:#b3261e;color:#fff;border:0;padding:8px 18px;font-size:15px;border-radius:4px}}.err{{color:#b3261e}}
</style></head><body><form method="post" action="{action}"><h1>政策助手运营报告</h1>
<p>请输入运营报告口令（服务器环境变量 CURATOR_TOKEN，与热线后台口令不同）。</p>{error}
<input type="password" name="token" autocomplete="current-password" aria-label="口令" required autofocus>
<button type="submit">进入报告</button></form></body></html>"""


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(
        body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False), headers=SECURITY_HEADERS
    )


class CuratorReport(InputChannel):
    """Token-protected report page, its CSV files, and the curators' fixes."""

    def __init__(
        self, token_env: Text = DEFAULT_TOKEN_ENV, events_url: Optional[Text] = None, kb_dir: Optional[Text] = None
    ) -> None:
        self.token_env = token_env or DEFAULT_TOKEN_ENV
        self._events_url = events_url
        self.kb_dir = Path(kb_dir) if kb_dir else None
        self.guesses = FailureLimiter()

    @classmethod
    def name(cls) -> Text:
        return "curator"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "CuratorReport":
        credentials = credentials or {}
        return cls(
            token_env=str(credentials.get("token_env") or DEFAULT_TOKEN_ENV),
            events_url=credentials.get("events_url"),
            kb_dir=credentials.get("kb_dir"),
        )

    # -- auth --------------------------------------------------------------------------------

    def expected_token(self) -> Optional[str]:
        token = os.environ.get(self.token_env, "").strip()
        if not token:
            return None
        if any(token == os.environ.get(other, "").strip() for other in OTHER_TOKENS if other != self.token_env):
            logger.error("curator report refused: %s equals another channel's token; give it its own", self.token_env)
            return None
        return token

    @staticmethod
    def session_value(token: str, issued: Optional[int] = None) -> str:
        """``<issued>.<HMAC>``: signed with the token (any replica can check it, and a new token
        ends every session), and valid for ``COOKIE_MAX_AGE`` seconds from ``issued`` whatever the
        browser keeps."""
        issued = int(time.time()) if issued is None else int(issued)
        mac = hmac.new(token.encode("utf-8"), f"curator-report-session:{issued}".encode(), hashlib.sha256)
        return f"{issued}.{mac.hexdigest()}"

    @classmethod
    def session_valid(cls, token: str, value: str, now: Optional[float] = None) -> bool:
        issued, _, _mac = value.partition(".")
        if not (issued.isascii() and issued.isdigit()) or len(issued) > 12:
            return False
        age = (time.time() if now is None else now) - int(issued)
        expected = cls.session_value(token, int(issued))
        return -60 <= age <= COOKIE_MAX_AGE and hmac.compare_digest(value.encode("utf-8"), expected.encode("utf-8"))

    def authorized(self, request: Request, need_csrf_header: bool = False) -> Optional[str]:
        """None when allowed, else the reason (Chinese) for the 401."""
        token = self.expected_token()
        if token is None:
            return f"运营报告未启用：服务器未设置专用口令（环境变量 {self.token_env}，不能与热线后台或API口令相同）。"
        scheme, _, provided = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and provided.strip():
            if hmac.compare_digest(provided.strip().encode("utf-8"), token.encode("utf-8")):
                return None
            self.guesses.failed(request.ip or "unknown")
            return "访问口令不正确。"
        cookie = request.cookies.get(COOKIE, "")
        if cookie and self.session_valid(token, cookie):
            if need_csrf_header and request.headers.get("x-curator") != "1":
                return "缺少请求头 X-Curator。"
            return None
        return "需要运营报告口令。"

    def too_many(self, request: Request) -> Optional[HTTPResponse]:
        wait = self.guesses.retry_after(request.ip or "unknown")
        if wait:
            return response.text(
                f"口令错误次数过多，请{math.ceil(wait / 60)}分钟后再试。",
                status=429,
                headers={**SECURITY_HEADERS, "Retry-After": str(math.ceil(wait))},
            )
        return None

    def login_page(self, status: int, error: str = "") -> HTTPResponse:
        err = f'<p class="err">{error}</p>' if error else ""
        return response.html(
            LOGIN_PAGE.format(action=COOKIE_PATH + "/login", error=err),
            status=status,
            headers={
                **SECURITY_HEADERS,
                "Content-Security-Policy": PAGE_CSP,
                "WWW-Authenticate": 'Bearer realm="curator-report"',
            },
        )

    # -- data --------------------------------------------------------------------------------

    def events_url(self) -> str:
        return self._events_url or curator_report.events_url()

    async def report(self, request: Request) -> Dict[str, Any]:
        days = request.args.get("days")
        days = int(days) if days and days.isdigit() else None
        kb = default_kb()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: curator_report.build(kb, self.events_url(), days))

    def kb_path(self) -> Path:
        return self.kb_dir or live_kb().kb_dir

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("curator_report", __name__)

        def guarded(csrf: bool = False, page: bool = False):
            def wrap(func):
                @functools.wraps(func)
                async def inner(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                    limited = self.too_many(request)
                    if limited is not None:
                        return limited
                    reason = self.authorized(request, need_csrf_header=csrf)
                    if reason is not None:
                        if page:
                            return self.login_page(401)
                        return _json({"error": reason, "status": 401}, 401)
                    try:
                        return await func(request, *args, **kwargs)
                    except Exception:
                        logger.exception("curator report request %s failed", request.path)
                        return _json({"error": "服务器内部错误，请稍后再试。", "status": 500}, 500)

                return inner

            return wrap

        @bp.route("/", methods=["GET"])
        @guarded(page=True)
        async def page(request: Request) -> HTTPResponse:
            html = curator_report.render_html(
                await self.report(request), asset_prefix="static/", csv_prefix="csv/", served=True
            )
            return response.html(html, headers={**SECURITY_HEADERS, "Content-Security-Policy": PAGE_CSP})

        @bp.route("/login", methods=["POST"])
        async def login(request: Request) -> HTTPResponse:
            limited = self.too_many(request)
            if limited is not None:
                return limited
            token = self.expected_token()
            fields = parse_qs((request.body or b"").decode("utf-8", "replace"))
            provided = (fields.get("token") or [""])[0].strip()
            if token is None:
                return self.login_page(401, f"运营报告未启用：服务器未设置专用口令 {self.token_env}。")
            if not provided or not hmac.compare_digest(provided.encode("utf-8"), token.encode("utf-8")):
                self.guesses.failed(request.ip or "unknown")
                return self.login_page(401, "口令不正确，请重新输入。")
            resp = response.redirect(COOKIE_PATH + "/", status=303, headers=SECURITY_HEADERS)
            resp.cookies[COOKIE] = self.session_value(token)
            cookie = resp.cookies[COOKIE]
            cookie["httponly"], cookie["samesite"], cookie["path"], cookie["max-age"] = (
                True,
                "Strict",
                COOKIE_PATH,
                COOKIE_MAX_AGE,
            )
            return resp

        @bp.route("/logout", methods=["POST"])
        async def logout(request: Request) -> HTTPResponse:
            resp = response.redirect(COOKIE_PATH + "/", status=303, headers=SECURITY_HEADERS)
            resp.cookies[COOKIE] = ""
            resp.cookies[COOKIE]["path"], resp.cookies[COOKIE]["max-age"] = COOKIE_PATH, 0
            return resp

        @bp.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            path = STATIC.get(name)
            if path is None or not path.is_file():
                return response.text(
                    "文件不存在（ECharts 由 scripts/run.sh 在 web/ 中用 npm 安装）。",
                    status=404,
                    headers=SECURITY_HEADERS,
                )
            return await response.file(
                path,
                mime_type="application/javascript; charset=utf-8",
                headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
            )

        @bp.route("/csv/<name>", methods=["GET"])
        @guarded()
        async def csv_file(request: Request, name: str) -> HTTPResponse:
            table = name[:-4] if name.endswith(".csv") else name
            tables = curator_report.tables(await self.report(request))
            if table not in tables:
                return _json({"error": "没有这个表。", "status": 404}, 404)
            _, header, rows = tables[table]
            return response.text(
                curator_report.csv_text(header, rows),
                content_type="text/csv; charset=utf-8",
                headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{table}.csv"'},
            )

        @bp.route("/api/report", methods=["GET"])
        @guarded()
        async def report_json(request: Request) -> HTTPResponse:
            return _json(await self.report(request))

        async def fix(request: Request, act: str) -> HTTPResponse:
            try:
                body = json.loads(request.body or b"")
            except ValueError:
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("wording"), str):
                return _json({"error": "需要 JSON：{wording, measure_id}。", "status": 400}, 400)
            loop = asyncio.get_running_loop()
            try:
                if act == "attach":
                    mid = str(body.get("measure_id") or "").strip()
                    path, added = await loop.run_in_executor(
                        None, curation.attach, self.kb_path(), body["wording"], mid
                    )
                    message = f"{'已挂到' if added else '已在'} {mid}，几秒内生效"
                else:
                    path, added = await loop.run_in_executor(
                        None, curation.mark_out_of_scope, self.kb_path(), body["wording"]
                    )
                    message = "已标为超出范围，几秒内生效" if added else "已标为超出范围"
            except curation.CurationError as exc:
                return _json({"error": str(exc), "status": 400}, 400)
            logger.info("curator fix (%s): %r → %s", act, body["wording"][:80], path.name)
            return _json({"ok": True, "added": added, "file": path.name, "message": message})

        @bp.route("/api/attach", methods=["POST"])
        @guarded(csrf=True)
        async def attach(request: Request) -> HTTPResponse:
            return await fix(request, "attach")

        @bp.route("/api/out_of_scope", methods=["POST"])
        @guarded(csrf=True)
        async def out_of_scope(request: Request) -> HTTPResponse:
            return await fix(request, "out_of_scope")

        return bp
