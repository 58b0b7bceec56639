"""WeChat Official Account (公众号) input channel for Rasa 3.6.

Register it in ``credentials.yml``::

    bot.channels.wechat.WeChatInput:
      token: ${WECHAT_TOKEN}
      app_id: ${WECHAT_APP_ID}
      app_secret: ${WECHAT_APP_SECRET}
      encoding_aes_key: ${WECHAT_ENCODING_AES_KEY}   # optional -> plaintext mode
      passive_timeout: 4.0
      max_body_bytes: 65536

The webhook is served at ``/webhooks/wechat/`` (GET = URL verification,
POST = messages) plus ``GET /webhooks/wechat/health``. See ``WECHAT.md``.

WeChat waits 5 s for an answer and retries the same message three times.
Each message is therefore processed as an asyncio task: if the bot answers
within ``passive_timeout`` seconds the answer goes back as a passive XML reply,
otherwise WeChat gets ``success`` and the answer is delivered later through the
customer-service (客服) API. Retries of a message reuse the first task, so
they never start a second bot turn.
"""

import asyncio
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text, Tuple

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    UserMessage,
)
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import BaseEvent
from wechatpy.exceptions import (
    InvalidAppIdException,
    InvalidSignatureException,
    WeChatException,
)
from wechatpy.messages import TextMessage
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

from bot import channel_state
from bot.channels.guarded import guard, valid_sender_id
from bot.channels.wechat_format import (
    WECHAT_TEXT_LIMIT_BYTES,
    parse_option_choice,
    render_bot_messages,
    split_utf8,
    truncate_utf8,
)

logger = logging.getLogger(__name__)

CHANNEL_NAME = "wechat"

NON_TEXT_REPLY = "您好，目前我只能看懂文字消息，请直接输入您想咨询的问题，例如：西城区房租减免怎么申请？"
BOT_ERROR_REPLY = "抱歉，系统暂时繁忙，请稍后再试。"
GREET_PAYLOAD = "/greet"

# Events that need no answer at all (WeChat gets "success"): the user left,
# or the event is a notification rather than something the user said.
SILENT_EVENTS = frozenset(
    {
        "unsubscribe",
        "location",  # periodic automatic location report
        "view",  # menu link opened; a reply would not be shown
        "view_miniprogram",
        "templatesendjobfinish",
        "masssendjobfinish",
        "kf_create_session",
        "kf_close_session",
        "kf_switch_session",
    }
)
GREET_EVENTS = frozenset({"subscribe", "subscribe_scan"})

DEFAULT_PASSIVE_TIMEOUT = 4.0
DEFAULT_MAX_BODY_BYTES = 65536
# A request is accepted only if its signed timestamp is within this many seconds of our clock
# (both ways). An exact replay of a request is thus only possible within 2 × the window, and that
# is how long request nonces and message ids are remembered.
REPLAY_WINDOW_SECONDS = 300.0
DEDUP_TTL_SECONDS = 2 * REPLAY_WINDOW_SECONDS
OPTIONS_TTL_SECONDS = 30 * 60.0
CLIENT_HTTP_TIMEOUT = 10  # seconds, for calls to the WeChat API

ClientFactory = Callable[[Text, Text], Any]

_SECRET_IN_URL = re.compile(r"((?:secret|access_token)=)[^&\s'\"]+", re.IGNORECASE)


def default_client_factory(app_id: Text, app_secret: Text) -> Any:
    """Creates the wechatpy client used for the customer-service API."""
    from wechatpy.client import WeChatClient

    return WeChatClient(app_id, app_secret, timeout=CLIENT_HTTP_TIMEOUT)


class TTLCache:
    """A small in-memory mapping whose entries expire and whose size is bounded."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = 10000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._data: "OrderedDict[Any, Tuple[float, Any]]" = OrderedDict()

    def _purge(self) -> None:
        now = self._clock()
        while self._data:
            key, (expires, _) = next(iter(self._data.items()))
            if expires > now and len(self._data) <= self.max_entries:
                break
            del self._data[key]

    def get(self, key: Any, default: Any = None) -> Any:
        self._purge()
        item = self._data.get(key)
        return default if item is None else item[1]

    def set(self, key: Any, value: Any) -> None:
        self._data.pop(key, None)
        self._data[key] = (self._clock() + self.ttl, value)
        self._purge()

    def pop(self, key: Any, default: Any = None) -> Any:
        item = self._data.pop(key, None)
        return default if item is None else item[1]

    def __len__(self) -> int:
        self._purge()
        return len(self._data)


class ReplayStore:
    """Remembers, for ``ttl`` seconds, which signed requests and messages were seen.

    The interface a shared store implements when Rasa runs as several processes (Redis:
    ``SET key value NX EX ttl``, then ``GET key`` when it was not set).
    """

    async def remember(self, key: Text, value: Text) -> Optional[Text]:
        """Store ``value`` under ``key`` unless the key is known; return the value already
        stored (None when the key is new)."""
        raise NotImplementedError


class InMemoryReplayStore(ReplayStore):
    """The default: one process's memory, bounded in size."""

    def __init__(
        self,
        ttl: float = DEDUP_TTL_SECONDS,
        max_entries: int = 100000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seen = TTLCache(ttl, max_entries, clock)

    async def remember(self, key: Text, value: Text) -> Optional[Text]:
        known = self._seen.get(key)
        if known is None:
            self._seen.set(key, value)
        return known


@dataclass
class _Turn:
    """One incoming WeChat message (and all its retries)."""

    task: "asyncio.Future[Optional[Text]]"
    openid: Text
    # "passive" once an XML reply with the answer was returned,
    # "cs" once delivery through the customer-service API was scheduled
    delivery: Optional[Text] = None
    passive_text: Optional[Text] = None
    rest_scheduled: bool = False


@dataclass
class _Verified:
    """A POST whose signature checked out, with its decrypted XML."""

    xml: Text
    encrypted: bool
    timestamp: Text
    nonce: Text
    extra: Dict[Text, Any] = field(default_factory=dict)


class _HTTPError(Exception):
    def __init__(self, status: int, message: Text) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _as_optional_str(value: Any) -> Optional[Text]:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


class WeChatInput(InputChannel):
    """Receives messages from a WeChat Official Account server configuration."""

    # Replace (on the class or an instance) to inject a fake client in tests.
    client_factory: ClientFactory = staticmethod(default_client_factory)
    # seconds between the passive reply and the follow-up parts of a long answer
    followup_delay: float = 0.5
    # the clock signed timestamps are compared with (replace in tests)
    wall_clock: Callable[[], float] = staticmethod(time.time)

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            token=credentials.get("token"),
            app_id=credentials.get("app_id"),
            app_secret=credentials.get("app_secret"),
            encoding_aes_key=credentials.get("encoding_aes_key"),
            passive_timeout=credentials.get("passive_timeout"),
            max_body_bytes=credentials.get("max_body_bytes"),
        )

    def __init__(
        self,
        token: Optional[Text],
        app_id: Optional[Text] = None,
        app_secret: Optional[Text] = None,
        encoding_aes_key: Optional[Text] = None,
        passive_timeout: Optional[Any] = None,
        max_body_bytes: Optional[Any] = None,
        client_factory: Optional[ClientFactory] = None,
        replay_store: Optional[ReplayStore] = None,
    ) -> None:
        self.token = _as_optional_str(token)
        if not self.token:
            raise RasaException(
                "WeChat channel: 'token' is missing in the credentials "
                "(the Token set in the Official Account's server configuration)."
            )
        self.app_id = _as_optional_str(app_id)
        self.app_secret = _as_optional_str(app_secret)
        self.encoding_aes_key = _as_optional_str(encoding_aes_key)

        try:
            self.passive_timeout = float(DEFAULT_PASSIVE_TIMEOUT if passive_timeout in (None, "") else passive_timeout)
            self.max_body_bytes = int(DEFAULT_MAX_BODY_BYTES if max_body_bytes in (None, "") else max_body_bytes)
        except (TypeError, ValueError) as exc:
            raise RasaException(
                "WeChat channel: 'passive_timeout' must be a number of seconds and 'max_body_bytes' an integer."
            ) from exc
        if self.passive_timeout <= 0:
            raise RasaException("WeChat channel: 'passive_timeout' must be > 0.")
        if self.passive_timeout >= 5:
            logger.warning(
                "WeChat channel: passive_timeout=%s s; WeChat gives up after 5 s, "
                "so values of 5 or more make it retry and answer too late.",
                self.passive_timeout,
            )
        if self.max_body_bytes <= 0:
            raise RasaException("WeChat channel: 'max_body_bytes' must be > 0.")

        self.crypto: Optional[WeChatCrypto] = None
        if self.encoding_aes_key:
            if not self.app_id:
                raise RasaException("WeChat channel: 'app_id' is required when 'encoding_aes_key' is set (安全模式).")
            try:
                self.crypto = WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)
            except Exception:
                raise RasaException(
                    "WeChat channel: 'encoding_aes_key' is invalid (expected the 43-character EncodingAESKey)."
                ) from None

        if client_factory is not None:
            self.client_factory = client_factory
        self._client: Any = None
        self._client_lock = threading.Lock()

        # Several replicas (CHANNEL_STATE_REDIS_URL): de-duplication, retry answers and numbered
        # options are shared in Redis (bot/channel_state.py); else this process's memory.
        shared = channel_state.shared_state()
        self.shared_state = shared
        self.shared_options = channel_state.SharedOptions(shared, OPTIONS_TTL_SECONDS) if shared is not None else None
        self.replay_store = replay_store or (
            channel_state.SharedReplayStore(shared, DEDUP_TTL_SECONDS) if shared is not None else InMemoryReplayStore()
        )
        self._turns = TTLCache(DEDUP_TTL_SECONDS)
        self._options = TTLCache(OPTIONS_TTL_SECONDS)
        self._background: Set["asyncio.Future[Any]"] = set()

    # ------------------------------------------------------------------ #
    # customer-service (客服) API
    # ------------------------------------------------------------------ #
    @property
    def has_client(self) -> bool:
        """Whether answers can be pushed through the customer-service API."""
        return bool(self.app_id and self.app_secret)

    def _get_client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self.client_factory(self.app_id, self.app_secret)
            return self._client

    def _send_parts_sync(self, openid: Text, parts: List[Text]) -> None:
        client = self._get_client()
        for part in parts:
            client.message.send_text(openid, part)

    async def send_via_customer_service(self, openid: Text, parts: List[Text]) -> bool:
        """Sends ``parts`` in order; logs and swallows errors. Returns success."""
        if not parts:
            return True
        if not self.has_client:
            logger.error(
                "WeChat channel: cannot deliver a late/long answer to a user "
                "because app_id/app_secret are not configured."
            )
            return False
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self._send_parts_sync, openid, parts)
            return True
        except Exception as e:  # network, API errcode, 48h window, ...
            logger.error(
                "WeChat channel: customer-service delivery failed: %s",
                self._describe_error(e),
            )
            return False

    def _describe_error(self, error: Exception) -> Text:
        """Error text safe for logs (request URLs may carry the app secret)."""
        if isinstance(error, WeChatException):
            return f"{type(error).__name__} errcode={error.errcode} errmsg={error.errmsg}"
        text = f"{type(error).__name__}: {error}"
        text = _SECRET_IN_URL.sub(r"\1***", text)
        if self.app_secret:
            text = text.replace(self.app_secret, "***")
        return text[:500]

    async def _send_followups(self, openid: Text, parts: List[Text]) -> None:
        # give the passive reply (part 1) a head start so the parts arrive in order
        await asyncio.sleep(self.followup_delay)
        await self.send_via_customer_service(openid, parts)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ #
    # options remembered per user (numbered buttons)
    # ------------------------------------------------------------------ #
    def remember_options(self, openid: Text, payloads: List[Text]) -> None:
        if payloads:
            self._options.set(openid, list(payloads))
        else:
            self._options.pop(openid)

    def resolve_choice(self, openid: Text, text: Text) -> Optional[Text]:
        """Payload of the button the user picked by number, if any."""
        number = parse_option_choice(text)
        if number is None:
            return None
        payloads = self._options.get(openid)
        if not payloads or number > len(payloads):
            return None
        return payloads[number - 1]

    async def _remember_options(self, openid: Text, payloads: List[Text]) -> None:
        if self.shared_options is None:
            self.remember_options(openid, payloads)
        else:
            await self.shared_options.remember(openid, payloads)

    async def _resolve_choice(self, openid: Text, text: Text) -> Optional[Text]:
        if self.shared_options is None:
            return self.resolve_choice(openid, text)
        number = parse_option_choice(text)
        if number is None:
            return None
        payloads = await self.shared_options.get(openid)
        if not payloads or number > len(payloads):
            return None
        return payloads[number - 1]

    async def _share_answer(self, key: Text, text: Text) -> None:
        """What a retry of ``key`` on another replica answers ("" = success only)."""
        if self.shared_state is not None:
            await self.shared_state.set(f"wechat-answer:{key}", text, DEDUP_TTL_SECONDS)

    async def _shared_answer(self, key: Text) -> Optional[Text]:
        """The answer another replica gave (or is about to give) to ``key``, within passive_timeout."""
        if self.shared_state is None:
            return None
        deadline = time.monotonic() + self.passive_timeout
        while True:
            answer = await self.shared_state.get(f"wechat-answer:{key}")
            if answer is not None or time.monotonic() >= deadline:
                return answer
            await asyncio.sleep(0.1)

    # ------------------------------------------------------------------ #
    # request verification
    # ------------------------------------------------------------------ #
    def _check_url_signature(self, request: Request) -> Tuple[Text, Text]:
        signature = request.args.get("signature")
        timestamp = request.args.get("timestamp")
        nonce = request.args.get("nonce")
        if not (signature and timestamp and nonce):
            raise _HTTPError(403, "missing signature")
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise _HTTPError(403, "invalid signature") from None
        try:
            skew = abs(self.wall_clock() - int(timestamp))
        except ValueError:
            raise _HTTPError(403, "invalid timestamp") from None
        if skew > REPLAY_WINDOW_SECONDS:
            raise _HTTPError(403, "stale timestamp")
        return timestamp, nonce

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_body_bytes:
                    raise _HTTPError(413, "request body too large")
            except ValueError:
                raise _HTTPError(400, "invalid Content-Length") from None
        chunks: List[bytes] = []
        size = 0
        if request.stream is not None:
            async for chunk in request.stream:
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise _HTTPError(413, "request body too large")
                chunks.append(chunk)
            return b"".join(chunks)
        body = request.body or b""
        if len(body) > self.max_body_bytes:
            raise _HTTPError(413, "request body too large")
        return body

    def _verify_post(self, request: Request, body: bytes) -> _Verified:
        timestamp, nonce = self._check_url_signature(request)
        encrypt_type = (request.args.get("encrypt_type") or "raw").lower()
        if encrypt_type != "aes" and self.crypto is not None:
            # 安全模式: only encrypted messages (a plaintext body is not covered by any signature).
            raise _HTTPError(403, "plaintext message but encoding_aes_key is configured")
        if encrypt_type != "aes":
            try:
                return _Verified(body.decode("utf-8"), False, timestamp, nonce)
            except UnicodeDecodeError:
                raise _HTTPError(400, "body is not UTF-8") from None

        msg_signature = request.args.get("msg_signature")
        if not msg_signature:
            raise _HTTPError(403, "missing msg_signature")
        if self.crypto is None:
            logger.error(
                "WeChat channel: received an encrypted (安全模式) message but 'encoding_aes_key' is not configured."
            )
            raise _HTTPError(400, "encrypted message but no encoding_aes_key configured")
        try:
            xml = self.crypto.decrypt_message(body, msg_signature, timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException):
            raise _HTTPError(403, "invalid msg_signature") from None
        except Exception:
            raise _HTTPError(400, "malformed encrypted message") from None
        return _Verified(xml, True, timestamp, nonce)

    @staticmethod
    def _parse(xml: Text) -> Any:
        try:
            message = parse_message(xml)
        except Exception:
            raise _HTTPError(400, "malformed XML") from None
        try:
            valid = bool(message and message.source and message.target)
            # numeric fields are converted lazily: fail here, not later
            message.id, message.time  # noqa: B018
        except Exception:
            valid = False
        if not valid:
            raise _HTTPError(400, "not a WeChat message")
        if not valid_sender_id(message.source):
            raise _HTTPError(400, "invalid FromUserName")
        if isinstance(message, TextMessage) and not isinstance(message.content, (str, type(None))):
            raise _HTTPError(400, "Content is not text")  # markup smuggled into the XML
        return message

    # ------------------------------------------------------------------ #
    # replies
    # ------------------------------------------------------------------ #
    def _xml_reply(self, message: Any, text: Text, verified: _Verified) -> HTTPResponse:
        xml = create_reply(text, message=message, render=True)
        if verified.encrypted and self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, verified.nonce, verified.timestamp)
        return response.text(xml, content_type="application/xml; charset=utf-8")

    @staticmethod
    def _success() -> HTTPResponse:
        return response.text("success")

    def _passive_parts(self, answer: Text) -> Tuple[Text, List[Text]]:
        """First part for the passive reply and the parts left for the CS API."""
        if not self.has_client:
            return truncate_utf8(answer, WECHAT_TEXT_LIMIT_BYTES), []
        parts = split_utf8(answer, WECHAT_TEXT_LIMIT_BYTES)
        if not parts:
            return "", []
        return parts[0], parts[1:]

    # ------------------------------------------------------------------ #
    # talking to the bot
    # ------------------------------------------------------------------ #
    @staticmethod
    def _dedup_key(message: Any) -> Text:
        if not isinstance(message, BaseEvent) and message.id:
            return f"msg:{message.id}"
        event = getattr(message, "event", "") or ""
        return f"evt:{message.source}:{message.time}:{event}"

    def _metadata(self, message: Any, **extra: Any) -> Dict[Text, Any]:
        meta = {
            "msg_type": message.type,
            "create_time": message.time,
            "account": message.target,
        }
        if isinstance(message, BaseEvent):
            meta["event"] = message.event
        elif message.id:
            meta["msg_id"] = str(message.id)
        meta.update({k: v for k, v in extra.items() if v is not None})
        return {"wechat": meta}

    async def _run_turn(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        openid: Text,
        metadata: Dict[Text, Any],
    ) -> Text:
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    openid,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("WeChat channel: the bot failed to handle a message.")
            return BOT_ERROR_REPLY
        rendered = render_bot_messages(collector.messages)
        await self._remember_options(openid, [o.payload for o in rendered.options])
        return rendered.text

    async def _bot_input(self, message: Any) -> Optional[Tuple[Text, Dict[Text, Any]]]:
        """Text to send to the bot (and metadata), or None for no bot turn."""
        openid = message.source
        if isinstance(message, TextMessage):
            text = (message.content or "").strip()
            if not text:
                return None
            payload = await self._resolve_choice(openid, text)
            if payload is not None:
                return payload, self._metadata(message, original_text=text)
            return text, self._metadata(message)
        if isinstance(message, BaseEvent) and message.event in GREET_EVENTS:
            return GREET_PAYLOAD, self._metadata(message)
        return None

    async def _deliver_late(self, turn: _Turn) -> None:
        try:
            answer = await asyncio.shield(turn.task)
        except asyncio.CancelledError:
            if turn.task.cancelled():
                return  # the turn itself was cancelled (e.g. server shutdown)
            raise
        except Exception:
            return  # _run_turn reports bot errors itself
        if answer:
            await self.send_via_customer_service(turn.openid, split_utf8(answer, WECHAT_TEXT_LIMIT_BYTES))

    def _schedule_late_delivery(self, turn: _Turn) -> None:
        if turn.delivery is None:
            turn.delivery = "cs"
            self._spawn(self._deliver_late(turn))

    async def _answer_with_bot(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message: Any,
        bot_text: Text,
        metadata: Dict[Text, Any],
        verified: _Verified,
    ) -> HTTPResponse:
        key = self._dedup_key(message)
        turn: Optional[_Turn] = self._turns.get(key)
        if turn is None and await self.replay_store.remember(f"turn:{key}", "1") is not None:
            logger.info("WeChat channel: %s was already handled, no second turn.", key)
            answer = await self._shared_answer(key)  # handled by another replica: its answer
            return self._xml_reply(message, answer, verified) if answer else self._success()
        if turn is None:
            task = asyncio.ensure_future(self._run_turn(on_new_message, bot_text, message.source, metadata))
            turn = _Turn(task=task, openid=message.source)
            self._turns.set(key, turn)
        else:
            logger.debug("WeChat channel: retry of %s, reusing the first turn.", key)

        try:
            await asyncio.wait_for(asyncio.shield(turn.task), self.passive_timeout)
        except asyncio.TimeoutError:
            pass
        except asyncio.CancelledError:
            # WeChat hung up on us: make sure the answer still gets delivered.
            self._schedule_late_delivery(turn)
            raise
        except Exception:
            pass  # _run_turn handles bot errors itself; nothing to answer

        if turn.task.done() and turn.delivery != "cs":
            if turn.task.cancelled() or turn.task.exception() is not None:
                return self._success()
            turn.delivery = "passive"
            if turn.passive_text is None:
                first, rest = self._passive_parts(turn.task.result() or "")
                turn.passive_text = first
                await self._share_answer(key, first)
                if rest and not turn.rest_scheduled:
                    turn.rest_scheduled = True
                    self._spawn(self._send_followups(turn.openid, rest))
            if not turn.passive_text:
                return self._success()
            return self._xml_reply(message, turn.passive_text, verified)

        if turn.delivery is None:
            await self._share_answer(key, "")
            if self.has_client:
                self._schedule_late_delivery(turn)
            else:
                logger.error(
                    "WeChat channel: the bot took longer than %.1f s and no "
                    "app_id/app_secret is configured, so the answer is dropped.",
                    self.passive_timeout,
                )
        return self._success()

    async def _handle_post(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        body = await self._read_body(request)
        verified = self._verify_post(request, body)
        message = self._parse(verified.xml)
        # In 明文模式 the signature covers timestamp and nonce, not the body: a signed query string
        # may carry one message only (a WeChat retry resends the same message).
        key = self._dedup_key(message)
        first = await self.replay_store.remember(f"nonce:{verified.timestamp}:{verified.nonce}", key)
        if first is not None and first != key:
            raise _HTTPError(403, "nonce already used")

        if isinstance(message, BaseEvent) and message.event in SILENT_EVENTS:
            return self._success()
        bot_input = await self._bot_input(message)
        if bot_input is None:
            return self._xml_reply(message, NON_TEXT_REPLY, verified)
        bot_text, metadata = bot_input
        return await self._answer_with_bot(on_new_message, message, bot_text, metadata, verified)

    # ------------------------------------------------------------------ #
    # Sanic blueprint
    # ------------------------------------------------------------------ #
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Same guarantee as REST and the widget: a failing action server yields an apology with
        # the knowledge base's contacts, never an empty answer.
        # No deadline in the guard: this channel answers passively within 5 s or pushes the answer
        # later through the customer-service API (a slow turn is finished, never cut).
        on_new_message = guard(on_new_message, self.name(), reply_timeout=None)
        wechat_webhook = Blueprint("wechat_webhook")

        @wechat_webhook.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @wechat_webhook.route("/", methods=["GET"])
        async def verify_url(request: Request) -> HTTPResponse:
            try:
                self._check_url_signature(request)
            except _HTTPError as e:
                return response.text(e.message, status=e.status)
            echostr = request.args.get("echostr")
            if echostr is None:
                return response.text("missing echostr", status=400)
            return response.text(echostr)

        @wechat_webhook.route("/", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._handle_post(request, on_new_message)
            except _HTTPError as e:
                if e.status >= 400:
                    logger.warning(
                        "WeChat channel: rejected a POST with %s (%s).",
                        e.status,
                        e.message,
                    )
                return response.text(e.message, status=e.status)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("WeChat channel: unexpected error.")
                return response.text("internal error", status=500)

        return wechat_webhook
