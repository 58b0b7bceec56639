"""Assemble the draft: the document, its measures, ``notes`` and ``spans``; write it out.

Draft layout (validated by the same loader as the curated files):

    document:  …                         the schema's document block
    measures:  […]                       the schema's measures
    notes:     […]                       document-level review notes (what was not found / not parsed)
    spans:     {field path: [start, end]}  where each extracted value is printed in the source copy
                                         (character offsets, end exclusive), e.g. ``ab7-03.contacts[0].phones[0]``
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from actions.knowledge_base import DEFAULT_KB_DIR, Taxonomy, load_taxonomy
from actions.notice_import import contacts as contacts_mod
from actions.notice_import import figures, segment
from actions.notice_import.document import read_document
from actions.notice_import.paragraphs import paragraphs
from actions.notice_import.reading import read_notice
from actions.notice_import.tables import Table, find_tables
from actions.notice_import.topics import topics_for

Span = Tuple[int, int]
DEFAULT_OUT = DEFAULT_KB_DIR / "drafts"
SUMMARY_NOTE = "summary 暂取正文首句（原文），请改写为一句简短说明；keywords、industries 未生成，请按需补充。"


@dataclass
class ImportResult:
    data: Dict
    source_text: str
    yaml_path: Optional[Path] = None
    source_path: Optional[Path] = None
    review_path: Optional[Path] = None
    problems: List[str] = field(default_factory=list)


def known_districts(taxonomy: Taxonomy) -> List[str]:
    values = list((taxonomy.facts.get("district") or {}).get("values") or [])
    values += [k for k in taxonomy.synonyms if k.endswith(("区", "县"))]
    return sorted(set(values), key=len, reverse=True)


def default_doc_id(info: Dict[str, str], taxonomy: Taxonomy) -> str:
    district = info.get("district", "")
    ascii_names = [v for v in taxonomy.synonyms.get(district, []) if re.fullmatch(r"[a-z]+", str(v))]
    prefix = ascii_names[0] if ascii_names else "doc"
    m = re.search(r"[〔\[［【(（](\d{4})[〕\]］】)）](\d{1,4})号", info.get("doc_number", ""))
    if m:
        return f"{prefix}-{m.group(1)}-{int(m.group(2))}"
    year = (info.get("issued") or "0000")[:4]
    return f"{prefix}-{year}-1"


def measure_prefix(doc_id: str) -> str:
    m = re.fullmatch(r"([a-z]+)-\d{4}-(\d+)", doc_id)
    return f"{m.group(1)}{m.group(2)}" if m else re.sub(r"[^a-z0-9]", "", doc_id.lower()) or "m1"


def draft_notice(
    source_text: str, taxonomy: Taxonomy, doc_id: Optional[str] = None, source_file: Optional[str] = None
) -> Dict:
    """The draft as a dict (document, measures, notes, spans) for a notice's text."""
    all_paras = paragraphs(source_text)
    tables = find_tables(source_text, all_paras)
    in_table = {i for t in tables for i in t.paras}
    paras = [p for i, p in enumerate(all_paras) if i not in in_table]
    layout = segment.segment(paras)
    info = read_document(layout.header, layout.closing, paras, known_districts(taxonomy))
    doc_id = doc_id or default_doc_id(info.values, taxonomy)
    spans: Dict[str, List[int]] = {}
    notes: List[str] = list(info.notes) + list(layout.notes)

    document = {"id": doc_id}
    for key in ("doc_number", "issuer", "title", "district", "issued", "valid_until", "validity_text"):
        if key in info.values:
            document[key] = info.values[key]
            spans[f"document.{key}"] = list(info.spans[key])
    for key, placeholder in (
        ("doc_number", "（待补：原文未见文号）"),
        ("issuer", "（待补：原文未见发文机关）"),
        ("title", "（待补：原文未见标题）"),
        ("district", "（待补）"),
        ("issued", "1900-01-01"),
    ):
        document.setdefault(key, placeholder)
    document["source_file"] = source_file or f"sources/{doc_id}.txt"
    if "scope_text" in info.values:
        document["scope_text"] = info.values["scope_text"]
        spans["document.scope_text"] = list(info.spans["scope_text"])
    year = document["issued"][:4]

    prefix = measure_prefix(doc_id)
    measures = []
    built = []
    for n, block in enumerate(layout.measures, 1):
        mid = f"{prefix}-{n:02d}"
        m, mspans, own = _measure(block, mid, taxonomy, document.get("district"), year)
        measures.append(m)
        built.append((block, own))
        spans.update({f"{mid}.{k}": list(v) for k, v in mspans.items()})
    _share_group_contacts(measures, built, spans)
    for table in tables:
        notes += _attach_table(table, measures, spans)
    _flag_person_numbers(measures)
    if measures:
        notes.append(SUMMARY_NOTE)
    untitled = [m["label"] for m in measures if any("原文本条无标题" in x for x in m.get("notes", []))]
    if untitled:
        notes.append(f"{'、'.join(untitled)} 原文无标题，title 暂取正文首句，请改写。")
    return {"document": document, "measures": measures, "notes": notes, "spans": spans}


def _first_sentence(text: str) -> str:
    m = re.match(r"^(.+?[。；])", text)
    return (m.group(1) if m else text)[:60].rstrip("。；")


def _measure(block: segment.Block, mid: str, taxonomy: Taxonomy, district: Optional[str], year: str):
    parts = segment.measure_parts(block)
    spans: Dict[str, Span] = {}
    notes: List[str] = []
    first = parts[0].para
    spans["label"] = first.span(0, len(block.label))
    body_start = parts[0].start

    # responsible units in the body's （责任单位：…） parenthesis, and where the body ends
    units, where = contacts_mod.responsible_units(first)
    body_end = where[0] if where else len(first.text)
    body_paras = [(first, body_start, body_end)]
    for p in parts[1:]:
        if p.kind == "body":
            u, w = contacts_mod.responsible_units(p.para)
            if u and not units:
                units = u
            body_paras.append((p.para, 0, w[0] if w else len(p.para.text)))
        else:
            break
    text = "".join(pp.text[s:e] for pp, s, e in body_paras)
    spans["text"] = (first.span(body_start, body_start + 1)[0], body_paras[-1][0].span(0, max(1, body_paras[-1][2]))[1])

    # title: a short first sentence printed as a heading, followed by more text
    head = re.match(r"^([^，。；,]{2,32})[。]", first.text[body_start:body_end])
    if head and len(text) > len(head.group(0)) + 2:
        title = head.group(1)
        spans["title"] = first.span(body_start, body_start + len(title))
    else:
        title = re.match(r"^([^，。；]{1,40})", text).group(1) if re.match(r"^([^，。；]{1,40})", text) else text[:40]
        spans["title"] = first.span(body_start, body_start + len(title))
        notes.append("原文本条无标题；title 暂取正文首句的第一个分句，请改写为简短标题。")

    m: Dict = {"id": mid, "label": block.label}
    if block.section:
        m["section"] = block.section.text
        if block.section.para is not None:
            spans["section"] = block.section.para.span()
        if not block.section.numbered:
            notes.append(f"原文该组标题“{block.section.text}”未标序号，按原文保留。")
    m["title"] = title
    m["topics"] = topics_for(title, text, taxonomy.topics)
    if not m["topics"]:
        m["topics"] = [next(iter(taxonomy.topics))]
        notes.append(f"未能从 taxonomy.yml 的关键词判断主题，topics 暂填 {m['topics'][0]}，请改正。")
    m["summary"] = (
        _first_sentence(text[len(title) + 1 :] if "title" in spans and text.startswith(title + "。") else text) or title
    )
    m["text"] = text

    # eligibility and conditions: the section's opening paragraph and the measure's own text
    conds, cond_spans = [], []
    elig_text = None
    if block.section and block.section.preamble:
        pre = block.section.preamble[0]
        elig_text = pre.text
        spans["eligibility.text"] = pre.span()
        notes.append("eligibility.text 取自本组首段（原文），该段适用于本组各条，请核对。")
        for c, cs in figures.conditions(pre, 0, len(pre.text), taxonomy.facts, district):
            conds.append(c)
            cond_spans.append(cs)
    for pp, s, e in body_paras:
        for c, cs in figures.conditions(pp, s, e, taxonomy.facts, district):
            if not any(c["fact"] == x["fact"] and c.get("value") == x.get("value") for x in conds):
                conds.append(c)
                cond_spans.append(cs)
    if elig_text or conds:
        m["eligibility"] = {}
        if elig_text:
            m["eligibility"]["text"] = elig_text
        if conds:
            m["eligibility"]["conditions"] = conds
            for i, cs in enumerate(cond_spans):
                for k, v in cs.items():
                    spans[f"eligibility.conditions[{i}].{k}"] = v

    benefits = []
    for pp, s, e in body_paras:
        benefits += figures.benefits(pp, s, e, year)
    if benefits:
        m["benefits"] = []
        seen: Dict[str, int] = {}
        for i, (b, bs) in enumerate(benefits):
            base = b["kind"].replace("_", "-")
            seen[base] = seen.get(base, 0) + 1
            b = {"id": base if seen[base] == 1 else f"{base}-{seen[base]}", **b}
            m["benefits"].append(b)
            for k, v in bs.items():
                spans[f"benefits[{i}].{k}"] = v

    # the rest: units, sub-items, steps, contacts
    reader = contacts_mod.ContactReader(units, block.label)
    steps: List[Tuple[str, Span]] = []
    urls: List[Tuple[str, Span]] = []
    deadline = None
    for part in parts[1:]:
        p = part.para
        if part.kind == "body":
            continue
        if part.kind == "resp":
            u, _ = contacts_mod.responsible_units(p)
            reader.add_item_units(u)
            continue
        if part.kind == "subitem":
            t0 = part.start
            t1 = len(p.text)
            while t1 > t0 and p.text[t1 - 1] in "。：:；;":
                t1 -= 1
            reader.set_item(contacts_mod.Fact(p.text[t0:t1], p.span(t0, t1)))
            continue
        if part.kind == "step":
            t1 = len(p.text)
            while t1 > part.start and p.text[t1 - 1] in "。；;，":
                t1 -= 1
            steps.append((p.text[part.start : t1], p.span(part.start, t1)))
            for um in re.finditer(r"(?:https?://|www\.)[A-Za-z0-9./_-]+", p.text):
                urls.append((um.group(0).rstrip("."), p.span(um.start(), um.end())))
            reader.stray(p, part.start)
            continue
        if part.kind == "contact":
            reader.read(p, part.start)
            continue
        if part.kind == "deadline":
            deadline = p
            continue
        if part.kind == "procedure":
            continue
        notes.append(f"未解析的原文（按原文保留，请核对）：{p.text}")
    for pp, s, e in body_paras:
        reader.stray(pp, s)
        for um in re.finditer(r"(?:https?://|www\.)[A-Za-z0-9./_-]+", pp.text[s:e]):
            urls.append((um.group(0).rstrip("."), pp.span(s + um.start(), s + um.end())))
    out = reader.out
    if steps or urls or deadline:
        app: Dict = {}
        if steps:
            app["steps"] = [s for s, _ in steps]
            for i, (_, sp) in enumerate(steps):
                spans[f"application.steps[{i}]"] = sp
        if urls:
            app["urls"] = [u for u, _ in urls]
            for i, (_, sp) in enumerate(urls):
                spans[f"application.urls[{i}]"] = sp
        if deadline is not None:
            app["deadline_text"] = deadline.text
            spans["application.deadline_text"] = deadline.span()
            d = re.search(r"(?:截止|截至)(\d{4})年(\d{1,2})月(\d{1,2})日", deadline.text)
            app["deadline"] = f"{int(d.group(1)):04d}-{int(d.group(2)):02d}-{int(d.group(3)):02d}"
            spans["application.deadline"] = deadline.span(d.start(1), d.end())
        m["application"] = app
    if out.responsible_units:
        m["responsible_units"] = [u.value for u in out.responsible_units]
        for i, u in enumerate(out.responsible_units):
            spans[f"responsible_units[{i}]"] = u.span
    contacts = []
    for c in out.contacts:
        if c.unit is None:
            notes.append(
                f"联系方式（{'、'.join(x.value for x in c.persons + c.phones + c.emails)}）未写明所属单位，也无责任单位可依，未收录，请补充。"
            )
            continue
        contacts.append(c)
    for c in list(contacts):
        split = c.office and len(c.office.value.split("、")) == len(c.persons) == len(c.phones) >= 2 and not c.emails
        if len(c.persons) >= 2 and len(c.phones) >= 2 and not split:
            out.notes.append(
                f"原文联系人（{'、'.join(x.value for x in c.persons)}）与电话（{'、'.join(x.value for x in c.phones)}）并列列出，未写明一一对应关系，按原文保留在同一条联系方式中。"
            )
    contacts = _split_parallel(contacts, out.notes)
    if contacts:
        m["contacts"] = []
        for i, c in enumerate(contacts):
            d: Dict = {}
            if c.item:
                d["item"] = c.item.value
                spans[f"contacts[{i}].item"] = c.item.span
            d["unit"] = c.unit.value
            spans[f"contacts[{i}].unit"] = c.unit.span
            if c.office:
                d["office"] = c.office.value
                spans[f"contacts[{i}].office"] = c.office.span
            for key in ("persons", "phones", "emails"):
                vals = getattr(c, key)
                d[key] = [v.value for v in vals]
                for j, v in enumerate(vals):
                    spans[f"contacts[{i}].{key}[{j}]"] = v.span
            if c.note:
                d["note"] = c.note.value
                spans[f"contacts[{i}].note"] = c.note.span
            m["contacts"].append(d)
    notes += [n for n in out.notes if n not in notes]
    if notes:
        m["notes"] = notes
    return m, spans, bool(out.responsible_units or contacts)


def _attach_table(table: Table, measures: List[Dict], spans: Dict) -> List[str]:
    """Contacts from a table: to the measure its 事项 column names, else to the measures whose
    responsible units include the row's unit; a row that fits no measure is left in the notes."""
    from actions.kb_schema import PHONE_PATTERN
    from actions.text_tools import compact

    notes = []
    for r, row in enumerate(table.rows, 1):
        cells = {col: cell for col, cell in zip(table.columns, row)}
        printed = "  ".join(text for text, _ in row)
        unit = cells.get("unit")
        targets = []
        if "measure" in cells:
            key = compact(cells["measure"][0])
            targets = [
                m
                for m in measures
                if key.startswith(compact(m["label"]))
                or compact(m["label"]) == key
                or (len(m["title"]) >= 4 and m["title"] in key)
            ]
        elif unit:
            targets = [m for m in measures if unit[0] in (m.get("responsible_units") or [])]
        if not targets or not unit:
            notes.append(f"联系表第{r}行“{printed}”未能对应到措施或未写单位，未收录，请核对。")
            continue
        for m in targets:
            contact: Dict = {"unit": unit[0]}
            cs: Dict[str, Span] = {"unit": unit[1]}
            if "office" in cells:
                contact["office"] = cells["office"][0]
                cs["office"] = cells["office"][1]
            for key, rx in (
                ("persons", r"[^、，,；;\s]+"),
                ("phones", r"\d[\d-]*\d"),
                ("emails", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
            ):
                contact[key] = []
                if key not in cells:
                    continue
                text, (s0, _) = cells[key]
                for tok in re.finditer(rx, text):
                    if key == "phones" and not re.fullmatch(PHONE_PATTERN, tok.group(0)):
                        m.setdefault("notes", []).append(
                            f"联系表第{r}行电话“{tok.group(0)}”格式异常，未收录为号码，请核对。"
                        )
                        continue
                    cs[f"{key}[{len(contact[key])}]"] = (s0 + tok.start(), s0 + tok.end())
                    contact[key].append(tok.group(0))
            m.setdefault("contacts", [])
            i = len(m["contacts"])
            m["contacts"].append(contact)
            for k, v in cs.items():
                spans[f"{m['id']}.contacts[{i}].{k}"] = list(v)
            note = f"联系方式取自文末联系表第{r}行{'（按单位对应到本条责任单位）' if 'measure' not in cells else ''}，请核对。"
            if note not in m.get("notes", []):
                m.setdefault("notes", []).append(note)
    return notes


def _split_parallel(contacts, notes):
    """联系科室：A、B 联系人：甲、乙 联系电话：1、2 — equal counts, split in printed order (noted)."""
    out = []
    for c in contacts:
        offices = c.office.value.split("、") if c.office else []
        n = len(offices)
        if n >= 2 and len(c.persons) == n and len(c.phones) == n and not c.emails:
            notes.append(
                f"原文“联系科室：{c.office.value} 联系人：{'、'.join(p.value for p in c.persons)} 联系电话：{'、'.join(p.value for p in c.phones)}”按印刷顺序拆为{n}条，请核对对应关系。"
            )
            c.office.span[0]
            for k in range(n):
                o = offices[k]
                out.append(
                    contacts_mod.Contact(
                        unit=c.unit,
                        office=contacts_mod.Fact(o, c.office.span),
                        item=c.item,
                        persons=[c.persons[k]],
                        phones=[c.phones[k]],
                        note=c.note,
                    )
                )
        else:
            out.append(c)
    return out


def _share_group_contacts(measures, built, spans):
    """6号 style: contacts printed after the last measure of a group serve the measures before it."""
    i = 0
    while i < len(measures):
        j = i
        while j < len(measures) and not built[j][1] and built[j][0].section is built[i][0].section:
            j += 1
        if j > i and j < len(measures) and built[j][0].section is built[i][0].section and built[j][1]:
            donor = measures[j]
            note = f"联系方式与责任单位在原文中印于{donor['label']}之后，为{measures[i]['label']}至{donor['label']}共用（按原文位置推定，请核对）。"
            for k in range(i, j):
                m = measures[k]
                for key in ("responsible_units", "contacts"):
                    if key in donor:
                        m[key] = [dict(x) if isinstance(x, dict) else x for x in donor[key]]
                for path, sp in list(spans.items()):
                    if path.startswith(donor["id"] + ".contacts[") or path.startswith(
                        donor["id"] + ".responsible_units["
                    ):
                        spans[m["id"] + path[len(donor["id"]) :]] = sp
                m.setdefault("notes", []).append(note)
            donor.setdefault("notes", []).append(note)
            i = j + 1
        else:
            i = max(j, i + 1)


def _flag_person_numbers(measures):
    phones: Dict[str, List[Tuple[str, set]]] = {}
    for m in measures:
        for c in m.get("contacts") or []:
            if len(c.get("persons") or []) == 1 and c.get("phones"):
                phones.setdefault(c["persons"][0], []).append((m["id"], set(c["phones"])))
    for person, seen in phones.items():
        sets = [s for _, s in seen]
        if any(not (a & b) for a in sets for b in sets):
            numbers = "、".join(sorted({p for s in sets for p in s}))
            labels = {m["id"]: m["label"] for m in measures}
            where = "、".join(dict.fromkeys(labels[mid] for mid, _ in seen))
            note = (
                f"联系人{person}在本文件不同位置的电话不一致（{numbers}，见{where}），均按原文保留，未作更正，请核对。"
            )
            for m in measures:
                if m["id"] in {mid for mid, _ in seen} and note not in m.get("notes", []):
                    m.setdefault("notes", []).append(note)


# ------------------------------------------------------------------------------ files


def _avoid_live_ids(data: Dict, kb_dir: Path) -> None:
    """After drafting: if another live document already uses these measure ids (ab1-01 of one year and
    of the next), put the year's last two digits in the prefix. Only the ids of other files are read."""
    doc_id = data["document"]["id"]
    taken = set()
    for path in Path(kb_dir).glob("*.yml"):
        if path.stem == doc_id:
            continue
        taken |= set(re.findall(r"^\s*-?\s*id:\s*([a-z]+[0-9]+-[0-9]{2})\s*$", path.read_text(encoding="utf-8"), re.M))
    ids = [m["id"] for m in data["measures"]]
    if not taken & set(ids):
        return
    m = re.fullmatch(r"([a-z]+)-\d{2}(\d{2})-(\d+)", doc_id)
    prefix = f"{m.group(1)}{m.group(2)}{m.group(3)}" if m else measure_prefix(doc_id) + "0"
    renames = {old: f"{prefix}-{old.rsplit('-', 1)[1]}" for old in ids}
    for measure in data["measures"]:
        measure["id"] = renames[measure["id"]]
    data["spans"] = {
        (renames.get(k.split(".", 1)[0], k.split(".", 1)[0]) + "." + k.split(".", 1)[1]): v
        for k, v in data["spans"].items()
    }
    data["notes"].append(f"措施编号改用前缀 {prefix}（{ids[0].rsplit('-', 1)[0]} 已被其他文件使用）。")


def dump_yaml(data: Dict) -> str:
    head = (
        "# DRAFT written by `python -m actions.kb import` — review before it goes live.\n"
        "# spans: [start, end] character offsets of each value in the source copy (document.source_file).\n"
    )
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)


def import_notice(
    path: Path,
    out_dir: Path = None,
    doc_id: Optional[str] = None,
    kb_dir: Path = None,
    compare_with: Optional[Path] = None,
    review: bool = True,
) -> ImportResult:
    """Read a notice, write ``<out>/<id>.yml``, ``<out>/sources/<id>.txt`` and ``<out>/<id>.review.html``."""
    from actions.notice_import import checks, compare
    from actions.notice_import import review as review_mod

    kb_dir = Path(kb_dir or DEFAULT_KB_DIR)
    out_dir = Path(out_dir or DEFAULT_OUT)
    taxonomy = load_taxonomy(kb_dir)
    text = read_notice(Path(path))
    data = draft_notice(text, taxonomy, doc_id)
    doc_id = data["document"]["id"]
    _avoid_live_ids(data, kb_dir)
    data["document"]["source_file"] = f"sources/{doc_id}.txt"
    (out_dir / "sources").mkdir(parents=True, exist_ok=True)
    result = ImportResult(data, text)
    result.source_path = out_dir / "sources" / f"{doc_id}.txt"
    result.source_path.write_text(text, encoding="utf-8")
    if Path(path).suffix.lower() in (".docx", ".pdf"):
        shutil.copyfile(path, out_dir / "sources" / f"{doc_id}{Path(path).suffix.lower()}")
    result.yaml_path = out_dir / f"{doc_id}.yml"
    result.yaml_path.write_text(dump_yaml(data), encoding="utf-8")
    result.problems = checks.problems(data, text, taxonomy) + checks.validate(result.yaml_path, taxonomy)
    if review:
        curated = Path(compare_with) if compare_with else kb_dir / f"{doc_id}.yml"
        diff = (
            compare.compare(data, compare.load_curated(curated))
            if curated.is_file() and curated.resolve() != result.yaml_path.resolve()
            else None
        )
        result.review_path = out_dir / f"{doc_id}.review.html"
        result.review_path.write_text(
            review_mod.render(data, text, diff, result.problems, curated if diff else None), encoding="utf-8"
        )
    return result
