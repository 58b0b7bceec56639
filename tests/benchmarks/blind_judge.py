"""Judge one bot reply against one turn of a blind case (tests/blind/*.yml).

A turn passes when the reply a user reads contains every expected token (phone, name, figure,
keyword), none of the forbidden ones, only phones/emails the case allows, the expected verdict in
its first sentence, every expected amount of money, the "period is over" statement when asked
for, and is in English when the question was. Pure functions, no bot needed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

PHONE = re.compile(r"(?<![0-9A-Za-z_.@-])(\d{7,12}(?:-\d{1,6})?)(?![0-9A-Za-z_@]|[.,]\d)(?!\s*(?:万|元|亿|%|块|课时|人|个|年|月|日))")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万)?\s*元")
SENTENCE_END = re.compile(r"[。！？!?\n]")
EXPIRED = re.compile(r"已(经)?(结束|过期|截止|到期|失效|停止|终止)|不再(执行|受理|办理)|已于\d{4}年\d{1,2}月(\d{1,2}日)?(到期|截止|结束|终止)"
                     r"|(has|have|had) (ended|expired)|is over|no longer")
UNKNOWN_WORDS = re.compile(r"还需|需要(先)?(确认|了解|知道)|需确认|无法判断|不能确定|要看|取决于|请(告诉|补充|问)|尚不能判断|还不能判断|不确定")
NO_WORDS = re.compile(r"不符合|不满足|不能享受|不可以享受|不属于|享受不了|不适用|无法享受|不能申请|不能获得|不予|不在.{0,12}范围|超过了?.{0,12}(上限|标准|要求|条件)|达不到")
YES_WORDS = re.compile(r"符合|可以享受|能享受|可以申请|能申请|可以获得|能获得|适用|可以减免|能减免|可以免")
NOT_VERDICT = re.compile(r"是否符合|是否满足|能否享受|是否能享受|是否可以")


def norm(text: str) -> str:
    """NFKC, no whitespace, no thousands separators (12,000 → 12000)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return re.sub(r"\s+", "", text)


def phones_in(text: str) -> List[str]:
    t = unicodedata.normalize("NFKC", text or "")
    t = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    return PHONE.findall(t)


def emails_in(text: str) -> List[str]:
    return [e.lower() for e in EMAIL.findall(unicodedata.normalize("NFKC", text or ""))]


def amounts_in(text: str) -> List[float]:
    values = []
    for m in MONEY.finditer(norm(text)):
        factor = {"亿": 1e8, "万": 1e4}.get(m.group(2) or "", 1.0)
        values.append(float(m.group(1)) * factor)
    return values


def first_sentence(text: str) -> str:
    t = (text or "").strip()
    m = SENTENCE_END.search(t)
    return t[: m.start()] if m else t


def verdict_of(sentence: str) -> str:
    s = NOT_VERDICT.sub("", sentence)
    if UNKNOWN_WORDS.search(s):
        return "unknown"
    if NO_WORDS.search(s):
        return "no"
    if YES_WORDS.search(s):
        return "yes"
    return "none"


def is_english(text: str) -> bool:
    letters = re.findall(r"[A-Za-z]", text or "")
    han = re.findall(r"[\u4e00-\u9fff]", text or "")
    return len(letters) >= 20 and len(letters) > 2 * len(han)


def _alternatives(item: Any) -> List[str]:
    return [str(a) for a in item] if isinstance(item, list) else [str(item)]


def _phone_key(phone: str) -> str:
    return re.sub(r"\D", "", str(phone))


@dataclass
class TurnResult:
    passed: bool
    problems: List[str] = field(default_factory=list)
    wrong_contacts: List[str] = field(default_factory=list)


def judge_turn(expect: Dict[str, Any], reply: str, check_contacts: bool = True) -> TurnResult:
    """``expect`` is one turn of a case; ``reply`` the text the user reads (all bot messages joined)."""
    problems: List[str] = []
    text = norm(reply)
    for item in expect.get("all") or []:
        alts = _alternatives(item)
        if not any(norm(a) in text for a in alts):
            problems.append("missing " + " | ".join(alts))
    for bad in expect.get("none") or []:
        if norm(str(bad)) in text:
            problems.append(f"forbidden {bad}")
    wrong: List[str] = []
    if check_contacts:
        allowed = [str(a) for a in expect.get("contacts_allowed") or []]
        allowed_phones = {_phone_key(a) for a in allowed if "@" not in a}
        allowed_emails = {a.lower() for a in allowed if "@" in a}
        for p in phones_in(reply):
            key = _phone_key(p)
            main = _phone_key(p.split("-")[0])
            if key not in allowed_phones and main not in allowed_phones and not any(key in a for a in allowed_phones):
                wrong.append(p)
        wrong += [e for e in emails_in(reply) if e not in allowed_emails]
        if wrong:
            problems.append("wrong contact " + ", ".join(sorted(set(wrong))))
    verdict = expect.get("verdict")
    if verdict:
        got = verdict_of(first_sentence(reply))
        if got != verdict:
            problems.append(f"verdict {got}, expected {verdict}")
    found = amounts_in(reply)
    for amount in expect.get("amounts_yuan") or []:
        if not any(abs(v - float(amount)) < 0.5 for v in found):
            problems.append(f"missing amount {amount}元")
    if expect.get("expired") and not (EXPIRED.search(text) or EXPIRED.search(reply or "")):
        problems.append("does not say the period is over")
    if expect.get("english") and not is_english(reply):
        problems.append("not in English")
    return TurnResult(not problems, problems, sorted(set(wrong)))


def judge_case(case: Dict[str, Any], replies: Sequence[str], check_contacts: bool = True) -> List[TurnResult]:
    return [judge_turn(turn, reply, check_contacts) for turn, reply in zip(case["turns"], replies)]
