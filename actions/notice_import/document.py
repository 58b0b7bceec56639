"""The document: 文号, issuer, title, district, issue date, validity — found in the text, never assumed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from actions.notice_import.paragraphs import Para

DOC_NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,10}[〔\[［【(（]\d{4}[〕\]］】)）]\d{1,4}号)")
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
ORG_SUFFIX = r"(?:人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|管委会|局|委)"
SIGNATURE = re.compile(rf"(?:^|[。：:）)\]¶])([\u4e00-\u9fa5]{{2,30}}?{ORG_SUFFIX})¶?(\d{{4}}年\d{{1,2}}月\d{{1,2}}日)")
TITLE_PRINTED = re.compile(r"印发《(.+?)》的?(?:通知|决定)")
TITLE_ABOUT = re.compile(r"(关于.+?(?:通知|决定|意见|办法|细则|措施|方案|规定))")
DISTRICT_IN_ISSUER = re.compile(r"(?:省|市)([\u4e00-\u9fa5]{1,5}?(?:区|县|市))(?:人民政府|政府|委|局|办公室)")


@dataclass
class DocInfo:
    values: Dict[str, str] = field(default_factory=dict)
    spans: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def _joined(paras: List[Para], sep: str = "") -> Para:
    """Paragraphs as one; ``sep`` (one character) marks where a paragraph ends."""
    text, offs = "", []
    for p in paras:
        text += p.text + sep
        offs += p.offs + ([p.offs[-1] + 1] if sep else [])
    return Para(text, offs)


def _iso(m: re.Match) -> str:
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def read_document(
    header: List[Para], closing: List[Para], all_paras: List[Para], known_districts: List[str]
) -> DocInfo:
    info = DocInfo()
    head = _joined(header)
    whole = _joined(all_paras)

    # 文号: the first one printed in the header that is not a citation in brackets.
    for m in DOC_NUMBER.finditer(head.text):
        before = head.text[m.start() - 1 : m.start()] if m.start() else ""
        if before and before in "(（《":
            continue
        number = m.group(1)
        start = m.start(1)
        # the 文号's own prefix (X政发, X政办发 …) starts after words such as 文件 / 通知 / 的
        bracket = re.search(r"[〔\[［【(（]", number).start()
        cut = max(
            number.rfind(w, 0, bracket) + len(w) if number.rfind(w, 0, bracket) >= 0 else 0
            for w in ("文件", "通知", "的", "。", "号", "：")
        )
        cut = max(cut, bracket - 8)
        number, start = number[cut:], start + cut
        info.values["doc_number"] = number
        info.spans["doc_number"] = head.span(start, start + len(number))
        break
    else:
        info.notes.append("原文中未找到文号（如“X政发〔年份〕N号”），doc_number 需人工填写。")

    # Issuer and issue date: the signature, an organisation followed by its date.
    sig_para = _joined(header, "¶")
    sig = SIGNATURE.search(sig_para.text)
    if not sig and closing:
        sig_para = _joined(closing, "¶")
        sig = SIGNATURE.search(sig_para.text)
    if sig:
        info.values["issuer"] = sig.group(1)
        info.spans["issuer"] = sig_para.span(sig.start(1), sig.end(1))
        date = DATE.match(sig.group(2))
        info.values["issued"] = _iso(date)
        info.spans["issued"] = sig_para.span(sig.start(2), sig.end(2))
    else:
        info.notes.append("原文中未找到落款（发文机关+成文日期），issuer/issued 需人工填写。")

    # Title.
    m = TITLE_PRINTED.search(head.text)
    group = 1
    for ending in ("通知", "决定", "意见", "办法", "细则", "方案", "规定", "措施"):
        if m:
            break
        m = re.search(rf"(关于[^。：:]+?{ending})", head.text)
    if m:
        info.values["title"] = m.group(group)
        info.spans["title"] = head.span(m.start(group), m.end(group))
    else:
        info.notes.append("原文中未找到标题（“关于……的通知”或“印发《……》”），title 需人工填写。")

    # District: a district the taxonomy knows, named in the issuer; else the district the issuer prints.
    issuer = info.values.get("issuer", "")
    district = next((d for d in known_districts if d and d in issuer), None)
    if district:
        i = issuer.find(district)
        info.values["district"] = district
        info.spans["district"] = sig_para.span(sig.start(1) + i, sig.start(1) + i + len(district))
    else:
        dm = DISTRICT_IN_ISSUER.search(issuer)
        if dm:
            info.values["district"] = dm.group(1)
            info.spans["district"] = sig_para.span(sig.start(1) + dm.start(1), sig.start(1) + dm.end(1))
            info.notes.append(
                f"区名“{dm.group(1)}”不在 taxonomy.yml 的 facts.district.values 中；上线前请加入（并从 other_places 中删去）。"
            )
        else:
            info.notes.append("未能从发文机关中识别所属区，district 需人工填写。")

    # Validity: the sentence that states it, and its date.
    for m in re.finditer(r"[^。]*有效期[^。]*。?", whole.text):
        info.values["validity_text"] = m.group(0)
        info.spans["validity_text"] = whole.span(m.start(), m.end())
        d = re.search(r"有效期(?:至|到|截至)(\d{4})年(\d{1,2})月(\d{1,2})日", m.group(0))
        if d:
            info.values["valid_until"] = _iso(d)
            info.spans["valid_until"] = whole.span(m.start() + d.start(1), m.start() + d.end())
        break
    # Scope: "以上…适用于…" after the measures.
    tail = _joined(closing) if closing else None
    if tail:
        sm = re.search(r"(以上[^。]*适用于[^。]*。)", tail.text)
        if sm:
            info.values["scope_text"] = sm.group(1)
            info.spans["scope_text"] = tail.span(sm.start(1), sm.end(1))
    return info
