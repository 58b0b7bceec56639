"""Eligibility of an enterprise for a measure, from the measure's structured conditions.

Pure functions: a verdict is ``eligible``, ``not_eligible`` or ``unknown`` (a fact is still
missing), with every condition's outcome so the answer can explain itself condition by condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from actions.knowledge_base import Measure, Taxonomy
from actions.quantities import parse_money, parse_number, parse_percent

MET, FAILED, UNKNOWN = "met", "failed", "unknown"
# Benefit kinds that describe a rule or an encouragement rather than money or relief for the asker.
NOT_ENTITLEMENTS = {"other", "landlord_subsidy", "guarantee_subsidy", "coordination"}
ELIGIBLE, NOT_ELIGIBLE = "eligible", "not_eligible"


@dataclass(frozen=True)
class ConditionResult:
    condition: Dict[str, Any]
    status: str
    value: Any = None

    @property
    def fact(self) -> str:
        return self.condition["fact"]


@dataclass
class Verdict:
    measure: Measure
    status: str
    results: List[ConditionResult] = field(default_factory=list)
    benefits: List[Dict[str, Any]] = field(default_factory=list)  # branches that apply
    open_benefits: List[Dict[str, Any]] = field(default_factory=list)  # branches not yet decidable
    facts: Dict[str, Any] = field(default_factory=dict)  # the normalised facts judged

    @property
    def failed(self) -> List[ConditionResult]:
        return [r for r in self.results if r.status == FAILED]

    @property
    def missing_facts(self) -> List[str]:
        """Facts not stated yet (a stated value an open list leaves undecided is not missing)."""
        seen: List[str] = []
        for r in self.results:
            if r.status == UNKNOWN and r.value is None and r.fact not in seen:
                seen.append(r.fact)
        return seen


def normalize_facts(facts: Dict[str, Any], taxonomy: Taxonomy) -> Dict[str, Any]:
    """Typed, canonical fact values; unknown or empty values are dropped."""
    out: Dict[str, Any] = {}
    for name, value in (facts or {}).items():
        spec = taxonomy.facts.get(name)
        if spec is None or value is None or value == "" or value == []:
            continue
        kind = spec.get("type")
        if kind == "percent":
            value = parse_percent(value)
        elif kind == "money":
            value = parse_money(value)
        elif kind == "number":
            value = parse_number(value)
        elif kind == "bool":
            value = _to_bool(value)
        elif isinstance(value, list):
            value = [taxonomy.canonical(str(v)) for v in value]
        else:
            value = taxonomy.canonical(str(value))
        if value is not None:
            out[name] = value
    return out


def _to_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "y", "1", "是", "是的", "对", "有", "参加了", "参加", "在"}:
        return True
    if text in {"false", "no", "n", "0", "否", "不是", "没有", "无", "不", "未参加", "不在"}:
        return False
    return None


def _numeric(fact_type: str, value: Any) -> Optional[float]:
    if fact_type == "money":
        return parse_money(value)
    if fact_type == "percent":
        return parse_percent(value)
    return parse_number(value)


def evaluate_condition(condition: Dict[str, Any], facts: Dict[str, Any], taxonomy: Taxonomy) -> ConditionResult:
    name, op = condition["fact"], condition["op"]
    if name not in facts:
        return ConditionResult(condition, UNKNOWN)
    actual = facts[name]
    expected = condition.get("value")
    fact_type = taxonomy.facts.get(name, {}).get("type", "text")
    if op == "is_true":
        ok = actual is True
    elif op in ("eq", "in"):
        options = expected if isinstance(expected, list) else [expected]
        options = {taxonomy.canonical(str(o)) for o in options}
        values = actual if isinstance(actual, list) else [actual]
        if fact_type == "text":  # 餐饮 is within 住宿餐饮: a listed industry covers the named one
            values = values + [
                group for group, members in taxonomy.industry_groups.items() if any(str(v) in members for v in values)
            ]  # 餐饮 is a 生活性服务业
            ok = any(str(v) in o or o in str(v) for v in values for o in options)
        else:
            ok = any(str(v) in options for v in values)
    else:
        limit = _numeric(fact_type, expected)
        number = float(actual)
        ok = {"le": number <= limit, "lt": number < limit, "ge": number >= limit, "gt": number > limit}[op]
    if not ok and condition.get("open"):
        return ConditionResult(condition, UNKNOWN, actual)  # "…等重点行业": another industry may still count
    return ConditionResult(condition, MET if ok else FAILED, actual)


def _combine(results: List[ConditionResult]) -> str:
    if any(r.status == FAILED for r in results):
        return NOT_ELIGIBLE
    if any(r.status == UNKNOWN for r in results):
        return UNKNOWN
    return ELIGIBLE


def check(measure: Measure, facts: Dict[str, Any], taxonomy: Taxonomy) -> Verdict:
    """Evaluate the measure's conditions and which benefit branches apply to these facts."""
    facts = normalize_facts(facts, taxonomy)
    results = [evaluate_condition(c, facts, taxonomy) for c in measure.conditions]
    verdict = Verdict(measure, _combine(results), results, facts=facts)
    branch_results = []
    for benefit in measure.benefits:
        when = [evaluate_condition(c, facts, taxonomy) for c in benefit.get("when") or []]
        status = _combine(when)
        branch_results.append((benefit, when, status))
        if status == ELIGIBLE:
            verdict.benefits.append(benefit)
        elif status == UNKNOWN:
            verdict.open_benefits.append(benefit)
    # When every branch is conditional and all of them are excluded, nothing is given.
    if verdict.status != NOT_ELIGIBLE and branch_results and all(s == NOT_ELIGIBLE for _, _, s in branch_results):
        failed = [r for _, when, _ in branch_results for r in when if r.status == FAILED]
        verdict.results.extend(failed)
        verdict.status = NOT_ELIGIBLE
    # A decisive verdict still needs the branch facts (landlord, premises use) to say which benefit applies.
    given = verdict.status == UNKNOWN and any(b["kind"] not in NOT_ENTITLEMENTS for b in verdict.benefits)
    if verdict.status in (ELIGIBLE, UNKNOWN) and verdict.open_benefits and not given:
        # still undecided too: which branch's facts are missing (房产产权方 for 25号（一）) is asked as well
        for _, when, status in branch_results:
            if status == UNKNOWN:
                verdict.results.extend(r for r in when if r.status == UNKNOWN and r not in verdict.results)
        verdict.status = UNKNOWN
    return verdict


def check_benefit(measure: Measure, benefit: Dict[str, Any], facts: Dict[str, Any], taxonomy: Taxonomy) -> Verdict:
    """The verdict for one benefit the question asks about ("担保费能减半吗"): the measure's
    conditions and that benefit's own, the other benefits aside."""
    facts = normalize_facts(facts, taxonomy)
    results = [evaluate_condition(c, facts, taxonomy) for c in measure.conditions + (benefit.get("when") or [])]
    verdict = Verdict(measure, _combine(results), results, facts=facts)
    if verdict.status == ELIGIBLE:
        verdict.benefits.append(benefit)
    elif verdict.status == UNKNOWN:
        verdict.open_benefits.append(benefit)
    return verdict


def facts_needed(measure: Measure) -> List[str]:
    """Every fact the measure's conditions and branches can test, in order of appearance."""
    names: List[str] = []
    for cond in measure.conditions + [c for b in measure.benefits for c in b.get("when") or []]:
        if cond["fact"] not in names:
            names.append(cond["fact"])
    return names
