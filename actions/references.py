"""Direct look-ups that hotline staff type: a document and article number ("25号文第十条"), a
person's name, a phone number or a unit. Every match comes from the KB's own data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional

from actions.knowledge_base import KnowledgeBase, Measure

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ARTICLE = re.compile(
    r"第\s*([一二三四五六七八九十两]+|\d{1,2})\s*(?:条|项|点|款)|[(（]\s*([一二三四五六七八九十]+)\s*[)）]"
)
BARE_ARTICLE = re.compile(r"号文?件?[^\d一二三四五六七八九十]{0,4}(\d{1,2}|[一二三四五六七八九十]+)\s*(?:条|项)()")
DOC_NUMBER = re.compile(r"(?<!\d)(\d{1,3})\s*号(?:文件?|通知|令)?")
PHONE_LIKE = re.compile(r"(?<!\d)\d{7,11}(?!\d)")


def cn_number(text: str) -> Optional[int]:
    """'十四' → 14, '二十三' → 23, '7' → 7."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    return (CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)


def label_number(label: str) -> Optional[int]:
    m = re.search(r"[一二三四五六七八九十]+", label or "")
    return cn_number(m.group(0)) if m else None


def documents_named(kb: KnowledgeBase, text: str) -> List[str]:
    """Document ids whose number ("6号", "西政办发〔2020〕6号", "密政发25号") the text names."""
    found = []
    for number in DOC_NUMBER.findall(text):
        for doc in kb.documents.values():
            printed = re.search(r"(\d+)号$", doc.doc_number)
            if printed and printed.group(1) == number and doc.id not in found:
                found.append(doc.id)
    return found


def article_measures(kb: KnowledgeBase, text: str, district: Optional[str] = None) -> List[Measure]:
    """The measure(s) an article reference points to; several when the document is not said."""
    docs = documents_named(kb, text)
    m = ARTICLE.search(text) or (BARE_ARTICLE.search(text) if docs else None)
    if not m:
        return []
    number = cn_number(m.group(1) or m.group(2))
    if not number:
        return []
    if not docs:
        docs = [d.id for d in kb.documents.values() if not district or d.district == district]
        if len(docs) > 1 and not DOC_NUMBER.search(text) and not re.search(r"第.{1,3}条", text):
            return []
    return [x for x in kb if x.document.id in docs and label_number(x.label) == number]


@dataclass(frozen=True)
class ContactRef:
    measure: Measure
    contact: Dict


def person_contacts(kb: KnowledgeBase, text: str) -> List[ContactRef]:
    """Contacts of every person whose name appears in the text (each measure where they are listed)."""
    names = {p for x in kb for c in x.contacts for p in c.get("persons") or [] if len(p) >= 2}
    named = [n for n in names if n in text]
    return [ContactRef(x, c) for x in kb for c in x.contacts if set(c.get("persons") or []) & set(named)]


def phone_contacts(kb: KnowledgeBase, text: str) -> List[ContactRef]:
    """Contacts whose phone number the text contains."""
    numbers = set(PHONE_LIKE.findall(re.sub(r"[\s-]", "", text)))
    if not numbers:
        return []
    return [
        ContactRef(x, c)
        for x in kb
        for c in x.contacts
        if any(
            re.sub(r"\D", "", p).split("-")[0] in numbers or re.sub(r"\D", "", p) in numbers
            for p in c.get("phones") or []
        )
    ]


def unit_names(kb: KnowledgeBase, text: str) -> List[str]:
    """Canonical unit names (as printed in contacts) that the text names, by full name or short form."""
    units = {c["unit"] for x in kb for c in x.contacts}
    found = []
    for unit in sorted(units, key=len, reverse=True):
        forms = [unit] + kb.taxonomy.synonyms.get(unit, [])
        if unit.startswith("区"):
            forms.append(unit[1:])
        if any(len(f) >= 2 and f in text for f in forms):
            if not any(unit in u for u in found):
                found.append(unit)
    return found
