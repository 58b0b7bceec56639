"""REST and socket.io channels that never leave the user in silence.

Rasa logs and swallows a failing custom action (action server down or broken) and then simply
sends nothing. These channels count what the bot sent for each message; if it sent nothing,
or did not finish within ``reply_timeout`` seconds, the user gets a polite apology with the
referral contacts from the knowledge base. Bad requests (broken JSON, missing sender, non-text
message) get a clean 400; very long messages are cut to ``MAX_MESSAGE_CHARS``.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from bot import rasa_patches
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

logger = logging.getLogger(__name__)

# Every deployment loads these channels, so Rasa's hot-path fix is installed with them.
rasa_patches.install()

MAX_MESSAGE_CHARS = 1000
DEFAULT_REPLY_TIMEOUT = 10.0
EMPTY_INPUT_REPLY = "您好，请用文字输入您想咨询的问题，例如：西城区房租减免怎么申请？"
WORDS = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
STATIC_APOLOGY = "抱歉，系统暂时繁忙，没能及时回答。请稍后再试，或换个说法提问。"


def apology_text() -> str:
    """The apology when the bot gave no answer in time (no phones: we do not know what was asked)."""
    return STATIC_APOLOGY


class CountingOutputChannel(OutputChannel):
    """Forwards every bot message to the real channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    @classmethod
    def name(cls) -> Text:
        return "counting"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)


def _counted(method: str) -> Callable[..., Awaitable[Any]]:
    async def send(self: CountingOutputChannel, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        return await getattr(self.inner, method)(*args, **kwargs)
    return send


# Direct calls such as send_text_message (not only send_response) are forwarded and counted too.
for _method in ("send_text_message", "send_image_url", "send_attachment", "send_text_with_buttons",
                "send_quick_replies", "send_elements", "send_custom_json"):
    setattr(CountingOutputChannel, _method, _counted(_method))


def guard(on_new_message: Callable[[UserMessage], Awaitable[Any]],
          reply_timeout: float = DEFAULT_REPLY_TIMEOUT) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap Rasa's message handler so that every user message gets at least one reply."""

    async def guarded(message: UserMessage) -> Any:
        inner = message.output_channel
        counter = CountingOutputChannel(inner)
        message.output_channel = counter
        if message.text and len(message.text) > MAX_MESSAGE_CHARS:
            message.text = message.text[:MAX_MESSAGE_CHARS]
        if not WORDS.search(message.text or ""):
            # Empty, only emoji or punctuation: nothing to understand, ask for a question.
            await inner.send_response(message.sender_id, {"text": EMPTY_INPUT_REPLY})
            return None
        result = None
        try:
            result = await asyncio.wait_for(on_new_message(message), timeout=reply_timeout)
        except asyncio.TimeoutError:
            logger.error("bot did not answer %r within %.1fs", message.sender_id, reply_timeout)
        except Exception:
            logger.exception("handling the message of %r failed", message.sender_id)
        if counter.sent == 0:
            await inner.send_response(message.sender_id, {"text": apology_text()})
        return result

    return guarded


def _json_object(request: Request) -> Dict[str, Any]:
    try:
        body = request.json
    except Exception:
        raise InvalidUsage("请求体不是有效的JSON。")
    if not isinstance(body, dict):
        raise InvalidUsage("请求体应为JSON对象，例如 {\"sender\": \"u1\", \"message\": \"你好\"}。")
    return body


class GuardedRestInput(RestInput):
    """Rasa's REST channel (same URL: /webhooks/rest/webhook) with input checks and the guard."""

    def __init__(self, reply_timeout: float = DEFAULT_REPLY_TIMEOUT) -> None:
        self.reply_timeout = float(reply_timeout)

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        return cls(**{k: v for k, v in (credentials or {}).items() if k == "reply_timeout"})

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _json_object(req).get("sender")
        if not isinstance(sender, (str, int)) or str(sender).strip() == "" or len(str(sender)) > 128:
            raise InvalidUsage("缺少有效的 sender（会话标识）。")
        return str(sender)

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _json_object(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("缺少有效的 message（文字消息）。")
        return message[:MAX_MESSAGE_CHARS]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        return super().blueprint(guard(on_new_message, self.reply_timeout))


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (used by the web widget) with the guard."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(guard(on_new_message))
        sio = self.sio

        # Rasa 3.6 calls ``sio.enter_room`` without ``await``; since python-socketio 5.x made it a
        # coroutine, the client never joins its session room and, with session_persistence, never
        # receives a bot message (RasaHQ/rasa#13027). This handler replaces Rasa's.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or not session_id.strip() or len(session_id) > 128:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("socket.io client %s joined session %s", sid, session_id)

        return socketio_webhook
