"""Pure helpers that turn Rasa bot messages into WeChat text replies.

Nothing in this module does I/O, so it can be unit-tested in isolation:

* :func:`render_bot_messages` joins the collected bot messages into one text
  and turns buttons into a numbered "回复数字选择" list;
* :func:`parse_option_choice` recognises a user's numeric reply ("1", "１", "1.");
* :func:`split_utf8` / :func:`truncate_utf8` respect WeChat's 2048-byte
  (UTF-8) limit for text messages.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Text

# WeChat counts the limit of a text message in bytes of UTF-8, not characters.
WECHAT_TEXT_LIMIT_BYTES = 2048

OPTIONS_HEADER = "回复数字选择："
TRUNCATION_SUFFIX = "……（内容较长，已截断）"

# at most this many digits are accepted as an option number ("1" … "999")
_CHOICE_RE = re.compile(r"^(\d{1,3})\s*[.。、,，:：)\]]?$")


@dataclass(frozen=True)
class Option:
    """One numbered choice offered to the user (from a Rasa button)."""

    title: Text
    payload: Text


@dataclass
class RenderedAnswer:
    """Bot messages of one turn, rendered for WeChat."""

    text: Text = ""
    options: List[Option] = field(default_factory=list)


def utf8_len(text: Text) -> int:
    """Length of ``text`` in bytes when encoded as UTF-8."""
    return len(text.encode("utf-8"))


def _button_option(button: Dict[Text, Any]) -> Optional[Option]:
    title = str(button.get("title") or "").strip()
    payload = button.get("payload")
    if payload is None:
        payload = button.get("url")  # e.g. web_url buttons
    payload = str(payload).strip() if payload is not None else ""
    if not title and not payload:
        return None
    return Option(title=title or payload, payload=payload or title)


def _message_text(message: Dict[Text, Any]) -> List[Text]:
    """Text blocks carried by one collected bot message (without buttons)."""
    blocks = []
    text = message.get("text")
    if text:
        blocks.append(str(text).strip())
    custom = message.get("custom")
    if isinstance(custom, dict) and custom.get("text"):
        blocks.append(str(custom["text"]).strip())
    for key in ("image", "attachment"):
        value = message.get(key)
        if value and isinstance(value, str):
            blocks.append(value.strip())
    return [b for b in blocks if b]


def format_options(options: Iterable[Option]) -> Text:
    """``回复数字选择：\\n1. 标题\\n2. 标题`` (empty string when no options)."""
    options = list(options)
    if not options:
        return ""
    lines = [OPTIONS_HEADER]
    lines += [f"{i}. {option.title}" for i, option in enumerate(options, start=1)]
    return "\n".join(lines)


def render_bot_messages(messages: Iterable[Dict[Text, Any]]) -> RenderedAnswer:
    """Renders the messages a ``CollectingOutputChannel`` gathered in one turn.

    Texts of all messages are joined with blank lines; the buttons of all
    messages are numbered consecutively and appended as one option list.
    """
    blocks: List[Text] = []
    options: List[Option] = []
    for message in messages or []:
        if not isinstance(message, dict):
            continue
        blocks.extend(_message_text(message))
        for button in message.get("buttons") or []:
            if isinstance(button, dict):
                option = _button_option(button)
                if option is not None:
                    options.append(option)
    if options:
        blocks.append(format_options(options))
    return RenderedAnswer(text="\n\n".join(blocks), options=options)


def parse_option_choice(text: Optional[Text]) -> Optional[int]:
    """Number (1-based) the user picked, e.g. "1", "１", "1.", " 2 。"; else None."""
    if not text:
        return None
    normalized = unicodedata.normalize("NFKC", text).strip()
    match = _CHOICE_RE.match(normalized)
    if not match:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


def _hard_split(line: Text, limit: int) -> List[Text]:
    """Splits one line into pieces of at most ``limit`` bytes, between characters."""
    pieces: List[Text] = []
    current: List[Text] = []
    size = 0
    for char in line:
        char_size = utf8_len(char)
        if current and size + char_size > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += char_size
    if current:
        pieces.append("".join(current))
    return pieces


def split_utf8(text: Text, limit: int = WECHAT_TEXT_LIMIT_BYTES) -> List[Text]:
    """Splits ``text`` into parts of at most ``limit`` UTF-8 bytes.

    Parts end at line boundaries; a single line longer than ``limit`` is cut
    between characters (never inside a multi-byte character). Blank lines at
    the start or end of a part are dropped; no other content is lost.
    """
    if limit < 4:
        raise ValueError("limit must leave room for one UTF-8 character")
    text = (text or "").strip("\n")
    if not text:
        return []
    if utf8_len(text) <= limit:
        return [text]

    parts: List[Text] = []
    current: List[Text] = []
    size = 0

    def flush() -> None:
        part = "\n".join(current).strip("\n")
        if part:
            parts.append(part)

    for line in text.split("\n"):
        pieces = _hard_split(line, limit) if utf8_len(line) > limit else [line]
        for piece in pieces:
            extra = utf8_len(piece) + (1 if current else 0)
            if current and size + extra > limit:
                flush()
                current, size = [], 0
                extra = utf8_len(piece)
            if not current and not piece:
                continue  # don't start a part with a blank line
            current.append(piece)
            size += extra
    if current:
        flush()
    return parts


def truncate_utf8(text: Text, limit: int = WECHAT_TEXT_LIMIT_BYTES, suffix: Text = TRUNCATION_SUFFIX) -> Text:
    """Returns ``text`` if it fits in ``limit`` bytes, else a shortened copy + suffix."""
    text = text or ""
    if utf8_len(text) <= limit:
        return text
    budget = limit - utf8_len(suffix)
    if budget <= 0:
        return _hard_split(suffix, limit)[0]
    head = _hard_split(text, budget)[0].rstrip()
    return head + suffix
