"""Eligibility verdicts from the KB's structured conditions, with the deciding condition."""
from actions import answers
from actions.eligibility import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, check, facts_needed


def test_layoffs_above_5_5_percent_exclude_miyun_rent_relief(kb):
    v = check(kb.get("my25-01"), {"district": "密云区", "layoff_ratio": "8%"}, kb.taxonomy)
    assert v.status == NOT_ELIGIBLE
    assert [r.fact for r in v.failed] == ["layoff_ratio"]
    text = answers.verdict_text(v, kb.taxonomy)
    assert "5.5%" in text and "8%" in text and "暂不符合" in text


def test_layoffs_within_limit_leave_other_facts_to_ask(kb):
    v = check(kb.get("my25-01"), {"district": "密云", "layoff_ratio": "百分之三"}, kb.taxonomy)
    assert v.status == UNKNOWN
    assert "layoff_ratio" not in v.missing_facts
    assert v.missing_facts  # e.g. is_sme, property_owner, premises_use


def test_full_facts_give_eligible_with_the_branch(kb):
    facts = {"district": "密云区", "is_sme": "是", "layoff_ratio": 0, "property_owner": "国企", "premises_use": "办公"}
    v = check(kb.get("my25-01"), facts, kb.taxonomy)
    assert v.status == ELIGIBLE
    assert any(b["kind"] == "rent_waiver" and b["percent"] == 50 for b in v.benefits)


def test_wrong_district_is_not_eligible(kb):
    v = check(kb.get("my25-05"), {"district": "西城区"}, kb.taxonomy)
    assert v.status == NOT_ELIGIBLE


def test_loan_conditions_are_checked_by_number(kb):
    m = kb.get("my25-05")
    ok = check(m, {"district": "密云区", "loan_amount": "500万", "loan_cost": "4%", "loan_term_months": 12}, kb.taxonomy)
    assert all(r.status == "met" for r in ok.results if r.fact.startswith("loan"))
    too_big = check(m, {"district": "密云区", "loan_amount": "1500万元"}, kb.taxonomy)
    assert too_big.status == NOT_ELIGIBLE and [r.fact for r in too_big.failed] == ["loan_amount"]
    too_dear = check(m, {"loan_cost": "5%"}, kb.taxonomy)
    assert [r.fact for r in too_dear.failed] == ["loan_cost"]


def test_revenue_decline_threshold_is_inclusive(kb):
    m = kb.get("xc6-13")
    assert "revenue_decline" not in [r.fact for r in check(m, {"revenue_decline": 80}, kb.taxonomy).failed]
    assert [r.fact for r in check(m, {"revenue_decline": 79}, kb.taxonomy).failed] == ["revenue_decline"]


def test_private_landlord_gets_no_direct_waiver_in_xicheng(kb):
    v = check(kb.get("xc1-13"), {"is_sme": True, "property_owner": "民企"}, kb.taxonomy)
    assert not [b for b in v.benefits if b["kind"] == "rent_waiver"]
    assert "鼓励业主" in answers.verdict_text(v, kb.taxonomy)


def test_facts_needed_lists_branch_facts(kb):
    assert {"district", "layoff_ratio", "property_owner", "premises_use"} <= set(facts_needed(kb.get("my25-01")))
