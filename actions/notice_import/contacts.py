"""Responsible units and contacts of a measure, each attached to the sub-item it follows.

A contact is opened by a 联系科室/处室/部门 line (its unit printed before the key) or by a
联系人 line; phones and emails that follow are added to it. The unit comes, in this order, from
the text before the key, from a unit printed in brackets after the person, from the sub-item's
责任部门, or from the measure's responsible units. Whatever does not parse is kept verbatim in
``notes`` — never corrected or guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from actions.kb_schema import EMAIL_PATTERN, PHONE_PATTERN
from actions.notice_import import labels
from actions.notice_import.paragraphs import Para
from actions.notice_import.segment import CONTACT_KEY, RESP

Span = Tuple[int, int]
UNIT_SUFFIX = re.compile(r"(局|委|办|办公室|中心|园|管委会|政府|街道|办事处|服务局|部|处|科|所|站|院|会|公司)$")
NAME = re.compile(r"^[\u4e00-\u9fa5·]{2,4}$")
PHONE_TOKEN = re.compile(r"\d[\d\-－—]*\d")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_IN_TEXT = re.compile(r"(?<!\d)(\d{8,11}(?:-\d{1,6})?)(?!\d)")
OFFICE_KEYS = {"联系科室", "联系处室", "联系部门", "联系单位"}
PERSON_KEYS = {"联系人"}
EMAIL_KEYS = {"电子邮箱", "邮箱", "e-mail", "email"}
HOTLINE_VERBS = re.compile(r"^(设立|开通|开设|拨打|公布|设置|通过|可拨打|可致电|致电)")
TRAIL = "。；;，,、 "


@dataclass
class Fact:
    value: str
    span: Span


@dataclass
class Contact:
    unit: Optional[Fact] = None
    office: Optional[Fact] = None
    item: Optional[Fact] = None
    persons: List[Fact] = field(default_factory=list)
    phones: List[Fact] = field(default_factory=list)
    emails: List[Fact] = field(default_factory=list)
    note: Optional[Fact] = None
    opened_by: str = ""
    unit_from_context: bool = False


@dataclass
class MeasureContacts:
    responsible_units: List[Fact] = field(default_factory=list)
    contacts: List[Contact] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    consumed: List[Span] = field(default_factory=list)  # spans already read as contact data


def split_units(para: Para, start: int, end: int) -> List[Fact]:
    out, i = [], start
    text = para.text
    for j in range(start, end + 1):
        if j == end or text[j] in "、，,；;":
            piece = text[i:j].strip()
            if piece:
                out.append(Fact(piece, para.span(i, j)))
            i = j + 1
    return out


def responsible_units(para: Para) -> Tuple[List[Fact], Optional[Tuple[int, int]]]:
    """Units of a （责任单位：…） parenthesis or a 责任部门：… line; also where it sits (compact indices)."""
    found = list(RESP.finditer(para.text))
    m = found[-1] if found else None  # the last one in the paragraph
    if not m:
        return [], None
    return split_units(para, m.start(2), m.end(2)), (m.start(), m.end())


def _unit_like(s: str) -> bool:
    return bool(UNIT_SUFFIX.search(s)) and len(s) <= 30


def _resolve_unit(prefix: str, units: List[str]) -> Tuple[Optional[str], str]:
    """(unit, qualifier) from the text printed before a contact key."""
    if not prefix:
        return None, ""
    for u in sorted(units, key=len, reverse=True):
        if prefix.startswith(u):
            return u, prefix[len(u) :]
    if _unit_like(prefix):
        return prefix, ""
    m = re.match(r"^(.+?(?:局|委|办|中心|管委会|园))(.+)$", prefix)
    if m and len(m.group(1)) >= 3 and m.group(1)[0] in "区市县":
        return m.group(1), m.group(2)
    return None, prefix


class ContactReader:
    def __init__(self, measure_units: List[Fact], label: str):
        self.out = MeasureContacts(responsible_units=list(measure_units))
        self.label = label
        self.item: Optional[Fact] = None
        self.item_units: List[Fact] = []
        self.current: Optional[Contact] = None

    # context ------------------------------------------------------------------
    def set_item(self, fact: Optional[Fact]):
        self.item = fact
        self.item_units = []
        self.current = None

    def add_item_units(self, units: List[Fact]):
        self.item_units = units
        for u in units:
            if u.value not in [r.value for r in self.out.responsible_units]:
                self.out.responsible_units.append(u)

    def _context_unit(self, hint_text: str = "") -> Tuple[Optional[Fact], bool]:
        pool = self.item_units or self.out.responsible_units
        if len(pool) == 1:
            return pool[0], True
        named = [u for u in pool if u.value in hint_text]
        if len(named) == 1:
            return named[0], True
        if pool:
            joined = "、".join(u.value for u in pool)
            note = f"联系方式未写明所属单位，本条有多个责任单位，unit 暂填全部责任单位“{joined}”，请核对。"
            if note not in self.out.notes:
                self.out.notes.append(note)
            return Fact(joined, (pool[0].span[0], pool[-1].span[1])), True
        return None, True

    def _new(self, opened_by: str, unit: Optional[Fact], qualifier: Optional[Fact], from_context: bool) -> Contact:
        c = Contact(unit=unit, opened_by=opened_by, unit_from_context=from_context)
        c.item = qualifier or self.item
        self.out.contacts.append(c)
        self.current = c
        return c

    # a contact paragraph ------------------------------------------------------
    def read(self, para: Para, start: int = 0):
        text = para.text
        keys = [m for m in CONTACT_KEY.finditer(text) if m.start() >= start]
        pos = start
        parsed = labels.parse_label(text[start:])
        if parsed and parsed[0] in ("num", "paren_num"):
            pos = start + len(parsed[1])
        for n, key in enumerate(keys):
            prefix_start = pos
            prefix = text[prefix_start : key.start()].strip(TRAIL)
            vstart = key.end()
            vend = keys[n + 1].start() if n + 1 < len(keys) else len(text)
            raw_end = vend
            while vend > vstart and text[vend - 1] in TRAIL:
                vend -= 1
            value = text[vstart:vend]
            kind = key.group(1).lower()
            self.out.consumed.append(para.span(prefix_start, raw_end))
            self._event(kind, prefix, para, prefix_start, key.start(), value, vstart, vend)
            pos = raw_end

    def _prefix_unit(self, prefix: str, para: Para, p0: int):
        """(unit fact or None, qualifier fact or None) from a prefix."""
        if not prefix:
            return None, None
        lead = para.text.find(prefix, p0)
        units = [u.value for u in self.item_units + self.out.responsible_units]
        unit, qual = _resolve_unit(prefix, units)
        unit_f = Fact(unit, para.span(lead, lead + len(unit))) if unit else None
        qual_f = None
        if qual:
            q0 = lead + (len(unit) if unit else 0)
            qual_f = Fact(qual, para.span(q0, q0 + len(qual)))
        return unit_f, qual_f

    def _event(self, kind, prefix, para, p0, kstart, value, vstart, vend):
        if kind in OFFICE_KEYS:
            if not value:
                return
            unit, qual = self._prefix_unit(prefix, para, p0)
            from_ctx = False
            if unit is None:
                unit, from_ctx = self._context_unit(prefix)
            office, office_q = value, None
            m = re.match(r"^(.+?)[（(]([^（()）]+)[)）]$", value)
            if m:
                office = m.group(1)
                office_q = Fact(m.group(2), para.span(vstart + m.start(2), vstart + m.end(2)))
            c = self._new("office", unit, qual or office_q, from_ctx)
            c.office = Fact(office, para.span(vstart, vstart + len(office)))
            return
        if kind in PERSON_KEYS:
            unit, qual = self._prefix_unit(prefix, para, p0)
            c = self.current
            if not (c and c.opened_by == "office" and not c.persons and not c.phones and unit is None and qual is None):
                from_ctx = False
                if unit is None:
                    unit, from_ctx = self._context_unit(prefix)
                c = self._new("person", unit, qual, from_ctx)
            self._persons(c, para, value, vstart)
            return
        if kind in EMAIL_KEYS:
            c = self.current
            if c is None or c.emails:
                unit, _ = self._context_unit()
                c = self._new("email", unit, None, True)
            self._emails(c, para, value, vstart)
            return
        # phones
        if not value:
            # a heading such as "各行业主管部门联系电话：" — the contacts follow
            return
        c = self.current
        unit, qual = self._prefix_unit(prefix, para, p0)
        if c is None or c.phones or unit is not None or qual is not None:
            from_ctx = False
            if unit is None:
                unit, from_ctx = self._context_unit(prefix)
            c = self._new("phone", unit, qual, from_ctx)
        self._phones(c, para, value, vstart)

    # values ---------------------------------------------------------------------
    def _persons(self, c: Contact, para: Para, value: str, vstart: int):
        i = 0
        for tok in re.split(r"([、，,；;])", value):
            t0 = vstart + i
            i += len(tok)
            if not tok or tok in "、，,；;":
                continue
            name, paren = tok, None
            m = re.match(r"^(.+?)[（(]([^（()）]+)[)）]$", tok)
            if m:
                name, paren = m.group(1), m.group(2)
            if NAME.match(name):
                c.persons.append(Fact(name, para.span(t0, t0 + len(name))))
            else:
                self.out.notes.append(f"联系人一栏原文为“{tok}”，未能识别为姓名，未收录为联系人，请核对。")
                continue
            if paren:
                p0 = t0 + len(name) + 1
                pf = Fact(paren, para.span(p0, p0 + len(paren)))
                if _unit_like(paren) and (c.unit is None or c.unit_from_context):
                    c.unit, c.unit_from_context = pf, False
                elif c.note is None:
                    c.note = pf

    def _phones(self, c: Contact, para: Para, value: str, vstart: int):
        found = list(PHONE_TOKEN.finditer(value))
        rest = PHONE_TOKEN.sub("", value)
        if rest.strip("、，,；;/ 转-"):
            self.out.notes.append(
                f"电话一栏原文为“{value}”，其中“{rest.strip('、，,；;/ ')}”未能识别，按原文保留在此，请核对。"
            )
        if re.search(r"\d[，,]\d", value):
            self.out.notes.append(f"原文电话之间用逗号分隔（{value}），已拆分为{len(found)}个号码。")
        for m in found:
            tok = m.group(0)
            span = para.span(vstart + m.start(), vstart + m.end())
            if re.fullmatch(PHONE_PATTERN, tok):
                c.phones.append(Fact(tok, span))
                if re.fullmatch(r"\d{9}", tok):
                    self.out.notes.append(f"源文件中电话“{tok}”为9位数字，按原文保留，未作更正，请核对。")
            else:
                self.out.notes.append(f"电话“{tok}”格式异常（原文：{value}），未收录为号码，请核对。")

    def _emails(self, c: Contact, para: Para, value: str, vstart: int):
        found = list(EMAIL.finditer(value))
        if not found:
            self.out.notes.append(f"邮箱一栏原文为“{value}”，未能识别为邮箱地址，请核对。")
        for m in found:
            if re.fullmatch(EMAIL_PATTERN, m.group(0)):
                c.emails.append(Fact(m.group(0), para.span(vstart + m.start(), vstart + m.end())))

    # numbers printed outside contact lines -------------------------------------------
    def stray(self, para: Para, start: int = 0):
        """Phones and emails printed in the body or the steps (a hotline, a mailbox for lists)."""
        text = para.text
        emails = list(EMAIL.finditer(text, start))
        masked = EMAIL.sub(lambda m: " " * len(m.group(0)), text)
        hits = [("email", m) for m in emails] + [("phone", m) for m in PHONE_IN_TEXT.finditer(masked, start)]
        for kind, m in sorted(hits, key=lambda h: h[1].start()):
            span = para.span(m.start(), m.end())
            if any(s[0] <= span[0] and span[1] <= s[1] for s in self.out.consumed):
                continue
            # the clause the number is printed in
            c0 = max(text.rfind(ch, 0, m.start()) for ch in "，。；：（(") + 1
            c1 = min([k for k in (text.find(ch, m.end()) for ch in "，。；）)") if k >= 0] + [len(text)])
            lead = text[c0 : m.start()].rstrip("：:（(")
            unit, _ = self._context_unit(text[c0:c1])
            c = Contact(unit=unit, unit_from_context=True, opened_by="stray")
            if kind == "phone":
                item = HOTLINE_VERBS.sub("", lead)
                if item:
                    i0 = m.start() - len(text[c0 : m.start()]) + (len(lead) - len(item))
                    c.item = Fact(item, para.span(i0, i0 + len(item)))
                c.phones.append(Fact(m.group(1), span))
            else:
                c.item = self.item
                c.emails.append(Fact(m.group(0), span))
            clause = text[c0:c1]
            c.note = Fact(clause, para.span(c0, c1))
            self.out.contacts.append(c)
            self.out.notes.append(
                f"{'号码' if kind == 'phone' else '邮箱'}“{m.group(0)}”印在正文或办理流程中（“{clause}”），已作为联系方式收录，所属单位按责任单位填写，请核对。"
            )
