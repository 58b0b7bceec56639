"""Checks on a draft: the loader's validation, and the faithfulness rules of the curated files.

``unprinted`` applies the faithfulness rules of the curated files (actions/faithfulness.py) to a draft dict: every phone,
email, person, unit, office, URL, percentage, amount, condition/benefit text, measure text and
step must be printed in the source (whitespace ignored; ``免收`` counts as 100%). ``bad_spans``
checks that every recorded span really holds its value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Tuple

from actions.faithfulness import printed_values as facts
from actions.knowledge_base import KBValidationError, Taxonomy, load_document_file
from actions.text_tools import compact


def unprinted(data: Dict, source: str, taxonomy: Taxonomy) -> List[Tuple[str, str, str]]:
    text = compact(source)
    out = []
    doc = data["document"]
    for key in ("doc_number", "issuer", "title"):
        if doc.get(key) and compact(doc[key]) not in text:
            out.append(("document", key, doc[key]))
    for m in data["measures"]:
        for kind, value in facts(m, taxonomy):
            if compact(str(value)) not in text:
                out.append((m["id"], kind, value))
    return out


def _value_at(data: Dict, path: str):
    """The value a span path names, e.g. ``ab7-03.contacts[0].phones[1]`` or ``document.title``."""
    head, _, rest = path.partition(".")
    if head == "document":
        node = data["document"]
    else:
        node = next((m for m in data["measures"] if m["id"] == head), None)
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", rest):
        if node is None:
            return None
        if part.startswith("["):
            idx = int(part[1:-1])
            node = node[idx] if isinstance(node, list) and idx < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
    return node


DERIVED = re.compile(
    r"\.(months|max_term_months|max_months|percent|value|items|issued|valid_until|deadline|unit_hours|max_hours)$"
)


def bad_spans(data: Dict, source: str) -> List[str]:
    """Spans whose source text does not hold the value (derived values: the span holds the words they come from)."""
    out = []
    for path, (s, e) in (data.get("spans") or {}).items():
        value = _value_at(data, path)
        if value is None:
            out.append(f"{path}: no such field")
            continue
        if not (0 <= s <= e <= len(source)):
            out.append(f"{path}: span {s}-{e} outside the source")
            continue
        if DERIVED.search(path) or not isinstance(value, str):
            continue
        if compact(value) not in compact(source[s:e]):
            out.append(f"{path}: span {s}-{e} holds “{source[s:e][:40]}”, not “{value[:40]}”")
    return out


def validate(path: Path, taxonomy: Taxonomy) -> List[str]:
    try:
        load_document_file(Path(path), taxonomy)
    except KBValidationError as exc:
        return [f"validation: {e}" for e in exc.errors]
    return []


def problems(data: Dict, source: str, taxonomy: Taxonomy) -> List[str]:
    return [
        f"not printed in the source: {mid} {kind} “{value}”" for mid, kind, value in unprinted(data, source, taxonomy)
    ] + [f"span: {p}" for p in bad_spans(data, source)]
