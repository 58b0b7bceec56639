"""Chinese answer text built from KB data; the same text serves every channel and the CLI."""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from actions.eligibility import ELIGIBLE, NOT_ELIGIBLE, Verdict
from actions.eligibility import NOT_ENTITLEMENTS as NOT_ENTITLEMENTS  # kept here for its users
from actions.knowledge_base import Measure, Taxonomy

# Benefits that put money or relief in the enterprise's own hands.
MONEY_KINDS = {
    "rent_waiver",
    "rent_subsidy",
    "interest_subsidy",
    "training_subsidy",
    "per_person_subsidy",
    "funding",
    "tax_deferral",
    "fee_exemption",
    "fee_reduction",
}


def stated_case_benefits(verdict: Verdict) -> List[Dict]:
    """The printed branches for the case the enterprise stated ("房子是央企的" → only an
    encouragement), when the measure gives that case no money of its own, decided or still open."""
    if any(b["kind"] in MONEY_KINDS for b in verdict.benefits + verdict.open_benefits):
        return []
    return [b for b in verdict.benefits if b["kind"] == "other" and b.get("when")]


def contact_line(c: Dict) -> str:
    """'区国资委 改革协同发展办公室 于伟川 66112569' (only what the source prints)."""
    parts = [c["unit"]]
    if c.get("office"):
        parts.append(c["office"])
    if c.get("persons"):
        parts.append("、".join(c["persons"]))
    if c.get("phones"):
        parts.append("电话 " + "、".join(c["phones"]))
    if c.get("emails"):
        parts.append("邮箱 " + "、".join(c["emails"]))
    line = " ".join(parts)
    if c.get("note"):
        line += f"（{c['note']}）"
    return line


def primary_contact(m: Measure) -> Optional[Dict]:
    """The first contact with a phone: what the short answer shows."""
    return next((c for c in m.contacts if c.get("phones")), m.contacts[0] if m.contacts else None)


def validity_line(m: Measure) -> str:
    """Whether the measure's period is over, against today's date (the same sentence the bot says)."""
    from actions.clock import today
    from actions.time_status import status_of

    return status_of(m, today()).sentence


def conditions_text(m: Measure) -> str:
    elig = m.eligibility or {}
    lines = [f"{m.title}（{m.citation}）申请条件："]
    if elig.get("text"):
        lines.append(elig["text"])
    for c in elig.get("conditions") or []:
        lines.append(f"· {c['text']}")
    if not elig:
        lines.append("原文未列出具体条件，请以原文和责任单位解释为准：" + _clip(m.text, 120))
    if m.document.scope_text:
        lines.append("适用范围：" + _clip(m.document.scope_text, 120))
    return "\n".join(lines)


def benefits_text(m: Measure) -> str:
    lines = [f"{m.title}（{m.citation}）支持内容："]
    lines += [f"· {b['text']}" for b in m.benefits] or [_clip(m.text, 200)]
    return "\n".join(lines)


def procedure_text(m: Measure) -> str:
    app = m.application or {}
    lines = [f"{m.title}（{m.citation}）办理流程："]
    steps = app.get("steps") or []
    lines += [f"{i}. {s}" for i, s in enumerate(steps, 1)]
    if not steps:
        lines.append("原文未列出办理步骤，建议直接联系责任单位：")
        lines += [f"· {contact_line(c)}" for c in m.contacts[:3]]
    for url in app.get("urls") or []:
        lines.append(f"网址：{url}")
    if app.get("deadline_text"):
        lines.append(app["deadline_text"])
    return "\n".join(lines)


def contacts_text(m: Measure, limit: int = 12) -> str:
    lines = [f"{m.title}（{m.citation}）联系方式："]
    current_item = None
    for c in m.contacts[:limit]:
        if c.get("item") and c["item"] != current_item:
            current_item = c["item"]
            lines.append(f"【{current_item}】")
        lines.append("· " + contact_line(c))
    if len(m.contacts) > limit:
        lines.append(f"……共{len(m.contacts)}个联系方式，其余请在热线后台查看。")
    if not m.contacts:
        units = "、".join(m.responsible_units) or "区政府相关部门"
        lines.append(f"原文未列出联系电话，责任单位：{units}。")
    return "\n".join(lines)


def full_text(m: Measure, taxonomy: Optional[Taxonomy] = None) -> str:
    """Everything the KB knows about one measure (CLI `show`, hotline console)."""
    topics = "、".join(taxonomy.topic_label(t) for t in m.topics) if taxonomy else "、".join(m.topics)
    parts = [
        f"{m.id} {m.label}{m.title}",
        f"{m.document.doc_number}《{m.document.title}》 {m.district} {m.document.issued}（{validity_line(m)}）",
        f"主题：{topics}" + (f"；行业：{'、'.join(m.industries)}" if m.industries else ""),
        f"摘要：{m.summary}",
        f"原文：{m.text}",
        conditions_text(m),
        benefits_text(m),
        procedure_text(m),
        "责任单位：" + ("、".join(m.responsible_units) or "—"),
        contacts_text(m, limit=100),
    ]
    if m.notes:
        parts.append("备注：" + "；".join(m.notes))
    return "\n\n".join(parts)


def verdict_text(verdict: Verdict, taxonomy: Taxonomy) -> str:
    """The verdict, the condition that decides it and the next step."""
    m = verdict.measure
    head = f"【{m.district}】{m.title}（{m.citation}）"
    if verdict.status == NOT_ELIGIBLE:
        reasons = [
            f"· {r.condition['text']}（您的情况：{_fact_value(r.fact, r.value, taxonomy)}）" for r in verdict.failed
        ]
        contact = primary_contact(m)
        tail = f"如情况特殊，可咨询：{contact_line(contact)}" if contact else ""
        return "\n".join([head, "按原文条件，您暂不符合：", *reasons, tail]).strip()
    if verdict.status == ELIGIBLE:
        entitled = [b for b in verdict.benefits if b["kind"] not in NOT_ENTITLEMENTS]
        other = [b for b in verdict.benefits if b["kind"] in NOT_ENTITLEMENTS]
        if entitled or not other:
            lines = [head, "按您提供的情况，符合原文列明的条件。"]
        else:
            lines = [head, "按您提供的情况，原文没有给您直接的减免或补贴，相关规定是："]
        lines += [f"· 可享受：{b['text']}" for b in entitled]
        lines += [f"· {b['text']}" for b in other]
        lines += caveats(verdict)
        contact = primary_contact(m)
        if contact:
            lines.append("下一步：联系 " + contact_line(contact) + "，以责任单位审核认定为准。")
        return "\n".join(lines)
    missing = "、".join(taxonomy.facts[f]["label"] for f in verdict.missing_facts if f in taxonomy.facts)
    return f"{head}\n还需要了解：{missing}。"


def caveats(verdict: Verdict) -> List[str]:
    """What the text leaves to the responsible unit, e.g. '少裁员' without a ratio."""
    m = verdict.measure
    stated_layoffs = verdict.facts.get("layoff_ratio")
    has_ratio = any(c["fact"] == "layoff_ratio" for c in m.conditions)
    if not has_ratio and "少裁员" in ((m.eligibility or {}).get("text", "") + m.text):
        note = "· 注意：原文要求“不裁员、少裁员”，未规定具体比例；"
        if stated_layoffs:
            return [note + f"您裁员{stated_layoffs:g}%，是否属于“少裁员”由责任单位认定。"]
        return [note + "如有裁员，是否符合由责任单位认定。"]
    return []


def _fact_value(fact: str, value, taxonomy: Taxonomy) -> str:
    kind = taxonomy.facts.get(fact, {}).get("type")
    if kind == "percent":
        return f"{value:g}%"
    if kind == "bool":
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def measure_list(measures: Iterable[Measure], taxonomy: Taxonomy) -> str:
    lines = []
    for m in measures:
        lines.append(f"· {m.district} {m.label}{m.title}（{m.document.doc_number}）")
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
