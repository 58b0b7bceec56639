"""Hotline staff console: the bot's answer plus the top measures with full details, for staff on the phone.

Register it in ``credentials.yml``::

    bot.channels.console.HotlineConsole:
      token_env: CONSOLE_TOKEN     # name of the environment variable holding the access token

The token is read from the environment at every request. When the variable is unset or empty,
every API request is refused (401): the console is never open without a token.

Routes under ``/webhooks/console/``:

* ``GET  /``                    the console page (``web/console/``; holds no data, loads without token)
* ``GET  /static/console.js``   and ``/static/console.css``
* ``GET  /api/ping``             ``{ok: true}`` when the token is right (the page checks it at login)
* ``POST /api/ask``             ``{question, district?, session?}`` → ``{answer, hits}``
* ``POST /api/feedback``        ``{session, rating: right|wrong, note?, measure_id?}``: the operator's mark
* ``GET  /api/measure/<id>``    one measure, in full
* ``POST /api/calc``            ``{measure_id, facts}`` → ``{text}`` (amount estimate)
* ``POST /api/check``           ``{measure_id, facts}`` → ``{status, text, missing_facts}``

API calls need ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import math
import os
import re
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import answers, conversation, decision, eligibility
from actions.knowledge_base import KnowledgeBase, Measure
from actions.live_kb import default_kb, live_kb
from actions.retrieval import Hit, search
from bot import channel_state
from bot.channels.guarded import guard

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_STATIC_DIR = ROOT / "web" / "console"
STATIC_FILES = {
    "console.js": "application/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
DEFAULT_TOKEN_ENV = "CONSOLE_TOKEN"
MAX_QUESTION_CHARS = 1000
TOP_HITS = 3
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NUMBER = 1e12
# Token guesses: after this many wrong tokens from one client address within the window, every
# request from it gets 429 until the oldest failure leaves the window.
MAX_FAILED_TOKENS = 10
FAILED_TOKEN_WINDOW = 300.0

_dumps = functools.partial(json.dumps, ensure_ascii=False)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
API_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _json(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json(body, status=status, dumps=_dumps, headers={**API_HEADERS, **(headers or {})})


def _error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="hotline-console"', **(headers or {})}
    return _json({"error": message, "status": status}, status=status, headers=headers)


class FailureLimiter:
    """Counts failures per client within a sliding window (in memory, bounded number of clients)."""

    def __init__(
        self,
        limit: int = MAX_FAILED_TOKENS,
        window: float = FAILED_TOKEN_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10000,
    ) -> None:
        self.limit, self.window, self.clock, self.max_clients = limit, window, clock, max_clients
        self._failures: "OrderedDict[str, List[float]]" = OrderedDict()

    def _recent(self, client: str) -> List[float]:
        since = self.clock() - self.window
        recent = [t for t in self._failures.get(client, []) if t > since]
        if recent:
            self._failures[client] = recent
        else:
            self._failures.pop(client, None)
        return recent

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        recent = self._recent(client)
        if len(recent) < self.limit:
            return 0.0
        return max(recent[-self.limit] + self.window - self.clock(), 1.0)

    def failed(self, client: str) -> None:
        self._failures[client] = self._recent(client) + [self.clock()]
        self._failures.move_to_end(client)
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)


# ---- measure JSON -------------------------------------------------------------------------


def _fact_spec(kb: KnowledgeBase, name: str) -> Dict[str, Any]:
    spec = kb.taxonomy.facts.get(name, {})
    out = {
        "name": name,
        "label": spec.get("label", name),
        "type": spec.get("type", "text"),
        "question": spec.get("question", ""),
    }
    if spec.get("values"):
        out["values"] = list(spec["values"])
    return out


def measure_json(kb: KnowledgeBase, m: Measure) -> Dict[str, Any]:
    """Everything the KB knows about a measure, as the console shows it."""
    doc = m.document
    app = m.application or {}
    elig = m.eligibility or {}
    calc_inputs = decision.amount_inputs(m) if decision.calculable(m) else []
    return {
        "id": m.id,
        "title": m.title,
        "label": m.label,
        "district": m.district,
        "section": m.section,
        "topics": [{"id": t, "label": kb.taxonomy.topic_label(t)} for t in m.topics],
        "industries": list(m.industries),
        "citation": {
            "document_number": doc.doc_number,
            "document_title": doc.title,
            "issuer": doc.issuer,
            "label": m.label,
            "date": doc.issued,
            "valid_until": doc.valid_until,
            "validity": answers.validity_line(m),
            "text": m.citation,
        },
        "summary": m.summary,
        "text": m.text,
        "eligibility": {
            "text": elig.get("text", ""),
            "conditions": [
                {"fact": c["fact"], "op": c["op"], "value": c.get("value"), "text": c["text"]}
                for c in elig.get("conditions") or []
            ],
        },
        "benefits": [
            {k: v for k, v in b.items() if k != "when"} | {"when": [c["text"] for c in b.get("when") or []]}
            for b in m.benefits
        ],
        "application": {
            "steps": list(app.get("steps") or []),
            "urls": list(app.get("urls") or []),
            "deadline": app.get("deadline"),
            "deadline_text": app.get("deadline_text"),
        },
        "responsible_units": list(m.responsible_units),
        "contacts": [
            {
                "item": c.get("item"),
                "unit": c["unit"],
                "office": c.get("office", ""),
                "persons": list(c.get("persons") or []),
                "phones": list(c.get("phones") or []),
                "emails": list(c.get("emails") or []),
                "note": c.get("note", ""),
            }
            for c in m.contacts
        ],
        "notes": list(m.notes),
        "calculator": {"available": bool(decision.calculable(m)), "inputs": [_fact_spec(kb, f) for f in calc_inputs]},
        "check": {"facts": [_fact_spec(kb, f) for f in eligibility.facts_needed(m)]},
    }


def hit_json(kb: KnowledgeBase, hit: Hit) -> Dict[str, Any]:
    return {"score": hit.score, "coverage": hit.coverage, "confident": hit.confident, **measure_json(kb, hit.measure)}


# ---- request parsing ----------------------------------------------------------------------


def _body(request: Request) -> Dict[str, Any]:
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "请求体不是有效的JSON。") from None
    if not isinstance(body, dict):
        raise ApiError(400, "请求体应为JSON对象。")
    return body


def _measure(kb: KnowledgeBase, measure_id: Any) -> Measure:
    if not isinstance(measure_id, str) or not measure_id.strip():
        raise ApiError(400, "缺少措施编号 measure_id。")
    m = kb.get(measure_id.strip())
    if m is None:
        raise ApiError(404, f"没有编号为“{measure_id[:40]}”的措施。")
    return m


def _facts(kb: KnowledgeBase, raw: Any) -> Dict[str, Any]:
    """Known facts only, with plain values; numbers must be finite, not negative and not absurd."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ApiError(400, 'facts 应为JSON对象，例如 {"monthly_rent": 10000}。')
    facts: Dict[str, Any] = {}
    for name, value in raw.items():
        spec = kb.taxonomy.facts.get(name)
        if spec is None or value is None or value == "":
            continue
        if isinstance(value, bool) or isinstance(value, str):
            if isinstance(value, str) and len(value) > 100:
                raise ApiError(400, f"“{spec.get('label', name)}”的值太长。")
            facts[name] = value.strip() if isinstance(value, str) else value
        elif isinstance(value, (int, float)):
            if not math.isfinite(value) or value < 0 or value > MAX_NUMBER:
                raise ApiError(400, f"“{spec.get('label', name)}”应为不小于0的有效数字。")
            facts[name] = value
        elif isinstance(value, list) and all(isinstance(v, str) and len(v) <= 100 for v in value) and len(value) <= 20:
            facts[name] = value
        else:
            raise ApiError(400, f"“{spec.get('label', name)}”的值无效。")
    normalized = eligibility.normalize_facts(facts, kb.taxonomy)
    for name, value in normalized.items():
        if isinstance(value, float) and (not math.isfinite(value) or value < 0 or value > MAX_NUMBER):
            raise ApiError(400, f"“{kb.taxonomy.facts[name].get('label', name)}”应为不小于0的有效数字。")
    return facts


class HotlineConsole(InputChannel):
    """Staff console: token-protected JSON API over the bot and the KB, and its static page."""

    def __init__(
        self,
        token_env: Text = DEFAULT_TOKEN_ENV,
        static_dir: Optional[Text] = None,
        kb_loader: Callable[[], KnowledgeBase] = default_kb,
    ) -> None:
        self.token_env = token_env or DEFAULT_TOKEN_ENV
        self.static_dir = Path(static_dir) if static_dir else DEFAULT_STATIC_DIR
        self.kb_loader = kb_loader
        # Shared by all replicas when CHANNEL_STATE_REDIS_URL is set (bot/channel_state.py).
        shared = channel_state.shared_state()
        self.guesses = (
            channel_state.SharedFailureLimiter(shared, MAX_FAILED_TOKENS, FAILED_TOKEN_WINDOW)
            if shared is not None
            else FailureLimiter()
        )

    @classmethod
    def name(cls) -> Text:
        return "console"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "HotlineConsole":
        credentials = credentials or {}
        return cls(
            token_env=str(credentials.get("token_env") or DEFAULT_TOKEN_ENV), static_dir=credentials.get("static_dir")
        )

    # -- auth --------------------------------------------------------------------------------

    def auth_error(self, request: Request) -> Optional[HTTPResponse]:
        """None when the request carries the right token, else the 401 response."""
        expected = os.environ.get(self.token_env, "").strip()
        if not expected:
            logger.warning("hotline console refused a request: environment variable %s is not set", self.token_env)
            return _error(401, f"热线后台未启用：服务器未设置访问口令（环境变量 {self.token_env}）。请联系系统管理员。")
        client = request.ip or "unknown"
        wait = self.guesses.retry_after(client)
        if wait:
            return _error(
                429,
                f"口令错误次数过多，请{math.ceil(wait / 60)}分钟后再试。",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        header = request.headers.get("authorization", "")
        scheme, _, provided = header.partition(" ")
        if scheme.lower() != "bearer" or not provided.strip():
            return _error(401, "需要访问口令：请在页面上输入热线后台口令。")
        if not hmac.compare_digest(provided.strip().encode("utf-8"), expected.encode("utf-8")):
            self.guesses.failed(client)
            logger.warning("hotline console: wrong token from %s", client)
            return _error(401, "访问口令不正确，请重新输入。")
        return None

    def kb_problems(self) -> List[str]:
        """Why an edited knowledge-base file is not live yet (file, measure, field), for curators."""
        return [str(p) for p in live_kb().problems()]

    # -- API ---------------------------------------------------------------------------------

    async def ask(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        body = _body(request)
        question = body.get("question")
        if not isinstance(question, str) or not question.strip():
            raise ApiError(400, "请输入来电者的问题（question）。")
        question = question.strip()
        if len(question) > MAX_QUESTION_CHARS:
            raise ApiError(400, f"问题太长（{len(question)}字），请精简到{MAX_QUESTION_CHARS}字以内。")
        kb = self.kb_loader()
        district = body.get("district")
        if district in ("", "不限"):
            district = None
        if district is not None and district not in kb.districts:
            raise ApiError(400, "区县只能是：" + "、".join(kb.districts) + "，或不限。")
        session = body.get("session") or "default"
        if not isinstance(session, str) or not SESSION_RE.match(session):
            raise ApiError(400, "会话标识 session 只能包含字母、数字、下划线和连字符（最多64个字符）。")

        collector = CollectingOutputChannel()
        # The district selector decides the district of the answer (actions read it from the metadata).
        await on_new_message(
            UserMessage(
                question, collector, sender_id=session, input_channel=self.name(), metadata={"district": district}
            )
        )
        hits = [hit_json(kb, h) for h in search(kb, question, district)[:TOP_HITS]]
        return _json(
            {
                "answer": collector.messages,
                "hits": hits,
                "district": district,
                "session": session,
                "kb_problems": self.kb_problems(),
            }
        )

    async def feedback(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        """The operator marks the last answer right or wrong (note, the measure that should have
        answered): sent into the call's conversation as a ``feedback`` turn, stored as Rasa events."""
        body = _body(request)
        rating = body.get("rating")
        if rating not in ("right", "wrong"):
            raise ApiError(400, "rating 只能是 right（正确）或 wrong（错误）。")
        note = body.get("note") or ""
        if not isinstance(note, str) or len(note) > 200:
            raise ApiError(400, "备注最多200字。")
        measure_id = body.get("measure_id") or ""
        if measure_id:
            measure_id = _measure(self.kb_loader(), measure_id).id
        session = body.get("session") or "default"
        if not isinstance(session, str) or not SESSION_RE.match(session):
            raise ApiError(400, "会话标识 session 只能包含字母、数字、下划线和连字符（最多64个字符）。")
        from actions.feedback import payload

        text = payload(rating, note=" ".join(note.split()), correct_measure=measure_id)
        collector = CollectingOutputChannel()
        await on_new_message(UserMessage(text, collector, sender_id=session, input_channel=self.name()))
        return _json(
            {"ok": True, "text": " ".join(m.get("text") or "" for m in collector.messages).strip(), "session": session}
        )

    async def measure(self, request: Request, measure_id: str) -> HTTPResponse:
        kb = self.kb_loader()
        return _json(measure_json(kb, _measure(kb, measure_id)))

    async def calc(self, request: Request) -> HTTPResponse:
        body = _body(request)
        kb = self.kb_loader()
        m = _measure(kb, body.get("measure_id"))
        facts = _facts(kb, body.get("facts"))
        return _json({"measure_id": m.id, "text": conversation.measure_reply(kb, m, facts, "amount")})

    async def check(self, request: Request) -> HTTPResponse:
        body = _body(request)
        kb = self.kb_loader()
        m = _measure(kb, body.get("measure_id"))
        facts = _facts(kb, body.get("facts"))
        verdict = eligibility.check(m, facts, kb.taxonomy)
        missing = verdict.missing_facts
        return _json(
            {
                "measure_id": m.id,
                "status": verdict.status,
                "text": conversation.measure_reply(kb, m, facts, "eligibility"),
                "missing_facts": missing,
                "missing": [_fact_spec(kb, f) for f in missing],
            }
        )

    # -- static ------------------------------------------------------------------------------

    async def static_file(self, name: str, content_type: str, cache: str) -> HTTPResponse:
        path = self.static_dir / name
        if not path.is_file():
            logger.error("hotline console file missing: %s", path)
            return response.text(
                "热线后台页面文件缺失，请联系系统管理员。",
                status=500,
                content_type="text/plain; charset=utf-8",
                headers=SECURITY_HEADERS,
            )
        headers = {**SECURITY_HEADERS, "Cache-Control": cache}
        if name == "index.html":
            headers["Content-Security-Policy"] = PAGE_CSP
        return await response.file(path, mime_type=content_type, headers=headers)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("hotline_console", __name__)
        handler = guard(on_new_message, self.name())  # like the REST channel: never an empty answer

        def api(func: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
            @functools.wraps(func)
            async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                denied = self.auth_error(request)
                if denied is not None:
                    return denied
                try:
                    return await func(request, *args, **kwargs)
                except ApiError as err:
                    return _error(err.status, err.message)
                except Exception:
                    logger.exception("hotline console request %s failed", request.path)
                    return _error(500, "服务器内部错误，请稍后再试。")

            return wrapped

        @console.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await self.static_file("index.html", "text/html; charset=utf-8", "no-cache")

        @console.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return _error(404, "文件不存在。")
            return await self.static_file(name, STATIC_FILES[name], "no-cache")

        @console.route("/api/ping", methods=["GET"])
        @api
        async def ping(request: Request) -> HTTPResponse:
            return _json({"ok": True, "kb_problems": self.kb_problems()})

        @console.route("/api/ask", methods=["POST"])
        @api
        async def ask(request: Request) -> HTTPResponse:
            return await self.ask(request, handler)

        @console.route("/api/feedback", methods=["POST"])
        @api
        async def feedback(request: Request) -> HTTPResponse:
            return await self.feedback(request, handler)

        @console.route("/api/measure/<measure_id>", methods=["GET"])
        @api
        async def measure(request: Request, measure_id: str) -> HTTPResponse:
            return await self.measure(request, measure_id)

        @console.route("/api/calc", methods=["POST"])
        @api
        async def calc(request: Request) -> HTTPResponse:
            return await self.calc(request)

        @console.route("/api/check", methods=["POST"])
        @api
        async def check(request: Request) -> HTTPResponse:
            return await self.check(request)

        @console.route("/api/<rest:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        @api
        async def unknown_api(request: Request, rest: str) -> HTTPResponse:
            raise ApiError(404, "接口不存在。")

        return console
