"""Labels as printed: 第X条, (一)/（一）, 一、, 1. 1、 1．, (1)/（1）; Chinese numerals."""

from __future__ import annotations

import re
from typing import Optional, Tuple

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN = "零〇一二三四五六七八九十百两"

# style -> regex at the start of a paragraph; the group is the number as printed
STYLES = {
    "article": re.compile(rf"^第([{CN}\d]+)条"),
    "paren_cn": re.compile(rf"^([(（]([{CN}]+)[)）])"),
    "cn_dun": re.compile(rf"^(([{CN}]+)、)"),
    "num": re.compile(r"^((\d{1,2})[.．、](?!\d))"),
    "paren_num": re.compile(r"^([(（](\d{1,2})[)）])"),
    "chapter": re.compile(rf"^第([{CN}\d]+)章"),
}
# Hierarchy in Chinese official documents, from outer to inner.
ORDER = ["chapter", "article", "cn_dun", "paren_cn", "num", "paren_num"]


def cn_number(s: str) -> Optional[int]:
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            return None
    return total + current


def parse_label(text: str) -> Optional[Tuple[str, str, int]]:
    """(style, label as printed, number) when ``text`` starts with a label."""
    for style in ORDER:
        m = STYLES[style].match(text)
        if not m:
            continue
        if style in ("article", "chapter"):
            label, num = m.group(0), m.group(1)
        else:
            label, num = m.group(1), m.group(2)
        n = cn_number(num)
        if n is None or n == 0:
            continue
        return style, label, n
    return None
