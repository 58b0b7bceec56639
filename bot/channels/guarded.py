"""REST and socket.io channels that never leave the user in silence, and ``guard``, the one gate
every channel's messages pass through.

Rasa logs and swallows a failing custom action (action server down or broken) and then simply
sends nothing. These channels count what the bot sent for each message; if it sent nothing,
or did not finish within ``reply_timeout`` seconds, the user gets a polite apology.
Bad requests (broken JSON, missing or invalid sender, non-text message, oversized body) get a
clean 400/413.

``guard`` also keeps conversations apart and inputs bounded, for every channel:

* the sender id must be short printable text (``valid_sender_id``; a lone surrogate once made
  the SQLite tracker store fail and Rasa exit); the conversation id is ``<channel>:<sender>``,
  so no channel can reach another channel's user;
* messages are cut to ``MAX_MESSAGE_CHARS`` and the user is told so;
* typed commands for Rasa's built-in intents (``/restart``, ``/session_start`` …) get a short
  polite reply and are not run.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from rasa.shared.core.constants import DEFAULT_INTENTS
from sanic import Blueprint
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

from bot import rasa_patches

logger = logging.getLogger(__name__)

# Every deployment loads these channels, so Rasa's hot-path fix is installed with them.
rasa_patches.install()

MAX_MESSAGE_CHARS = 1000
MAX_SENDER_CHARS = 128
MAX_BODY_BYTES = 64 * 1024
# The only metadata a client may send that the bot reads (actions/rasa_actions.py), and its bound.
METADATA_KEYS = ("district",)
MAX_METADATA_VALUE_CHARS = 32
COMMAND_REPLY = "您好，无需输入指令，直接提问即可，例如：西城区房租减免怎么申请？"
CUT_NOTE = f"（您的消息超过{MAX_MESSAGE_CHARS}字，以上只根据前{MAX_MESSAGE_CHARS}字回答。）"
BUILTIN_COMMAND = re.compile(r"\s*/+\s*(%s)\b" % "|".join(map(re.escape, DEFAULT_INTENTS)))
DEFAULT_REPLY_TIMEOUT = 10.0
EMPTY_INPUT_REPLY = "您好，请用文字输入您想咨询的问题，例如：西城区房租减免怎么申请？"
WORDS = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
STATIC_APOLOGY = "抱歉，系统暂时繁忙，没能及时回答。请稍后再试，或换个说法提问。"
LATE_REPLY = "抱歉，这次回答用时较长。您的问题已记录，系统仍在处理，请稍后再发一次“继续”查看答案。"
PUSH_LATE_REPLY = "您的问题还在处理中，请稍候，答案处理完会自动显示。"


def valid_sender_id(sender: Any) -> bool:
    """A sender id a channel may pass on: 1–128 printable characters (no control characters, no
    lone surrogates, not only spaces)."""
    return (
        isinstance(sender, str)
        and 0 < len(sender) <= MAX_SENDER_CHARS
        and sender.strip() != ""
        and sender.isprintable()
    )


def conversation_id(channel: Text, sender: Text) -> Text:
    """The tracker's conversation id: the same sender on two channels is two conversations."""
    return f"{channel}:{sender}"


def client_metadata(raw: Any) -> Dict[Text, Any]:
    """Only the metadata the bot uses, as short strings; everything else a client sends is dropped."""
    if not isinstance(raw, dict):
        return {}
    return {k: raw[k] for k in METADATA_KEYS if isinstance(raw.get(k), str) and len(raw[k]) <= MAX_METADATA_VALUE_CHARS}


def builtin_command(text: Text) -> bool:
    """A typed command for one of Rasa's built-in intents (``/restart``, ``/session_start``): it is
    answered by the channel, never run, so a user cannot restart or corrupt the conversation.
    Button payloads of our own intents (``/ask_contact{...}``) pass."""
    return BUILTIN_COMMAND.match(text) is not None


def apology_text() -> str:
    """The apology when the bot gave no answer in time (no phones: we do not know what was asked)."""
    return STATIC_APOLOGY


class CountingOutputChannel(OutputChannel):
    """Forwards every bot message to the real channel, addressed to the channel's own sender id
    (not the prefixed conversation id), and counts them."""

    def __init__(self, inner: OutputChannel, recipient_id: Text) -> None:
        self.inner = inner
        self.recipient_id = recipient_id
        self.sent = 0

    @classmethod
    def name(cls) -> Text:
        return "counting"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(self.recipient_id, message)

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)


def _counted(method: str) -> Callable[..., Awaitable[Any]]:
    async def send(self: CountingOutputChannel, recipient_id: Text, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        return await getattr(self.inner, method)(self.recipient_id, *args, **kwargs)

    return send


# Direct calls such as send_text_message (not only send_response) are forwarded and counted too.
for _method in (
    "send_text_message",
    "send_image_url",
    "send_attachment",
    "send_text_with_buttons",
    "send_quick_replies",
    "send_elements",
    "send_custom_json",
):
    setattr(CountingOutputChannel, _method, _counted(_method))


# Turns still being processed after their channel's deadline: referenced here until they finish,
# so that a late turn is completed and stored, never dropped.
_unfinished: Set["asyncio.Future[Any]"] = set()


def finish_in_background(awaitable: Awaitable[Any]) -> "asyncio.Future[Any]":
    task = asyncio.ensure_future(awaitable)
    _unfinished.add(task)
    task.add_done_callback(_unfinished.discard)
    return task


def guard(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    channel: Text,
    reply_timeout: Optional[float] = DEFAULT_REPLY_TIMEOUT,
    late_reply: Text = LATE_REPLY,
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap Rasa's message handler for ``channel``: valid sender ids only, one conversation per
    channel and sender, bounded text, and at least one reply to every user message.

    A turn that misses ``reply_timeout`` is not cancelled: it finishes in the background and is
    stored (its answer still reaches channels that can push, like socket.io); the user is told
    at the deadline. ``reply_timeout=None``: the channel keeps its own deadline (WeChat)."""

    async def guarded(message: UserMessage) -> Any:
        sender = message.sender_id
        if not valid_sender_id(sender):
            logger.warning("dropped a %s message: invalid sender id %r", channel, str(sender)[:40])
            return None
        inner = message.output_channel
        counter = CountingOutputChannel(inner, sender)
        message.output_channel = counter
        message.sender_id = conversation_id(channel, sender)
        message.input_channel = channel
        # lone surrogates (invalid Unicode a JSON client can send) become U+FFFD: no encoder downstream fails on them
        text = LONE_SURROGATE.sub("\ufffd", message.text) if isinstance(message.text, str) else ""
        cut = len(text) > MAX_MESSAGE_CHARS
        message.text = text[:MAX_MESSAGE_CHARS]
        if builtin_command(message.text):
            await inner.send_response(sender, {"text": COMMAND_REPLY})
            return None
        if not WORDS.search(message.text):
            # Empty, only emoji or punctuation: nothing to understand, ask for a question.
            await inner.send_response(sender, {"text": EMPTY_INPUT_REPLY})
            return None
        result = None
        turn = finish_in_background(on_new_message(message))
        late = False
        try:
            result = await asyncio.wait_for(asyncio.shield(turn), timeout=reply_timeout)
        except asyncio.TimeoutError:
            late = True
            logger.warning(
                "the turn of %r is still running after %.1fs: it will finish and be stored",
                message.sender_id,
                reply_timeout,
            )
        except Exception:
            logger.exception("handling the message of %r failed", message.sender_id)
        if counter.sent == 0:
            await inner.send_response(sender, {"text": late_reply if late else apology_text()})
        if cut:
            await inner.send_response(sender, {"text": CUT_NOTE})
        return result

    return guarded


def _json_object(request: Request) -> Dict[str, Any]:
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"请求体太大（上限 {MAX_BODY_BYTES // 1024} KB）。")
    try:
        body = request.json
    except Exception:
        raise InvalidUsage("请求体不是有效的JSON。") from None
    if not isinstance(body, dict):
        raise InvalidUsage('请求体应为JSON对象，例如 {"sender": "u1", "message": "你好"}。')
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
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not valid_sender_id(sender):
            raise InvalidUsage(f"缺少有效的 sender（会话标识，1–{MAX_SENDER_CHARS}个可打印字符）。")
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _json_object(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("缺少有效的 message（文字消息）。")
        return message  # the guard cuts it and tells the user

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # a client cannot claim to be another channel

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return client_metadata(_json_object(request).get("metadata"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        return super().blueprint(guard(on_new_message, self.name(), self.reply_timeout))


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel (used by the web widget) with input checks and the guard."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = guard(on_new_message, self.name(), late_reply=PUSH_LATE_REPLY)  # a late answer is still pushed
        socketio_webhook = super().blueprint(handler)
        sio = self.sio

        # Rasa 3.6 calls ``sio.enter_room`` without ``await``; since python-socketio 5.x made it a
        # coroutine, the client never joins its session room and, with session_persistence, never
        # receives a bot message (RasaHQ/rasa#13027). This handler replaces Rasa's.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not valid_sender_id(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("socket.io client %s joined session %s", sid, session_id)

        # Replaces Rasa's handler: a message that is not a dict, has no text or an invalid session id
        # is ignored (logged) instead of raising; only the metadata the bot uses is kept.
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            sender = data.get("session_id") if self.session_persistence else sid
            text = data.get("message")
            if not valid_sender_id(sender) or not isinstance(text, str):
                logger.warning("socket.io: ignored a message without valid session_id and text")
                return
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = None
            await handler(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender,
                    input_channel=self.name(),
                    metadata=client_metadata(metadata),
                )
            )

        return socketio_webhook
