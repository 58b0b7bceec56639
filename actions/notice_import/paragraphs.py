"""Logical paragraphs of a notice, each character mapped back to its offset in the source copy.

Paragraph boundaries: line breaks and the ideographic indent ``　　`` (notices pasted from web
pages come as one line with these indents). Lines hard-wrapped at a fixed width (text extracted
from a PDF) are joined back when the document shows such a width and the line does not end a
sentence. Whitespace is dropped inside paragraphs (``王  燕`` → ``王燕``), as the faithfulness
rules do.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import List, Tuple

from actions.notice_import import labels

INDENT = re.compile(r"\u3000{2,}")
SENTENCE_END = "。；！？：:;）)”"
MARKER_START = re.compile(
    r"^(?:[^：:]{0,30}?(?:联系科室|联系处室|联系部门|联系人|联系电话|联系方式|电话|电子邮箱|邮箱)|责任单位|责任部门|主责单位|办理流程|申请流程)[：:]"
)


@dataclass
class Para:
    text: str  # compact text (no whitespace)
    offs: List[int] = field(repr=False)  # source offset of each character of ``text``
    width: int = 0  # display width of the physical line it started on

    @property
    def start(self) -> int:
        return self.offs[0]

    @property
    def end(self) -> int:
        return self.offs[-1] + 1

    def span(self, i: int = 0, j: int = None) -> Tuple[int, int]:
        """Source span of compact characters [i, j)."""
        j = len(self.text) if j is None else j
        if j <= i:
            return (self.offs[min(i, len(self.offs) - 1)], self.offs[min(i, len(self.offs) - 1)])
        return (self.offs[i], self.offs[j - 1] + 1)

    def find(self, needle: str, start: int = 0) -> Tuple[int, int]:
        """Source span of the first occurrence of compact ``needle`` (from compact index ``start``)."""
        i = self.text.find(needle, start)
        if i < 0:
            return None
        return self.span(i, i + len(needle))

    def sub(self, i: int, j: int = None) -> "Para":
        j = len(self.text) if j is None else j
        return Para(self.text[i:j], self.offs[i:j], self.width)


def display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s.strip())


def _pieces(source: str) -> List[Para]:
    """Physical lines cut at ideographic indents; each piece keeps its own display width."""
    pieces = []
    pos = 0
    for line in source.splitlines(keepends=True):
        cuts = [0] + [k for m in INDENT.finditer(line) for k in (m.start(), m.end())] + [len(line)]
        for a, b in zip(cuts[::2], cuts[1::2]):
            part = line[a:b]
            if part.strip():
                chars = [(c, pos + a + k) for k, c in enumerate(part) if not c.isspace()]
                pieces.append(Para("".join(c for c, _ in chars), [o for _, o in chars], display_width(part)))
        pos += len(line)
    return pieces


def wrap_width(pieces: List[Para]) -> int:
    """The fixed width the text is hard-wrapped at, or 0 when it is not."""
    widths = Counter(p.width for p in pieces if p.width >= 40)
    if not widths:
        return 0
    buckets = Counter()
    for w, n in widths.items():
        buckets[w // 4] += n
    bucket, count = max(buckets.items(), key=lambda kv: (kv[1], kv[0]))
    if count >= 8 and count >= 0.1 * len(pieces):
        return max((w for w in widths if w // 4 == bucket), key=lambda w: widths[w])
    return 0


def paragraphs(source: str) -> List[Para]:
    pieces = _pieces(source)
    width = wrap_width(pieces)
    out: List[Para] = []
    for p in pieces:
        if out and width and _continues(out[-1], p, width):
            prev = out[-1]
            out[-1] = Para(prev.text + p.text, prev.offs + p.offs, prev.width)
            out[-1].last_width = p.width
            continue
        p.last_width = p.width
        out.append(p)
    return out


def _continues(prev: Para, nxt: Para, width: int) -> bool:
    if getattr(prev, "last_width", prev.width) < width - 8:
        return False
    if prev.text[-1] in SENTENCE_END:
        return False
    if labels.parse_label(nxt.text) or MARKER_START.match(nxt.text):
        return False
    return True
