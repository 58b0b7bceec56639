"""Amounts computed from a measure's structured benefits (rates and caps are KB data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from actions.knowledge_base import Measure
from actions.quantities import format_money, parse_money


class NotApplicable(ValueError):
    """The measure has no benefit of the kind the calculation needs, or a value is missing."""


@dataclass
class Amount:
    yuan: float
    explanation: str
    benefit: Dict
    lines: List[str] = field(default_factory=list)
    capped: bool = False  # the sum was above the printed cap and is the cap

    @property
    def text(self) -> str:
        return format_money(self.yuan)


def _benefit(measure: Measure, kind: str, benefit_id: Optional[str] = None) -> Dict:
    options = measure.benefits_of_kind(kind)
    if benefit_id:
        options = [b for b in options if b["id"] == benefit_id]
    if not options:
        raise NotApplicable(f"{measure.id} has no {kind} benefit")
    return options[0]


def rent_waived(measure: Measure, monthly_rent: float, premises_use: Optional[str] = None) -> Amount:
    """Rent waived by a state-owned landlord: monthly rent × percent × number of months."""
    waivers = measure.benefits_of_kind("rent_waiver")
    if not waivers:
        raise NotApplicable(f"{measure.id} has no rent waiver")
    if premises_use:
        matching = [
            b
            for b in waivers
            if any(c["fact"] == "premises_use" and c.get("value") == premises_use for c in b.get("when") or [])
        ]
        waivers = matching or waivers
    benefit = waivers[0]
    months = benefit.get("months") or []
    percent = benefit.get("percent", 100)
    total = monthly_rent * percent / 100 * len(months)
    month_names = "、".join(f"{int(m[5:])}月" for m in months)
    explanation = (
        f"{format_money(monthly_rent)}/月 × {percent:g}% × {len(months)}个月（{month_names}）= {format_money(total)}"
    )
    return Amount(total, explanation, benefit)


def landlord_subsidy(measure: Measure, rent_waived_total: float) -> Amount:
    """Subsidy to a landlord (or state-owned enterprise) for rent it waived: a percent of it."""
    benefit = _benefit(measure, "landlord_subsidy")
    percent = benefit["percent"]
    total = rent_waived_total * percent / 100
    return Amount(total, f"减免金额{format_money(rent_waived_total)} × {percent:g}% = {format_money(total)}", benefit)


def rent_subsidy(measure: Measure, rent_paid_total: float) -> Amount:
    """Subsidy paid to the tenant as a percent of the rent it paid (e.g. chain stores)."""
    benefit = _benefit(measure, "rent_subsidy")
    percent = benefit["percent"]
    total = rent_paid_total * percent / 100
    return Amount(total, f"实际房租{format_money(rent_paid_total)} × {percent:g}% = {format_money(total)}", benefit)


def training_subsidy(measure: Measure, hours: float, employees: int = 1) -> Amount:
    """Per person: one ``per_unit`` for every full ``unit_hours`` hours, up to ``max_hours``/``cap``."""
    benefit = _benefit(measure, "training_subsidy")
    if "unit_hours" not in benefit or "per_unit" not in benefit:
        raise NotApplicable(f"{measure.id} states no training subsidy rate")
    unit_hours, per_unit = benefit["unit_hours"], parse_money(benefit["per_unit"])
    counted = min(hours, benefit.get("max_hours", hours))
    per_person = (int(counted) // unit_hours) * per_unit
    if benefit.get("cap"):
        per_person = min(per_person, parse_money(benefit["cap"]))
    total = per_person * employees
    if per_person == 0:
        explanation = f"每人培训{hours:g}课时，不足{unit_hours}课时，不能享受以训稳岗补贴"
    else:
        explanation = (
            f"每人{hours:g}课时，按每满{unit_hours}课时{format_money(per_unit)}计"
            f"（最高{benefit.get('max_hours', '')}课时{benefit.get('cap', '')}），"
            f"每人{format_money(per_person)} × {employees}人 = {format_money(total)}"
        )
    return Amount(total, explanation, benefit)


def per_person_subsidy(measure: Measure, employees: int) -> Amount:
    """A fixed amount per person (e.g. 临时性岗位补贴 1540元/人)."""
    benefit = _benefit(measure, "per_person_subsidy")
    if "amount" not in benefit:
        raise NotApplicable(f"{measure.id} states no per-person amount")
    each = parse_money(benefit["amount"])
    total = each * employees
    return Amount(total, f"{format_money(each)}/人 × {employees}人 = {format_money(total)}", benefit)


def interest_subsidy(measure: Measure, interest_paid: Optional[float] = None) -> Amount:
    """Interest subsidy: ``percent`` of the interest actually paid (if stated), never above ``cap``."""
    benefit = _benefit(measure, "interest_subsidy")
    cap = parse_money(benefit["cap"]) if benefit.get("cap") else None
    scope = benefit.get("cap_scope", "")
    if interest_paid is None or "percent" not in benefit:
        if cap is None:
            raise NotApplicable(f"{measure.id} states neither rate nor cap")
        return Amount(cap, f"{scope}最高不超过{benefit['cap']}", benefit)
    raw = interest_paid * benefit["percent"] / 100
    return _capped(
        benefit, raw, f"实际利息{format_money(interest_paid)} × {benefit['percent']:g}% = {format_money(raw)}"
    )


def guarantee_subsidy(measure: Measure, fee_reduction: float, basis: str = "") -> Amount:
    """Subsidy to a guarantee institution: ``percent`` of the fee reduction, up to ``cap``."""
    benefit = _benefit(measure, "guarantee_subsidy")
    if "percent" not in benefit:
        raise NotApplicable(f"{measure.id} states no guarantee subsidy rate")
    raw = fee_reduction * benefit["percent"] / 100
    explanation = f"{basis}费用降低额{format_money(fee_reduction)} × {benefit['percent']:g}% = {format_money(raw)}"
    return _capped(benefit, raw, explanation)


def guarantee_subsidy_from_loans(measure: Measure, loans: float, rate: float) -> Amount:
    """The same from the loans guaranteed and the rate charged: the reduction is the part of the
    fee below ``rate_below`` percent ("对于综合费率不足2%的部分")."""
    benefit = _benefit(measure, "guarantee_subsidy")
    below = benefit.get("rate_below")
    if below is None or rate >= below:
        raise NotApplicable(f"{measure.id}: no reduction below the printed rate")
    cut = loans * (below - rate) / 100
    basis = f"费用降低额按放款额×（{below:g}%−实收费率）理解，以认定为准：放款{format_money(loans)} × （{below:g}% − {rate:g}%）= "
    return guarantee_subsidy(measure, cut, basis)


def capped_claim(measure: Measure, kind: str, claimed: float) -> Amount:
    """A sum the asker worked out themselves ("算出来补贴680万"), held against the printed cap."""
    benefit = _benefit(measure, kind)
    if not benefit.get("cap"):
        raise NotApplicable(f"{measure.id} prints no cap")
    return _capped(benefit, claimed, f"您测算的{format_money(claimed)}")


def _capped(benefit: Dict, raw: float, explanation: str) -> Amount:
    cap = parse_money(benefit["cap"]) if benefit.get("cap") else None
    if cap is not None and raw > cap:
        scope = benefit.get("cap_scope", "")
        return Amount(
            cap, f"{explanation}，超过了{scope}上限{benefit['cap']}，按{format_money(cap)}计", benefit, capped=True
        )
    return Amount(raw, explanation, benefit)
