"""Numbers as printed in the notices and as typed by users: money, percent, counts."""

from __future__ import annotations

import re
import warnings
from typing import Optional

import cn2an

_MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万|千|k|w)?\s*(?:元|块)?", re.IGNORECASE)
_UNITS = {"亿": 1e8, "万": 1e4, "w": 1e4, "千": 1e3, "k": 1e3, None: 1.0}


# Words whose 一 is not a number (一共 must not become 1共).
NOT_NUMBERS = [
    "一共",
    "一下",
    "一直",
    "一起",
    "一般",
    "一样",
    "一些",
    "一点",
    "统一",
    "一定",
    "一旦",
    "唯一",
    "一律",
    "一次性",
    "一个月",
    "一家",
    "一条",
    "一项",
    "一同",
    "一切",
    "一致",
    "一线",
    "一带",
]
_PROTECT = {w: chr(0xE000 + i) for i, w in enumerate(NOT_NUMBERS)}
_CN_NUMERAL = re.compile(r"[零一二两三四五六七八九十百千万亿半]")


def _transform(chunk: str) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cn2an.transform(chunk, "cn2an")
    except Exception:  # cn2an refuses some odd strings; the original text is still usable
        return chunk


def arabic(text: str) -> str:
    """Chinese numerals to digits inside free text (三万五 → 35000, 百分之八 → 8%, 一年期 → 1年期).

    cn2an leaves a text alone once it holds digits, so each stretch between digits is converted
    on its own; words like 一共 keep their 一."""
    if not text:
        return ""
    for word, mark in _PROTECT.items():
        text = text.replace(word, mark)
    parts = re.split(r"(\d[\d.,]*\s*[万千亿]?)", text)
    out = "".join(_transform(p) if _CN_NUMERAL.search(p) else p for p in parts)
    for word, mark in _PROTECT.items():
        out = out.replace(mark, word)
    return out


def parse_money(value) -> Optional[float]:
    """'20万元' → 200000.0, '3.5万' → 35000.0, 5000 → 5000.0; None when no amount is found."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = arabic(str(value)).replace(",", "").replace("，", "")
    m = _MONEY.search(text)
    if not m:
        return None
    unit = m.group(2).lower() if m.group(2) and m.group(2).lower() in ("k", "w") else m.group(2)
    return float(m.group(1)) * _UNITS[unit]


def parse_percent(value) -> Optional[float]:
    """'8%' / '百分之八' / '8' / 0.08-style strings → 8.0 (percent points)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = arabic(str(value))
    m = re.search(r"(\d+(?:\.\d+)?)\s*%?", text)
    return float(m.group(1)) if m else None


def parse_number(value) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.search(r"\d+(?:\.\d+)?", arabic(str(value)))
    return float(m.group(0)) if m else None


def format_money(yuan: float) -> str:
    """12000 → '12,000元'; 1540.5 → '1,540.50元'."""
    if float(yuan).is_integer():
        return f"{int(yuan):,}元"
    return f"{yuan:,.2f}元"
