"""Sections, measures and the parts of a measure, from the labels as printed.

The measure level is chosen from the labels the notice uses (第X条 > (一) > 一、 > 1.), the
section level is the one above it; a short heading line without a number between measures is
a section too (flagged). Inside a measure: the body, 责任单位/责任部门, sub-items (a numbered or
"…：" line followed by contacts), 办理流程 steps, contact lines, and what is left (kept verbatim).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional

from actions.notice_import import labels
from actions.notice_import.paragraphs import Para

MEASURE_STYLES = ["article", "paren_cn", "cn_dun", "num"]
SECTION_ABOVE = {
    "article": ["chapter", "cn_dun"],
    "paren_cn": ["cn_dun"],
    "cn_dun": ["chapter"],
    "num": ["cn_dun", "paren_cn"],
}
CLOSING = re.compile(
    r"^(附[:：]|附表|以上(政策|措施|各项|条款)|本(措施|细则|通知|办法|意见|方案|规定|政策)[^，。]{0,6}(自|由|有效|解释|执行)|附件[:：\d]|抄送|（此件|\(此件)"
)
DATE_ONLY = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日(印发)?$")
CONTACT_KEY = re.compile(
    r"(联系科室|联系处室|联系部门|联系单位|联系人|联系电话|联系方式|办公电话|咨询电话|手机|电话|电子邮箱|邮箱|E-?mail|email)[:：]",
    re.I,
)
RESP = re.compile(r"[(（]?(责任单位|主责单位|责任部门|牵头单位|责任处室)[:：]([^()（）]*)[)）]?")
PROCEDURE_HEAD = re.compile(r"^(办理流程|申请流程|办理程序|申报流程|办理方式)[:：]$")
PUNCT = set("，。；：:、,（）()《》“”\"'！？!?;<>〈〉-—.")


@dataclass
class Section:
    text: str
    para: Optional[Para]
    numbered: bool
    preamble: List[Para] = field(default_factory=list)


@dataclass
class Block:
    style: str
    label: str
    number: int
    paras: List[Para]
    section: Optional[Section] = None


@dataclass
class Layout:
    header: List[Para]
    sections: List[Section]
    measures: List[Block]
    closing: List[Para]
    measure_style: Optional[str]
    notes: List[str] = field(default_factory=list)


def _is_heading_line(p: Para) -> bool:
    return (
        len(p.text) <= 24
        and not any(c in PUNCT for c in p.text)
        and not labels.parse_label(p.text)
        and all("\u4e00" <= c <= "\u9fff" for c in p.text)
    )


def _is_signature(paras: List[Para], i: int) -> bool:
    p = paras[i]
    if DATE_ONLY.match(p.text):
        return True
    nxt = paras[i + 1].text if i + 1 < len(paras) else ""
    return _is_heading_line(p) and bool(DATE_ONLY.match(nxt))


def choose_measure_style(paras: List[Para]) -> Optional[str]:
    found = {}
    for p in paras:
        parsed = labels.parse_label(p.text)
        if parsed:
            found.setdefault(parsed[0], []).append(parsed[2])
    for style in MEASURE_STYLES:
        nums = found.get(style, [])
        # a run 1, 2, ... of at least two labels
        run, best = 0, 0
        for n in nums:
            run = run + 1 if n == run + 1 else (1 if n == 1 else run)
            best = max(best, run)
        if best >= 2:
            return style
    return None


def segment(paras: List[Para]) -> Layout:
    style = choose_measure_style(paras)
    layout = Layout([], [], [], [], style)
    if style is None:
        layout.header = paras
        layout.notes.append("未识别出编号的措施（第X条、（一）、一、或1.），请人工拆分。")
        return layout
    section_styles = SECTION_ABOVE.get(style, [])
    expected = 1
    current: Optional[Block] = None
    section: Optional[Section] = None
    i = 0
    while i < len(paras):
        p = paras[i]
        parsed = labels.parse_label(p.text)
        started = bool(layout.measures)
        if started and (CLOSING.match(p.text) or _is_signature(paras, i)):
            layout.closing = paras[i:]
            break
        if parsed and parsed[0] == style and parsed[2] == expected:
            current = Block(style, parsed[1], parsed[2], [p], section)
            layout.measures.append(current)
            expected += 1
        elif (
            parsed and parsed[0] in section_styles and (parsed[0] == "chapter" or current is None or style != "article")
        ):
            section = Section(p.text, p, True)
            layout.sections.append(section)
            current = None
        elif (
            _is_heading_line(p)
            and any("。" in q.text or q.text.endswith("：") for q in paras[:i])
            and _next_is_measure(paras, i, style, expected)
        ):
            # a heading line without a number, once the body has begun (a title comes before the addressees)
            section = Section(p.text, p, False)
            layout.sections.append(section)
            current = None
        elif current is not None:
            current.paras.append(p)
        elif section is not None:
            section.preamble.append(p)
        else:
            layout.header.append(p)
        i += 1
    return layout


def _next_is_measure(paras: List[Para], i: int, style: str, expected: int) -> bool:
    for k in (i + 1, i + 2):
        if k >= len(paras):
            return False
        parsed = labels.parse_label(paras[k].text)
        if parsed and parsed[0] == style and parsed[2] == expected:
            return True
        if parsed or CONTACT_KEY.search(paras[k].text) or _is_heading_line(paras[k]):
            return False
    return False


# ---------------------------------------------------------------- inside a measure


@dataclass
class Part:
    kind: str  # body | resp | procedure | step | subitem | contact | deadline | other
    para: Para
    start: int = 0  # compact index in para where the part's content starts (after its label)
    value: str = ""


def measure_parts(block: Block) -> List[Part]:
    """Classify the paragraphs of a measure."""
    parts: List[Part] = []
    first = block.paras[0]
    parts.append(Part("body", first, len(block.label)))
    structure_seen = False
    in_procedure = False
    rest = block.paras[1:]
    for k, p in enumerate(rest):
        t = p.text
        nxt = rest[k + 1].text if k + 1 < len(rest) else ""
        parsed = labels.parse_label(t)
        if RESP.fullmatch(t) or (RESP.match(t) and len(t) < 80 and not CONTACT_KEY.search(t)):
            parts.append(Part("resp", p))
            structure_seen = True
            continue
        if PROCEDURE_HEAD.match(t):
            parts.append(Part("procedure", p))
            in_procedure = True
            structure_seen = True
            continue
        key = CONTACT_KEY.search(t)
        if key and key.start() <= 30 and "。" not in t[: key.start()]:
            # a contact line starts with its key or a short unit/sub-item before it; a key deep in a
            # sentence (…电子版发邮箱：…) belongs to a step or the text and is read as a stray number
            in_procedure = False
            parts.append(Part("contact", p))
            structure_seen = True
            continue
        if parsed and parsed[0] in ("cn_dun", "paren_cn") and not structure_seen:
            parts.append(Part("body", p))  # clauses of an article: 第三条 … （一）… （二）…
            continue
        if parsed and parsed[0] in ("num", "paren_num", "cn_dun", "paren_cn"):
            start = len(parsed[1])
            next_parsed = labels.parse_label(nxt)
            next_is_step = bool(next_parsed and next_parsed[0] == parsed[0] and not CONTACT_KEY.search(nxt))
            prev_is_step = bool(parts and parts[-1].kind == "step")
            if in_procedure or next_is_step or prev_is_step:
                parts.append(Part("step", p, start))
            else:
                parts.append(Part("subitem", p, start))
            structure_seen = True
            continue
        in_procedure = False
        if re.search(r"(申请|申报|办理)[^。]*(截止|截至)\d{4}年\d{1,2}月\d{1,2}日", t):
            parts.append(Part("deadline", p))
            continue
        if t.endswith(("：", ":")) and len(t) <= 40:
            parts.append(Part("subitem", p))
            structure_seen = True
            continue
        parts.append(Part("other" if structure_seen else "body", p))
    return parts
