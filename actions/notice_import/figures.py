"""Benefits and conditions a measure prints: percentages, amounts, caps, months, hours, deadlines.

Only what is printed: a figure is attached where its sentence says what it is (给予…30%的补贴,
最高不超过500万元, 最长不超过3个月, 20课时); conditions are matched to the taxonomy's facts by
the words of the fact's label (data, not code). ``免收`` is recorded as percent 100, as the
curated files do. Every value keeps the span of the words it came from.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from actions.notice_import.paragraphs import Para

Span = Tuple[int, int]
PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
MONEY = re.compile(r"(\d+(?:\.\d+)?(?:万|亿)?元)")
LE_BEFORE = re.compile(r"(不高于|不超过|不足|低于|降至|控制在)[^，。；%]{0,24}$")
GE_BEFORE = re.compile(r"(不低于|高于|超过|下降|降幅)[^，。；%]{0,24}$")
LE_AFTER = re.compile(r"^(（含）|\(含\))?(及)?以(下|内)")
GE_AFTER = re.compile(r"^(（含）|\(含\))?(及)?以上")
CN_YEAR = {"半年": 6, "一年": 12, "1年": 12, "两年": 24, "2年": 24, "三年": 36, "3年": 36}

# Benefit kinds by the words their sentence uses, first match wins (general policy vocabulary).
KINDS = [
    ("training_subsidy", re.compile(r"课时")),
    ("per_person_subsidy", re.compile(r"每人\d+(?:\.\d+)?(?:万)?元")),
    ("guarantee_subsidy", re.compile(r"担保[^。]*补贴|补贴[^。]*担保")),
    ("interest_subsidy", re.compile(r"贴息|利息补贴|实际利息")),
    ("tax_deferral", re.compile(r"延期缴纳税款|延期缴税|延期纳税")),
    ("fee_exemption", re.compile(r"停征|免征")),
    ("rent_subsidy", re.compile(r"房租总额[^。]*补贴")),
    ("landlord_subsidy", re.compile(r"(减免金额|减免租金|实际减免)[^。]*补贴")),
    ("rent_waiver", re.compile(r"免收[^。；]*(房租|租金)|(房租|租金)[^。；]*减免")),
    ("funding", re.compile(r"补贴|补助|奖励|资金支持")),
]


def sentences(para: Para, start: int, end: int) -> List[Tuple[int, int]]:
    out, i = [], start
    for j in range(start, end):
        if para.text[j] in "。；;":
            if j > i:
                out.append((i, j))
            i = j + 1
    if end > i:
        out.append((i, end))
    return out


def _comparator(text: str, s: int, e: int) -> Optional[str]:
    before, after = text[max(0, s - 30) : s], text[e : e + 8]
    if LE_AFTER.match(after) or LE_BEFORE.search(before):
        return "le"
    if GE_AFTER.match(after) or GE_BEFORE.search(before):
        return "ge"
    return None


def _months(text: str, year: str) -> List[Tuple[str, int, int]]:
    """Months a benefit covers, e.g. 2月、3月、4月 / 3月和4月 / 3、4月份 (not dates like 4月30日)."""
    out = []
    for m in re.finditer(r"(?:(\d{4})年)?((?:\d{1,2}月?份?[、和及]){0,11}\d{1,2}月份?)(?![\d日底])", text):
        if text[max(0, m.start() - 2) : m.start()] in ("截至", "截止") or "月" not in m.group(2):
            continue
        y = m.group(1) or year
        for n in re.findall(r"\d{1,2}", m.group(2)):
            if 1 <= int(n) <= 12:
                out.append((f"{y}-{int(n):02d}", m.start(), m.end()))
    return out


def benefits(para: Para, start: int, end: int, year: str) -> List[Tuple[Dict, Dict[str, Span]]]:
    text = para.text
    out: List[Tuple[Dict, Dict[str, Span]]] = []
    for s, e in sentences(para, start, end):
        sent = text[s:e]
        kind = next((k for k, rx in KINDS if rx.search(sent)), None)
        figures = PERCENT.search(sent) or MONEY.search(sent) or re.search(r"\d+个月|课时|免收|停征|免征", sent)
        cap_only = re.match(r"^[^，]*最高[^，。]*?不超过\d", sent) and not PERCENT.search(sent)
        if (
            cap_only
            and out
            and "cap" not in out[-1][0]
            and out[-1][0]["kind"] in ("interest_subsidy", "guarantee_subsidy", "funding")
        ):
            _cap(text, s, e, out[-1])
            continue
        if not kind or not figures:
            continue
        b: Dict = {"kind": kind, "text": sent}
        spans: Dict[str, Span] = {"text": para.span(s, e)}
        pm = None
        up = re.search(r"(提高到|提高至|调整为|提高为)(\d+(?:\.\d+)?)%", sent)
        if up:
            pm = (up.group(2), s + up.start(2), s + up.end(2) + 1)
        else:
            for m in PERCENT.finditer(sent):
                if _comparator(text, s + m.start(), s + m.end()) is None:
                    pm = (m.group(1), s + m.start(1), s + m.end())
                    break
        if kind in ("rent_waiver",) and pm is None and "免收" in sent:
            i = s + sent.index("免收")
            b["percent"] = 100
            spans["percent"] = para.span(i, i + 2)
        elif pm and kind in (
            "rent_waiver",
            "landlord_subsidy",
            "rent_subsidy",
            "guarantee_subsidy",
            "interest_subsidy",
            "funding",
        ):
            b["percent"] = float(pm[0]) if "." in pm[0] else int(pm[0])
            spans["percent"] = para.span(pm[1], pm[2])
            of = _of(sent, pm[1] - s)
            if of and kind != "rent_waiver":
                b["of"] = of[0]
                spans["of"] = para.span(s + of[1], s + of[2])
        if kind in ("rent_waiver", "landlord_subsidy"):
            ms = _months(sent, year)
            if ms:
                b["months"] = sorted({m for m, _, _ in ms})
                spans["months"] = para.span(s + ms[0][1], s + ms[-1][2])
        if kind in ("interest_subsidy", "guarantee_subsidy", "funding", "landlord_subsidy", "rent_subsidy"):
            _cap(text, s, e, (b, spans))
        if kind == "interest_subsidy":
            t = re.search(r"(?:不超过|最长)(半年|一年|1年|两年|2年|三年|3年)|(?:不超过|最长)(\d+)个月", sent)
            if t:
                b["max_term_months"] = CN_YEAR.get(t.group(1)) if t.group(1) else int(t.group(2))
                spans["max_term_months"] = para.span(s + t.start(), s + t.end())
        if kind == "tax_deferral":
            t = re.search(r"最长不超过(\d+)个月", sent)
            if t:
                b["max_months"] = int(t.group(1))
                spans["max_months"] = para.span(s + t.start(1), s + t.end())
        if kind == "fee_exemption":
            t = re.search(r"(停征|免征)(.+?)$", sent)
            if t:
                items = [x for x in re.split(r"[、和及]", t.group(2).rstrip("等")) if x]
                b["items"] = items
                spans["items"] = para.span(s + t.start(2), s + t.end(2))
        if kind == "training_subsidy":
            _training(text, s, e, b, spans)
        if kind == "per_person_subsidy":
            t = re.search(r"每人(\d+(?:\.\d+)?(?:万)?元)", sent)
            b["amount"] = t.group(1)
            spans["amount"] = para.span(s + t.start(1), s + t.end(1))
        out.append((b, spans))
    for _benefit, spans in out:
        for k, v in list(spans.items()):
            if isinstance(v, tuple) and v and v[0] == "para":
                spans[k] = para.span(v[1], v[2])
    return out


def _of(sent: str, p: int) -> Optional[Tuple[str, int, int]]:
    """What a percentage is of: the words between 给予 and the figure, from the first digit if any."""
    g = sent.rfind("给予", 0, p)
    if g >= 0 and p - g > 2:
        seg = sent[g + 2 : p]
        seg_end = p
        if seg.endswith("的"):
            seg, seg_end = seg[:-1], p - 1
        d = re.search(r"\d", seg)
        if d and re.match(r"^\d", seg[d.start() :]) and d.start() > 0:
            seg_start = g + 2 + d.start()
        else:
            seg_start = g + 2
        seg = sent[seg_start:seg_end]
        if seg and len(seg) <= 20:
            return seg, seg_start, seg_end
    r = re.search(r"根据([^，。]{2,20})，", sent[:p])
    if r:
        return r.group(1), r.start(1), r.end(1)
    r = re.search(r"由([^，。]{2,20}?)的\d+(?:\.\d+)?%提高", sent)
    if r:
        return r.group(1), r.start(1), r.end(1)
    return None


def _cap(text: str, s: int, e: int, target):
    b, spans = target
    sent = text[s:e]
    m = re.search(r"(最高)?(?:补贴|补助)?(?:不超过|不高于)(\d+(?:\.\d+)?(?:万|亿)?元)", sent)
    if not m or "课时" in sent[m.start() : m.end()]:
        return
    b["cap"] = m.group(2)
    spans["cap"] = ("para", s + m.start(2), s + m.end(2))
    lead_start = max(sent.rfind(ch, 0, m.start()) for ch in "，。；") + 1
    scope = sent[lead_start : m.start()]
    scope = re.sub(r"(最高|贴息补助|利息补贴|补贴|补助)+$", "", scope)
    if scope and len(scope) <= 16 and not re.search(r"\d", scope):
        b["cap_scope"] = scope


def _training(text: str, s: int, e: int, b: Dict, spans: Dict):
    sent = text[s:e]
    u = re.search(r"(\d+)课时", sent)
    if u:
        b["unit_hours"] = int(u.group(1))
        spans["unit_hours"] = ("para", s + u.start(), s + u.end())
    per = re.search(r"每人(\d+(?:\.\d+)?(?:万)?元)", sent)
    if per:
        b["per_unit"] = per.group(1)
        spans["per_unit"] = ("para", s + per.start(1), s + per.end(1))
    mx = re.search(r"最高不超过(\d+)课时(?:[（(][^）)]*[）)])?(\d+(?:\.\d+)?(?:万)?元)?", sent)
    if mx:
        b["max_hours"] = int(mx.group(1))
        spans["max_hours"] = ("para", s + mx.start(1), s + mx.end(1) + 2)
        if mx.group(2):
            b["cap"] = mx.group(2)
            spans["cap"] = ("para", s + mx.start(2), s + mx.end(2))


def conditions(
    para: Para, start: int, end: int, facts: Dict[str, Dict], district: Optional[str]
) -> List[Tuple[Dict, Dict[str, Span]]]:
    """Conditions with a printed figure, matched to a taxonomy fact by the words of its label."""
    text = para.text
    out = []
    for rx, ftype in ((PERCENT, "percent"), (MONEY, "money")):
        for m in rx.finditer(text, start, end):
            op = _comparator(text, m.start(), m.end())
            if op is None:
                continue
            c0 = max(text.rfind(ch, start, m.start()) for ch in "，。；（(") + 1
            clause_end = m.end()
            after = GE_AFTER.match(text[m.end() :]) or LE_AFTER.match(text[m.end() :])
            if after:
                clause_end += after.end()
            clause = text[c0:clause_end]
            fact = _match_fact(clause, facts, ftype)
            if not fact:
                continue
            value = m.group(1)
            value = (float(value) if "." in value else int(value)) if ftype == "percent" else value
            out.append(
                (
                    {"fact": fact, "op": op, "value": value, "text": clause},
                    {"value": para.span(m.start(), m.end()), "text": para.span(c0, clause_end)},
                )
            )
    if district:
        for m in re.finditer(rf"在{re.escape(district)}[^，。；、]*?注册[^，。；、的]*", text[start:end]):
            c0, c1 = start + m.start(), start + m.end()
            out.append(
                (
                    {"fact": "district", "op": "eq", "value": district, "text": text[c0:c1]},
                    {"value": para.span(c0 + 1, c0 + 1 + len(district)), "text": para.span(c0, c1)},
                )
            )
            break
    return out


def _match_fact(clause: str, facts: Dict[str, Dict], ftype: str) -> Optional[str]:
    best, best_len = None, 2
    for fid, spec in facts.items():
        if spec.get("type") != ftype:
            continue
        label = re.sub(r"[（(].*?[)）]", "", str(spec.get("label", "")))
        n = _longest_common(label, clause)
        if n > best_len:
            best, best_len = fid, n
    return best


def _longest_common(a: str, b: str) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best
