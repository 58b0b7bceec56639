"""What of a measure must be printed in its source notice: every phone, email, person, unit,
office, URL, percentage, amount, condition and benefit text, measure text, label and step.

One rule set for the curated files (tests/test_kb_faithfulness.py) and for drafts of imported
notices (actions/notice_import/checks.py). ``免收`` counts as a printed 100%.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Tuple

from actions.knowledge_base import Measure, Taxonomy


def measure_fields(m: Measure) -> Dict[str, Any]:
    """A loaded measure as the dict its YAML holds (the fields the rules read)."""
    return {
        "contacts": m.contacts,
        "application": m.application,
        "eligibility": m.eligibility,
        "benefits": m.benefits,
        "text": m.text,
        "label": m.label,
    }


def printed_values(m: Dict[str, Any], taxonomy: Taxonomy) -> Iterator[Tuple[str, str]]:
    """(kind, printed form) of every value of a measure (as in its YAML) that its source must print."""
    for c in m.get("contacts") or []:
        for p in c.get("phones") or []:
            yield "phone", p
        for e in c.get("emails") or []:
            yield "email", e
        for p in c.get("persons") or []:
            yield "person", p
        yield "unit", c["unit"]
        if c.get("office"):
            yield "office", c["office"]
    for u in (m.get("application") or {}).get("urls") or []:
        yield "url", u
    conds = list((m.get("eligibility") or {}).get("conditions") or [])
    conds += [c for b in m.get("benefits") or [] for c in b.get("when") or []]
    for c in conds:
        kind = (taxonomy.facts.get(c["fact"]) or {}).get("type")
        if kind == "percent":
            yield "percent", f"{c['value']:g}%"
        elif kind == "money":
            yield "money", c["value"]
        yield "condition text", c["text"]
    for b in m.get("benefits") or []:
        if "percent" in b and not (b["kind"] == "rent_waiver" and b["percent"] == 100 and "免收" in b["text"]):
            yield "percent", f"{b['percent']:g}%"
        for key in ("cap", "per_unit", "amount"):
            if key in b:
                yield "money", b[key]
        yield "benefit text", b["text"]
    yield "text", m["text"]
    yield "label", m["label"]
    for step in (m.get("application") or {}).get("steps") or []:
        yield "step", step
    if (m.get("eligibility") or {}).get("text"):
        yield "eligibility text", m["eligibility"]["text"]
