"""A short English reply for an English question: the measure's figures, its contact and whether it
has ended, built from the structured KB (the notices and their wording are Chinese only)."""

from __future__ import annotations

import calendar
from typing import Dict, List

from actions.decision import Decision
from actions.knowledge_base import KnowledgeBase, Measure
from actions.quantities import parse_money


def _intro(kb: KnowledgeBase) -> str:
    """What the assistant covers, from the notices in the KB."""
    by_district: Dict[str, List[str]] = {}
    for doc in kb.documents.values():
        by_district.setdefault(doc.district, []).append(doc.doc_number)
    covered = " and ".join(f"{_district(kb, d)}'s {', '.join(sorted(n))}" for d, n in sorted(by_district.items()))
    return f"I answer questions about relief notices for small businesses in Beijing: {covered}."


def _district(kb: KnowledgeBase, district: str) -> str:
    names = kb.taxonomy.english.get(district) or []
    return (names[0].title() + " district") if names else district


def _place(kb: KnowledgeBase, place: str) -> str:
    names = kb.taxonomy.english.get(place) or []
    return names[0].title() if names else place


def _yuan(value: str) -> str:
    amount = parse_money(value)
    return f"CNY {amount:,.0f}" if amount is not None else value


def _months(months: List[str]) -> str:
    names = [f"{calendar.month_name[int(m[5:7])]} {m[:4]}" for m in sorted(months)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# What each kind of benefit (policies_kb/SCHEMA.md) gives, in English.
KINDS = {
    "rent_waiver": "rent waived",
    "rent_subsidy": "rent subsidy to the tenant",
    "landlord_subsidy": "subsidy to the landlord",
    "interest_subsidy": "interest subsidy",
    "guarantee_subsidy": "subsidy to the guarantee institution",
    "training_subsidy": "training subsidy",
    "per_person_subsidy": "subsidy",
    "tax_deferral": "tax deferral",
}


def _benefit_figures(b: Dict) -> str:
    """One benefit's printed figures in English (percent, months, amounts, caps, hours)."""
    parts = []
    values = [c.get("value") for c in b.get("when") or [] if c.get("value")]
    when = ", ".join("/".join(map(str, v)) if isinstance(v, list) else str(v) for v in values)
    label = KINDS.get(b["kind"])
    if label and any(b.get(k) is not None for k in ("percent", "amount", "per_unit", "max_months", "cap")):
        parts.append(label + (f" ({when})" if when else ""))
    if b.get("percent") is not None:
        parts.append(f"{b['percent']:g}%" + (f" of {b['of']}" if b.get("of") else ""))
    if b.get("unit_hours") and b.get("per_unit"):
        parts.append(
            f"{_yuan(b['per_unit'])} per {b['unit_hours']} class hours"
            + (f", up to {b['max_hours']} hours" if b.get("max_hours") else "")
        )
    if b.get("amount"):
        parts.append(f"{_yuan(b['amount'])} per person")
    if b.get("months"):
        parts.append("for " + _months(b["months"]))
    if b.get("max_term_months"):
        parts.append(f"loans of at most {b['max_term_months']} months")
    if b.get("max_months"):
        parts.append(f"deferral of up to {b['max_months']} months")
    if b.get("cap"):
        parts.append(f"capped at {_yuan(b['cap'])}" + (f" ({b['cap_scope']})" if b.get("cap_scope") else ""))
    return ", ".join(parts)


def _status(d: Decision) -> str:
    t = d.time
    if t is None:
        return ""
    if t.ended and t.end:
        return f"It ended on {calendar.month_name[t.end.month]} {t.end.day}, {t.end.year}: it can no longer be applied for."
    if t.ended is None:
        return (
            "The notice prints no end date; it was a 2020 epidemic measure and is very likely no longer in "
            "force, so please confirm with the responsible unit before applying."
        )
    return f"It is open until {calendar.month_name[t.end.month]} {t.end.day}, {t.end.year}." if t.end else ""


def _contacts(d: Decision) -> str:
    lines = []
    for c in d.contacts:
        who = " ".join([c["unit"]] + ([c["office"]] if c.get("office") else []) + list(c.get("persons") or []))
        reach = []
        if c.get("phones"):
            reach.append("tel. " + ", ".join(c["phones"]))
        if c.get("emails"):
            reach.append("email " + ", ".join(c["emails"]))
        lines.append(who + (" — " + "; ".join(reach) if reach else ""))
    return "; ".join(lines)


def english_answer(kb: KnowledgeBase, d: Decision) -> str:
    m: Measure = d.measure
    if d.u.other_places and not d.u.districts:
        places = ", ".join(_place(kb, p) for p in d.u.other_places)
        return _intro(kb) + f" They do not cover {places}: please ask the local government there."
    if m is None:
        return _intro(kb) + ' Please ask about one measure, e.g. "Miyun rent relief", or ask in Chinese.'
    ref = f"{_district(kb, m.district)}, {m.document.doc_number} item {m.label} ({m.title})"
    figures = "; ".join(f for f in (_benefit_figures(b) for b in m.benefits) if f)
    contacts = _contacts(d)
    status = _status(d)
    ask = d.u.primary_ask
    if ask == "contact" and contacts:
        short_ref = f"{_district(kb, m.district)}, {m.document.doc_number} item {m.label}"
        lines = [f"Contact for {short_ref}: {contacts}.", status]
    elif ask == "time":
        lines = [f"{ref}: {status}", f"Figures: {figures}." if figures else ""]
    else:
        lines = [f"{ref}: {figures}." if figures else f"{ref}.", status, f"Contact: {contacts}." if contacts else ""]
    return "\n".join(line for line in lines if line)
