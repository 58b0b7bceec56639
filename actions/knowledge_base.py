"""Load and query the policy knowledge base in ``policies_kb/`` (pure Python, no Rasa).

Every document file is validated against ``actions.kb_schema`` and the taxonomy; a bad file is
refused with an error naming the file, the measure id and the field.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import jsonschema
import yaml

from actions.kb_schema import DOCUMENT_FILE

DEFAULT_KB_DIR = Path(os.environ.get("POLICY_KB_DIR", Path(__file__).resolve().parent.parent / "policies_kb"))
TAXONOMY_FILE = "taxonomy.yml"
CURATION_FILE = "curation.yml"  # curators' out-of-scope wordings (python -m actions.kb out-of-scope)
SPECIAL_FILES = {TAXONOMY_FILE, CURATION_FILE}


class KBError(ValueError):
    """One problem in one KB file: where it is (file, measure, field) and what is wrong."""

    def __init__(self, file: str, message: str, measure_id: Optional[str] = None, field: Optional[str] = None):
        self.file, self.message, self.measure_id, self.field = file, message, measure_id, field
        where = [file]
        if measure_id:
            where.append(f"measure {measure_id}")
        if field:
            where.append(f"field {field}")
        super().__init__(": ".join(where) + f": {message}")


class KBValidationError(ValueError):
    """All problems found while loading; ``errors`` lists them."""

    def __init__(self, errors: List[KBError]):
        self.errors = errors
        super().__init__("invalid policy knowledge base:\n" + "\n".join(f"  - {e}" for e in errors))


@dataclass(frozen=True)
class Taxonomy:
    groups: Dict[str, str]
    topics: Dict[str, Dict[str, Any]]
    facts: Dict[str, Dict[str, Any]]
    synonyms: Dict[str, List[str]]
    other_places: List[str] = field(default_factory=list)  # places no notice in the KB covers
    english: Dict[str, List[str]] = field(default_factory=dict)  # Chinese term -> English phrases
    industry_groups: Dict[str, List[str]] = field(default_factory=dict)  # 生活性服务业 -> [餐饮, …]
    industry_units: Dict[str, List[str]] = field(default_factory=dict)  # 区商务局 -> [餐饮, 商场, …]
    other_industries: Dict[str, List[str]] = field(default_factory=dict)  # 制造业 -> [加工厂, …]: in no list

    def topic_label(self, topic: str) -> str:
        if topic in self.topics:
            return self.topics[topic]["label"]
        return self.groups.get(topic, topic)

    def expand_topic(self, topic_or_group: str) -> List[str]:
        """A topic id gives itself; a group id gives all its topics."""
        if topic_or_group in self.topics and topic_or_group not in self.groups:
            return [topic_or_group]
        members = [t for t, spec in self.topics.items() if spec.get("group") == topic_or_group]
        if topic_or_group in self.topics and topic_or_group not in members:
            members.insert(0, topic_or_group)
        return members

    def canonical(self, value: str) -> str:
        """Map a short form (国企, 西城) to its canonical value (区属国有企业, 西城区)."""
        value = (value or "").strip()
        if value in self.synonyms:
            return value
        for canon, variants in self.synonyms.items():
            if value in variants:
                return canon
        return value


@dataclass(frozen=True)
class Document:
    id: str
    doc_number: str
    issuer: str
    title: str
    district: str
    issued: str
    source_file: str
    source_text: str
    valid_until: Optional[str] = None
    validity_text: Optional[str] = None
    scope_text: Optional[str] = None
    path: str = ""


@dataclass
class Measure:
    id: str
    label: str
    title: str
    topics: List[str]
    summary: str
    text: str
    document: Document
    section: str = ""
    keywords: List[str] = field(default_factory=list)
    examples: List[str] = field(default_factory=list)  # curated question wordings (python -m actions.kb attach)
    primary: bool = False
    industries: List[str] = field(default_factory=list)
    eligibility: Dict[str, Any] = field(default_factory=dict)
    benefits: List[Dict[str, Any]] = field(default_factory=list)
    application: Dict[str, Any] = field(default_factory=dict)
    responsible_units: List[str] = field(default_factory=list)
    contacts: List[Dict[str, Any]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    @property
    def district(self) -> str:
        return self.document.district

    @cached_property
    def printed(self) -> str:
        """Everything the notice prints for the measure: its text, title and benefits' text."""
        return self.text + self.title + "".join(b.get("text", "") for b in self.benefits)

    @property
    def conditions(self) -> List[Dict[str, Any]]:
        return list(self.eligibility.get("conditions") or [])

    @property
    def article(self) -> str:
        """The notice and article as printed: 西政办发〔2020〕1号第(十三)条; a label already reading
        第X条 is not wrapped again."""
        label = self.label if re.match(r"^第.+条$", self.label) else f"第{self.label}条"
        return f"{self.document.doc_number}{label}"

    @property
    def citation(self) -> str:
        """Source reference as users see it: 文号, article, date."""
        return f"{self.article}，{self.document.issued}"

    def benefit(self, benefit_id: str) -> Optional[Dict[str, Any]]:
        return next((b for b in self.benefits if b["id"] == benefit_id), None)

    def benefits_of_kind(self, *kinds: str) -> List[Dict[str, Any]]:
        return [b for b in self.benefits if b["kind"] in kinds]


@dataclass(frozen=True)
class ContactHit:
    measure: Measure
    contact: Dict[str, Any]


class KnowledgeBase:
    def __init__(
        self,
        documents: Dict[str, Document],
        measures: Dict[str, Measure],
        taxonomy: Taxonomy,
        out_of_scope: Optional[List[str]] = None,
    ):
        self.documents = documents
        self.measures = measures
        self.taxonomy = taxonomy
        self.out_of_scope = list(out_of_scope or [])  # wordings curators marked out of scope

    def __len__(self) -> int:
        return len(self.measures)

    def __iter__(self):
        return iter(self.measures.values())

    @property
    def districts(self) -> List[str]:
        return sorted({d.district for d in self.documents.values()})

    def get(self, measure_id: str) -> Optional[Measure]:
        return self.measures.get(measure_id)

    def measures_of(self, document_id: str) -> List[Measure]:
        """The measures of one notice, in printed order."""
        return [m for m in self.measures.values() if m.document.id == document_id]

    def filter(
        self, district: Optional[str] = None, topic: Optional[str] = None, industry: Optional[str] = None
    ) -> List[Measure]:
        """Measures matching every given criterion (topic may be a group id, e.g. ``finance``)."""
        result = list(self.measures.values())
        if district:
            district = self.taxonomy.canonical(district)
            result = [m for m in result if m.district == district]
        if topic:
            wanted = set(self.taxonomy.expand_topic(topic))
            result = [m for m in result if wanted & set(m.topics)]
        if industry:
            industry = self.taxonomy.canonical(industry)
            result = [m for m in result if industry in m.industries]
        return result

    def contacts(
        self,
        unit: Optional[str] = None,
        office: Optional[str] = None,
        person: Optional[str] = None,
        topic: Optional[str] = None,
        district: Optional[str] = None,
        measure_id: Optional[str] = None,
    ) -> List[ContactHit]:
        """Contacts matching every given criterion; unit/office/person match by substring."""
        measures = [self.measures[measure_id]] if measure_id else self.filter(district=district, topic=topic)
        unit = self.taxonomy.canonical(unit) if unit else None
        hits = []
        for m in measures:
            for c in m.contacts:
                if unit and unit not in c["unit"] and c["unit"] not in unit:
                    continue
                if office and office not in c.get("office", ""):
                    continue
                if person and not any(person in p for p in c.get("persons", [])):
                    continue
                hits.append(ContactHit(m, c))
        return hits


def _stringify_dates(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _stringify_dates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_stringify_dates(v) for v in node]
    if isinstance(node, (_dt.date, _dt.datetime)):
        return node.isoformat()
    return node


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return _stringify_dates(yaml.safe_load(fh))
    except UnicodeDecodeError as exc:
        raise KBError(path.name, f"文件不是UTF-8编码（第{exc.start}字节），请用UTF-8另存") from exc
    except OSError as exc:
        raise KBError(path.name, f"文件无法读取：{exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise KBError(path.name, f"YAML syntax error{where}: {getattr(exc, 'problem', exc)}") from exc


def load_taxonomy(kb_dir: Path) -> Taxonomy:
    raw = _read_yaml(Path(kb_dir) / TAXONOMY_FILE) or {}
    return Taxonomy(
        groups=raw.get("groups") or {},
        topics=raw.get("topics") or {},
        facts=raw.get("facts") or {},
        synonyms={k: list(v or []) for k, v in (raw.get("synonyms") or {}).items()},
        other_places=[str(p) for p in raw.get("other_places") or []],
        english={k: [str(p).lower() for p in v or []] for k, v in (raw.get("english") or {}).items()},
        industry_groups={k: [str(i) for i in v or []] for k, v in (raw.get("industry_groups") or {}).items()},
        industry_units={k: [str(i) for i in v or []] for k, v in (raw.get("industry_units") or {}).items()},
        other_industries={k: [str(i) for i in v or []] for k, v in (raw.get("other_industries") or {}).items()},
    )


def _schema_errors(file: str, data: Any) -> List[KBError]:
    validator = jsonschema.Draft7Validator(DOCUMENT_FILE)
    errors = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        measure_id = None
        if len(path) >= 2 and path[0] == "measures" and isinstance(path[1], int):
            raw = data["measures"][path[1]]
            measure_id = raw.get("id") if isinstance(raw, dict) else None
            measure_id = measure_id or f"#{path[1] + 1}"
            path = path[2:]
        field_name = _dotted(path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            field_name = _dotted(path + [missing])
            message = "required field is missing"
        else:
            message = err.message
        errors.append(KBError(file, message, measure_id, field_name or None))
    return errors


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _semantic_errors(file: str, data: Dict[str, Any], taxonomy: Taxonomy, kb_dir: Path) -> List[KBError]:
    errors = []
    source = data["document"]["source_file"]
    if not (kb_dir / source).is_file():
        errors.append(KBError(file, f"source file '{source}' not found", None, "document.source_file"))
    seen = set()
    for m in data["measures"]:
        mid = m["id"]
        if mid in seen:
            errors.append(KBError(file, f"duplicate measure id '{mid}'", mid, "id"))
        seen.add(mid)
        for i, topic in enumerate(m["topics"]):
            if topic not in taxonomy.topics:
                errors.append(KBError(file, f"unknown topic '{topic}' (see taxonomy.yml)", mid, f"topics[{i}]"))
        conditions = [
            (f"eligibility.conditions[{i}]", c)
            for i, c in enumerate((m.get("eligibility") or {}).get("conditions") or [])
        ]
        for b_i, b in enumerate(m.get("benefits") or []):
            conditions += [(f"benefits[{b_i}].when[{i}]", c) for i, c in enumerate(b.get("when") or [])]
        for where, cond in conditions:
            if cond["fact"] not in taxonomy.facts:
                errors.append(KBError(file, f"unknown fact '{cond['fact']}' (see taxonomy.yml)", mid, f"{where}.fact"))
            if cond["op"] != "is_true" and "value" not in cond:
                errors.append(KBError(file, "required field is missing", mid, f"{where}.value"))
        benefit_ids = [b["id"] for b in m.get("benefits") or []]
        for b_id in {b for b in benefit_ids if benefit_ids.count(b) > 1}:
            errors.append(KBError(file, f"duplicate benefit id '{b_id}'", mid, "benefits"))
    return errors


def load_document_file(path: Path, taxonomy: Taxonomy) -> tuple:
    """Validate one document file; returns (Document, [Measure]) or raises KBValidationError."""
    path = Path(path)
    kb_dir = path.parent
    try:
        data = _read_yaml(path)
    except KBError as err:
        raise KBValidationError([err]) from err
    errors = _schema_errors(path.name, data)
    if not errors:
        errors = _semantic_errors(path.name, data, taxonomy, kb_dir)
    if errors:
        raise KBValidationError(errors)
    d = data["document"]
    source_text = (kb_dir / d["source_file"]).read_text(encoding="utf-8")
    document = Document(source_text=source_text, path=str(path), **d)
    measures = [Measure(document=document, **m) for m in data["measures"]]
    return document, measures


def load_kb(kb_dir: Optional[Path] = None) -> KnowledgeBase:
    """Load every ``*.yml`` document file in ``kb_dir`` (all errors are reported together)."""
    kb_dir = Path(kb_dir or DEFAULT_KB_DIR)
    try:
        taxonomy = load_taxonomy(kb_dir)
    except KBError as err:
        raise KBValidationError([err]) from err
    documents: Dict[str, Document] = {}
    measures: Dict[str, Measure] = {}
    errors: List[KBError] = []
    for path in sorted(kb_dir.glob("*.yml")):
        if path.name in SPECIAL_FILES:
            continue
        try:
            document, doc_measures = load_document_file(path, taxonomy)
        except KBValidationError as exc:
            errors.extend(exc.errors)
            continue
        if document.id in documents:
            errors.append(KBError(path.name, f"duplicate document id '{document.id}'", None, "document.id"))
        documents[document.id] = document
        for m in doc_measures:
            if m.id in measures:
                errors.append(
                    KBError(
                        path.name,
                        f"duplicate measure id '{m.id}' (also in {Path(measures[m.id].document.path).name})",
                        m.id,
                        "id",
                    )
                )
            measures[m.id] = m
    out_of_scope: List[str] = []
    if (kb_dir / CURATION_FILE).is_file():
        try:
            curation = _read_yaml(kb_dir / CURATION_FILE) or {}
        except KBError as err:
            errors.append(err)
            curation = {}
        wordings = curation.get("out_of_scope") if isinstance(curation, dict) else None
        if (
            not isinstance(curation, dict)
            or not isinstance(wordings or [], list)
            or not all(isinstance(w, str) and w.strip() for w in wordings or [])
        ):
            errors.append(
                KBError(CURATION_FILE, "out_of_scope must be a list of non-empty strings", None, "out_of_scope")
            )
        else:
            out_of_scope = [w.strip() for w in wordings or []]
    if errors:
        raise KBValidationError(errors)
    return KnowledgeBase(documents, measures, taxonomy, out_of_scope)
