"""Decide what to answer from an ``Understanding``: the kind of reply, the measure, its verdict
and amount from the stated facts, the contacts for the asked sub-item, and the time status.

Pure Python; ``actions.composition`` turns a ``Decision`` into text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from actions import calculators, eligibility
from actions.answers import NOT_ENTITLEMENTS, stated_case_benefits
from actions.calculators import Amount
from actions.fact_extraction import layoff_ratio
from actions.knowledge_base import KnowledgeBase, Measure
from actions.references import ContactRef
from actions.retrieval import retriever_for
from actions.text_tools import char_bigrams, expand_synonyms
from actions.time_status import TimeStatus, document_status, status_of
from actions.understanding import (
    CHITCHAT_INTENTS,
    Understanding,
    clear_lead,
    content_chars,
    prefer_named_months,
    strip_districts,
)

AMBIGUOUS_DISTRICT_RATIO = 0.65
WEAK_HIT_SCORE = 2.0
ADD_UP = re.compile(r"加起来|加在一起|两份文件|两个文件|两份文|1号文加6号文|1号和6号|一共免|总共免|合计")
DOCUMENT_WORDS = re.compile(
    r"\d+\s*号文?件?|文件|通知|文|发的|发布|出台|哪天|开始|执行|有效|多久|晚|早|比|西政办发|密政发|〔2020〕|一共|总共|共|几条|多少条|条|措施|关系|之前|那个|跟"
)  # a hit below the confident threshold still answers when it is of the topic named
CHITCHAT_MAX_CHARS = 4
RELATION_ASKED = re.compile(r"关系|区别|不同|一样吗|和之前|跟之前|跟.{0,6}比")  # how notices relate


@dataclass
class Option:
    """One district's measure when the district is not known: what it says for the stated facts."""

    measure: Measure
    time: TimeStatus
    failed: List[str] = field(default_factory=list)  # printed conditions the stated facts fail
    eligible: bool = False  # the stated facts meet every printed condition (were it this district)
    amounts: List[Amount] = field(default_factory=list)
    stated_case: List[str] = field(default_factory=list)  # printed text for the stated case (央企 → 鼓励…)
    met: List[str] = field(default_factory=list)  # printed conditions the stated facts meet


@dataclass
class Decision:
    kind: str  # empty | chitchat | english | other_place | out_of_scope | not_covered | which_district
    #                      | person | unit | list | measure | no_answer
    u: Understanding
    measure: Optional[Measure] = None
    alternatives: List[Measure] = field(default_factory=list)
    contacts: List[Dict] = field(default_factory=list)
    contacts_specific: bool = False
    contacts_withheld: bool = False  # registered in another district: this district's offices are not shown
    person_refs: List[ContactRef] = field(default_factory=list)
    verdict: Optional[eligibility.Verdict] = None
    amounts: List[Tuple[Measure, Amount]] = field(default_factory=list)
    amount_missing: List[str] = field(default_factory=list)
    time: Optional[TimeStatus] = None
    facts: Dict[str, Any] = field(default_factory=dict)
    group: Optional[str] = None
    district: Optional[str] = None
    topic: Optional[str] = None
    options: List[Option] = field(default_factory=list)  # which_district: one per district
    document_statuses: List[Tuple[str, str]] = field(default_factory=list)  # document: (id, status)
    assumed_sme: bool = False  # the notices are for SMEs: an enterprise asking is taken as one unless it says otherwise


# ---- contacts ------------------------------------------------------------------------------

GENERIC_CONTACT_WORDS = re.compile(
    r"联系|电话|号码|找谁|负责|部门|科室|咨询|请问|多少|怎么|申请|办理|政策|措施|补贴|减免|的|人"
)
NAME_WEIGHT = 10
MIN_CONTACT_SCORE = 2  # one shared character pair (企业) is chance, not a sub-item


def contact_names(kb: KnowledgeBase, c: Dict) -> List[str]:
    """The names a question may use for a contact: unit (and its short forms), office, persons."""
    unit = c["unit"]
    names = [unit] + kb.taxonomy.synonyms.get(unit, [])
    if unit.startswith("区") and len(unit) > 3:
        names.append(unit[1:])
    if c.get("office"):
        names.append(c["office"])
    names += c.get("persons") or []
    return [n for n in names if len(n) >= 2]


def select_contacts(
    kb: KnowledgeBase, m: Measure, u: Understanding, facts: Optional[Dict[str, Any]] = None
) -> Tuple[List[Dict], bool]:
    """The measure's contacts for what the question names (a unit, an office, a person, a fee, a
    landlord type), else what the conversation said before (its question, then the enterprise's
    stated premises and owner); all of them, in printed order, when nothing names one.
    Returns (contacts, specific)."""
    with_phone = [c for c in m.contacts if c.get("phones") or c.get("emails")] or list(m.contacts)
    if not EMAIL_WORDS.search(u.text) and any(c.get("phones") for c in with_phone):
        # an address for sending documents is not whom to call, unless mail is asked about
        with_phone = [c for c in with_phone if c.get("phones")]
    owner = (facts or {}).get("property_owner")
    if owner and len(with_phone) > 1:
        # "我们民营公司出租…": the sub-item for 区属国有企业 landlords is not theirs
        owners = kb.taxonomy.facts.get("property_owner", {}).get("values") or []
        theirs = [c for c in with_phone if not _names_other_owner(c.get("item") or "", owner, owners)]
        with_phone = theirs or with_phone
    if len(with_phone) <= 1:
        return with_phone, bool(with_phone)
    if PERSON_WORDS.search(u.text) and any(c.get("persons") for c in with_phone):
        with_phone = [c for c in with_phone if c.get("persons")]  # "联系人是谁": the named people
        if len(with_phone) == 1:
            return with_phone, True
    chosen, specific = _contacts_named(kb, with_phone, u.text)
    # the asker's own benefit (a landlord's subsidy), with the case its branch is for ("承租其他经营用房")
    own = [
        " ".join([b["text"]] + [c["text"] for c in b.get("when") or []])
        for b in m.benefits_of_kind(ROLE_BENEFIT.get((facts or {}).get("role"), ""))
    ]
    itemised = any(c.get("item") for c in with_phone)
    by_benefit = (own[0] if len(own) == 1 else benefit_named(m, u.text)) if itemised else ""
    # the conversation's earlier words, then the benefit they point to (稳岗培训补贴 → Miyun's 以训稳岗补贴)
    earlier_benefit = benefit_named(m, u.previous_text or "") if itemised else ""
    for earlier in (by_benefit, u.previous_text, earlier_benefit, _enum_fact_words(kb, facts or {})):
        if not specific and earlier:
            chosen, specific = _contacts_named(kb, with_phone, earlier)
    if not specific:
        said = [u.text, u.previous_text or "", str((facts or {}).get("industry") or "")]
        chosen, specific = next(
            (found for found in (_industry_department(kb, with_phone, t) for t in said) if found[1]), (chosen, False)
        )
    return chosen, specific


def _industry_department(kb: KnowledgeBase, with_phone: List[Dict], text: str) -> Tuple[List[Dict], bool]:
    """ "我们是建筑企业 找谁": the contacts of the department in charge of the industry named."""
    text = NEGATED.sub(" ", text)
    units = {unit for unit, words in kb.taxonomy.industry_units.items() if any(w in text for w in words)}
    # only a department listed as such: not a contact printed for a sub-item (25号（三）'s 区商务局 is
    # for tenants of other premises, whatever their industry)
    chosen = [c for c in with_phone if c["unit"] in units and (not c.get("item") or "行业" in c["item"])]
    return (chosen, True) if chosen and len(chosen) < len(with_phone) else (with_phone, False)


def _names_other_owner(item: str, owner: str, owners: List[str]) -> bool:
    return any(v != owner and v in item and f"非{v[-4:]}" not in item for v in owners)


# The benefit that is the user's own when they say they are the landlord or the guarantor.
ROLE_BENEFIT = {"业主": "landlord_subsidy", "担保机构": "guarantee_subsidy"}
PERSON_WORDS = re.compile(r"联系人|是谁|哪位|找谁|叫什么")
EMAIL_WORDS = re.compile(r"邮箱|邮件|email|e-mail|报送|发送|寄|材料|清单", re.IGNORECASE)


def benefit_named(m: Measure, text: str, synonyms: Optional[Dict[str, List[str]]] = None) -> str:
    """The printed text of the one benefit the question's words point to ("130课时" → the training
    subsidy; with the taxonomy's synonyms, "晚点交" → 延迟缴纳), whose name the contact list uses."""
    text = expand_synonyms(text, synonyms) if synonyms and text else text
    q = set(char_bigrams(GENERIC_CONTACT_WORDS.sub(" ", text)))
    scored = sorted(
        ((len(q & set(char_bigrams(b.get("text", "")))), i) for i, b in enumerate(m.benefits)), reverse=True
    )
    if not scored or scored[0][0] < MIN_CONTACT_SCORE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return ""
    return m.benefits[scored[0][1]].get("text", "")


def benefit_asked_about(m: Measure, u: Understanding, synonyms: Optional[Dict[str, List[str]]] = None) -> str:
    """The printed text of the benefit this turn's words point to, else the previous question's."""
    return benefit_named(m, u.text, synonyms) or benefit_named(m, u.previous_text or "", synonyms)


def asked_benefit(m: Measure, u: Understanding, facts: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The conditional benefit the question (or the one before it) names, when the measure has
    several: "担保费能减半吗" is about the fee halved for small and micro firms, not the guarantor's
    subsidy."""
    own = m.benefits_of_kind(ROLE_BENEFIT.get(str(facts.get("role") or ""), ""))
    if len(own) == 1 and len(m.benefits) > 1:
        return own[0]  # a guarantor asks about the guarantor's subsidy, whatever else the measure gives
    if len(m.benefits) < 2:
        return None
    testing = [b for b in m.benefits if any(c["fact"] in u.facts for c in b.get("when") or [])]
    if len(testing) == 1 and not any(c["fact"] in u.facts for c in m.conditions):
        return testing[0]  # "能展一年吗": the one benefit whose own condition the stated fact tests
    named = benefit_asked_about(m, u)
    benefit = next((b for b in m.benefits if named and b.get("text") == named), None)
    if not benefit or not benefit.get("when"):
        return None
    # only when nothing else the measure gives is the enterprise's own: "那办公室呢" after "门面…免不免"
    # is judged on every branch (the office one applies), the halved fee apart from the guarantor's subsidy
    others = [b for b in m.benefits if b is not benefit]
    return benefit if all(b["kind"] in NOT_ENTITLEMENTS for b in others) else None


def _enum_fact_words(kb: KnowledgeBase, facts: Dict[str, Any]) -> str:
    """The words for the enterprise's stated choices (房产产权方 民营企业 → 民营企业 其他经营用房 …)."""
    words = []
    for name, value in facts.items():
        if kb.taxonomy.facts.get(name, {}).get("type") == "enum" and isinstance(value, str):
            words += [value] + kb.taxonomy.synonyms.get(value, [])
    return " ".join(words)


NEGATED = re.compile(r"(不是|并非|而非|非|没有|没)[^，,。；;\s]{1,6}")


def _contacts_named(kb: KnowledgeBase, with_phone: List[Dict], text: str) -> Tuple[List[Dict], bool]:
    said = NEGATED.sub(" ", text)
    text = expand_synonyms(said, kb.taxonomy.synonyms)
    question = strip_districts(kb, GENERIC_CONTACT_WORDS.sub(" ", text))
    q = set(char_bigrams(question))
    detail = [" ".join([c.get("item", ""), c.get("note", ""), c.get("office", ""), c["unit"]]) for c in with_phone]
    shared = set.intersection(*[set(char_bigrams(t)) for t in detail]) if detail else set()
    scores = []
    for c, t in zip(with_phone, detail):
        # named once is enough; by its own name more than by a word the taxonomy ties to it (国企 → 区国资委)
        aliases = kb.taxonomy.synonyms.get(c["unit"], [])
        score = max([NAME_WEIGHT // (2 if n in aliases else 1) for n in contact_names(kb, c) if n in said] or [0])
        score += len((q & set(char_bigrams(t))) - shared)
        scores.append(score)
    best = max(scores)
    if best < MIN_CONTACT_SCORE:
        return with_phone, False
    chosen = [c for c, s in zip(with_phone, scores) if s == best]
    return chosen, len(chosen) < len(with_phone)


# ---- amounts -------------------------------------------------------------------------------


def calculable(m: Measure) -> bool:
    kinds = {b["kind"] for b in m.benefits}
    if "training_subsidy" in kinds:
        return any("unit_hours" in b for b in m.benefits_of_kind("training_subsidy"))
    if "per_person_subsidy" in kinds:
        return any("amount" in b for b in m.benefits_of_kind("per_person_subsidy"))
    if kinds & {"rent_waiver", "rent_subsidy", "landlord_subsidy"}:
        return True
    return any("percent" in b for b in m.benefits_of_kind("interest_subsidy"))


def calculator_inputs(m: Measure) -> List[str]:
    """Every fact one of the measure's calculators reads: stating one of them asks for the sum
    ("3、4月一共免了8万" to a landlord is the base of the landlord's subsidy)."""
    kinds = {b["kind"] for b in m.benefits}
    guarantor = ["guarantee_fee_cut", "guaranteed_loans", "guarantee_rate", "subsidy_claimed"]
    return (
        amount_inputs(m)
        + (["rent_waived"] if "landlord_subsidy" in kinds else [])
        + (guarantor if "guarantee_subsidy" in kinds else [])
    )


def benefit_kinds(m: Measure, facts: Optional[Dict[str, Any]] = None) -> set:
    """The kinds of benefit that are the user's: a landlord's or a guarantor's own subsidy only,
    when they say they are one (not the tenant's rent waiver of the same measure)."""
    kinds = {b["kind"] for b in m.benefits}
    own = ROLE_BENEFIT.get(str((facts or {}).get("role") or ""))
    return {own} if own in kinds else kinds


def amount_inputs(m: Measure, facts: Optional[Dict[str, Any]] = None) -> List[str]:
    """The facts a measure's calculator needs, in the order to ask them."""
    kinds = benefit_kinds(m, facts)
    if "training_subsidy" in kinds and calculable(m):
        return ["training_hours", "employees_trained"]
    if "per_person_subsidy" in kinds and calculable(m):
        return ["employees_trained"]
    if "rent_waiver" in kinds:
        return ["monthly_rent"] + (["premises_use"] if len(m.benefits_of_kind("rent_waiver")) > 1 else [])
    if "rent_subsidy" in kinds:
        return ["monthly_rent"]
    if "guarantee_subsidy" in kinds and (facts or {}).get("role") == "担保机构":
        return ["guarantee_fee_cut"]
    if "landlord_subsidy" in kinds:
        return ["rent_waived"]
    if any("percent" in b for b in m.benefits_of_kind("interest_subsidy")):
        return ["interest_paid"]
    return []


def compute_amounts(kb: KnowledgeBase, m: Measure, facts: Dict[str, Any]) -> Tuple[List[Amount], List[str]]:
    """Amounts the stated facts fix, and the inputs still missing."""
    facts = eligibility.normalize_facts(facts, kb.taxonomy)
    kinds = benefit_kinds(m, facts)
    missing = [f for f in amount_inputs(m, facts) if f not in facts]
    out: List[Amount] = []
    try:
        if "training_subsidy" in kinds and "training_hours" in facts and calculable(m):
            people = int(facts.get("employees_trained", 1))
            out.append(calculators.training_subsidy(m, facts["training_hours"], people))
            missing = [f for f in missing if f != "employees_trained"]
        if "per_person_subsidy" in kinds and "employees_trained" in facts and calculable(m):
            out.append(calculators.per_person_subsidy(m, int(facts["employees_trained"])))
        if "rent_waiver" in kinds and "monthly_rent" in facts:
            use = facts.get("premises_use")
            uses = [use] if use else ["生产经营", "办公用房"] if len(m.benefits_of_kind("rent_waiver")) > 1 else [None]
            for one in uses:
                amount = calculators.rent_waived(m, facts["monthly_rent"], one)
                if len(uses) > 1:  # the use was not said: each branch says which it is
                    amount.explanation = f"若用于{one}：{amount.explanation}"
                out.append(amount)
            missing = []
        elif "rent_subsidy" in kinds and "monthly_rent" in facts:
            out.append(calculators.rent_subsidy(m, facts["monthly_rent"] * 2))
            missing = []
        elif "landlord_subsidy" in kinds and "rent_waived" in facts:
            out.append(calculators.landlord_subsidy(m, facts["rent_waived"]))
            missing = []
        if "guarantee_subsidy" in kinds and facts.get("role") == "担保机构":
            if "guarantee_fee_cut" in facts:
                out.append(calculators.guarantee_subsidy(m, facts["guarantee_fee_cut"]))
            elif "guaranteed_loans" in facts and "guarantee_rate" in facts:
                out.append(
                    calculators.guarantee_subsidy_from_loans(m, facts["guaranteed_loans"], facts["guarantee_rate"])
                )
            elif "subsidy_claimed" in facts:
                out.append(calculators.capped_claim(m, "guarantee_subsidy", facts["subsidy_claimed"]))
            missing = [] if out else missing
        if "interest_subsidy" in kinds and "interest_paid" in facts and calculable(m):
            out.append(calculators.interest_subsidy(m, facts["interest_paid"]))
            missing = []
    except calculators.NotApplicable:
        pass
    return out, missing


# ---- the decision --------------------------------------------------------------------------


def topic_group(kb: KnowledgeBase, u: Understanding) -> Optional[str]:
    topics = retriever_for(kb).question_topics(u.text)
    groups = [kb.taxonomy.topics[t]["group"] for t in topics]
    return max(dict.fromkeys(groups), key=groups.count) if groups else None


def decide(
    kb: KnowledgeBase, u: Understanding, known_facts: Optional[Dict[str, Any]] = None, today: Optional[dt.date] = None
) -> Decision:
    from actions.clock import today as clock_today

    today = today or clock_today()
    facts = {**(known_facts or {}), **u.facts}
    if "layoff_ratio" not in u.facts and ("laid_off" in u.facts or "headcount" in u.facts):
        ratio = layoff_ratio(facts)
        if ratio is not None:
            facts["layoff_ratio"] = ratio
    d = Decision("no_answer", u, facts=facts, district=u.district)
    if u.english:
        d.kind = "english"
        if u.measure and not (u.other_places and not u.districts):  # another city's question gets no contacts
            _fill_measure(kb, d, u.measure, today)
            d.kind = "english"  # the measure's facts, told in English
        return d
    if not u.text and not u.measure:
        d.kind = "empty"
        return d
    if u.other_places and not u.districts:
        d.kind = "other_place"
        return d
    if (
        u.documents
        and u.by_reference != "article"
        and (not u.measure or "time" in u.asked or RELATION_ASKED.search(u.text))
        and content_chars(kb, DOCUMENT_WORDS.sub("", u.text)) <= 2
    ):
        d.kind = "document"
        d.document_statuses = [(doc_id, document_status(kb.measures_of(doc_id), today)) for doc_id in u.documents]
        return d
    small_talk = content_chars(kb, u.text) <= CHITCHAT_MAX_CHARS
    if u.intent in CHITCHAT_INTENTS and small_talk and not u.by_reference and not u.asked and not u.districts:
        d.kind = "chitchat"
        return d
    d.group = topic_group(kb, u)
    topics = retriever_for(kb).question_topics(u.text)
    if (
        u.district
        and topics
        and u.by_reference not in ("context", "article", "button", "person")
        and not any(kb.filter(district=u.district, topic=t) for t in topics)
    ):
        d.kind = "not_covered"
        d.group = kb.taxonomy.topics[topics[0]]["group"]
        d.topic = topics[0]
        return d
    if u.person_refs and (u.by_reference == "person" or "contact" in u.asked):
        refs = [r for r in u.person_refs if not u.district or r.measure.district == u.district]
        d.person_refs = refs or u.person_refs
        if u.documents and not PHONE_NUMBER.search(u.text):  # "6号文上赵鹏是83926742，哪个对": every number
            d.person_refs = [r for r in d.person_refs if r.measure.document.id in u.documents] or d.person_refs
        d.kind = "person"
        names = {p for r in d.person_refs for p in r.contact.get("persons") or []}
        topical = content_chars(kb, re.sub("|".join(map(re.escape, names)) or "^$", "", u.text))
        top = u.hits[0] if u.hits else None
        if (
            topical > 2
            and top
            and (top.confident or clear_lead(u.hits))
            and any(r.measure.id == top.measure.id for r in d.person_refs)
        ):
            d.person_refs = [r for r in d.person_refs if r.measure.id == top.measure.id]
        return d
    if u.units and not u.confident and "contact" in u.asked:
        d.kind = "unit"
        return d
    if u.options:
        return _which_district(kb, d, u.options, today)
    if u.listed_topic and not u.measure:
        d.kind, (d.topic, d.district) = "list", u.listed_topic  # choose one of the topic's measures first
        return d
    if (
        u.measure
        and "list" in u.asked
        and d.group
        and u.by_reference not in ("article", "button", "context", "person")
        and d.group not in {kb.taxonomy.topics[t]["group"] for t in u.measure.topics if t in kb.taxonomy.topics}
    ):
        u.measures = []  # "西城区减免哪些费用": the list of that kind, not a measure that shares two words
    named = set(topics)
    listing = bool(
        u.measure
        and len(named) == 1
        and u.by_reference not in ("article", "button", "context", "person")
        and (
            (u.asked == ["list"] and not clear_lead(u.hits))  # "有啥快速对接的渠道": one measure stands out
            or MONTHS_ASKED.search(u.text)
            or (
                u.district
                and u.primary_ask in BARE_TOPIC_ASKS
                and names_only_topic(kb, u.text, next(iter(named)), u.district)
            )
        )
        and not u.facts.keys() - {"district"}
        and len(kb.filter(district=u.district, topic=next(iter(named)))) > 1
    )
    if listing:
        u.measures = []  # "西城房租减免有哪些", "…减的是哪几个月": every measure of that topic, not one
        d.topic = next(iter(named))
    if not u.measure and d.group and "list" not in u.asked and not listing:
        within = prefer_named_months(
            u.text,
            retriever_for(kb).search(
                u.text, district=u.district, topic=d.group, top_k=3, documents=u.documents or None
            ),
        )
        if within and within[0].score >= WEAK_HIT_SCORE:
            u.measures, u.hits = [within[0].measure], within
    if not u.measure:
        if "list" in u.asked or d.group or listing:
            d.kind = "list"
        elif u.intent in ("out_of_scope", "nlu_fallback") or u.intent in CHITCHAT_INTENTS:
            d.kind = "out_of_scope" if not (u.intent in CHITCHAT_INTENTS and small_talk) else "chitchat"
        return d
    m = u.measure
    if not u.district and u.by_reference not in ("article", "button", "context", "person"):
        top = u.hits[0] if u.hits else None
        # a rival as sure as the top hit: confident, or any hit when the top one is not confident either
        rival = next(
            (
                h
                for h in u.hits[1:]
                if (h.confident or not (top and top.confident))
                and h.measure.district != m.district
                and set(h.measure.topics) & set(m.topics)  # the other district's measure of the same kind
            ),
            None,
        )
        if rival and top and rival.score >= AMBIGUOUS_DISTRICT_RATIO * top.score:
            settled = [x for x in (m, rival.measure) if prints_stated_percent(x, u.text)]
            if len(settled) != 1:
                settled = covering_named_months(u.text, [m, rival.measure], facts.get("role"))
            if len(settled) != 1:  # "…区教委找谁": only one district's close measures list that department
                settled = listing_units(u, [m, rival.measure])
            if len(settled) != 1:
                return _which_district(kb, d, [m, rival.measure], today)
            m = settled[0]  # "那个30%补贴" / "2月房租": only one district's measure prints it
    if u.by_reference in ("article", "judged") and len(u.measures) > 1:
        d.measure, d.alternatives = u.measures[0], u.measures[1:]
        if len({x.district for x in u.measures}) > 1:
            return _which_district(kb, d, u.measures, today)
    _fill_measure(kb, d, m, today)
    return d


def listing_units(u: Understanding, rivals: List[Measure]) -> List[Measure]:
    """The best close hit whose contacts include every department the question names, when all
    such hits are of one district (else none: "家政 稳岗补贴 商务局" fits both districts' hits)."""
    close = [h.measure for h in u.hits if h.confident or h.measure in rivals]
    listing = [x for x in close if u.units and {c["unit"] for c in x.contacts} >= set(u.units)]
    return listing[:1] if len({x.district for x in listing}) == 1 else []


def _which_district(kb: KnowledgeBase, d: Decision, measures: List[Measure], today: dt.date) -> Decision:
    """Both districts have the measure: what each says for the facts stated, before asking which."""
    d.kind = "which_district"
    d.measure, d.alternatives = measures[0], measures[1:]
    stated = {k: v for k, v in d.u.facts.items() if k != "district"}
    for m in measures[:3]:
        option = Option(m, status_of(m, today))
        if stated:
            verdict = eligibility.check(m, {**stated, "district": m.district}, kb.taxonomy)
            option.eligible = verdict.status == eligibility.ELIGIBLE
            option.met = list(
                dict.fromkeys(
                    r.condition["text"] for r in verdict.results if r.status == eligibility.MET and r.fact in stated
                )
            )
            if verdict.status == eligibility.NOT_ELIGIBLE:
                option.failed = [r.condition["text"] for r in verdict.failed]
            else:
                option.amounts = compute_amounts(kb, m, stated)[0]
                option.stated_case = [b["text"].rstrip("。") for b in stated_case_benefits(verdict)]
        d.options.append(option)
    return d


# "西城区房租减免怎么申请": a whole topic, whose measures each have their own way to apply and contacts
BARE_TOPIC_ASKS = ("what", "procedure", "contact")


def names_only_topic(kb: KnowledgeBase, text: str, topic: str, district: str) -> bool:
    """The question names the topic and nothing more (no landlord type, industry, month …), in words
    that several of the district's measures of it print (创新券 is one measure's, not the topic's)."""
    spec = kb.taxonomy.topics.get(topic, {})
    words = sorted({spec.get("label", ""), *(spec.get("keywords") or []), "减免"} - {""}, key=len, reverse=True)
    measures = kb.filter(district=district, topic=topic)
    for word in re.findall("|".join(map(re.escape, words)), text):
        if word != spec.get("label") and sum(1 for m in measures if word in m.text or word in m.keywords) <= 1:
            return False
    rest = re.sub("|".join(map(re.escape, words)), "", text)
    return content_chars(kb, rest) <= 1


MONTHS_ASKED = re.compile(r"哪几个月|哪个月|几月份|哪些月份?|哪几月")
PHONE_NUMBER = re.compile(r"(?<!\d)\d{8}(?!\d)|(?<!\d)1\d{10}(?!\d)")
STATED_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*[%％]")


def prints_stated_percent(m: Measure, text: str) -> bool:
    """The measure prints a percentage the question quotes."""
    stated = {float(x) for x in STATED_PERCENT.findall(text)}
    return bool(stated) and any(b.get("percent") is not None and float(b["percent"]) in stated for b in m.benefits)


def covering_named_months(text: str, measures: List[Measure], role: Optional[str] = None) -> List[Measure]:
    """The measures whose relief months include every month the question names ("2月房租" is
    Xicheng's 1号; Miyun's rent relief is for March and April); all of them when none is named."""
    from actions.understanding import months_named

    named = set(months_named(text))
    if not named:
        return measures

    # the months of what the asker gets: a landlord's subsidy (密云（一）pays landlords for 2–4月),
    # else the tenant's relief
    def theirs(b: Dict[str, Any]) -> bool:
        return (b["kind"] == "landlord_subsidy") == (role == "业主")

    if role == "业主":  # a landlord asks about a landlord's subsidy: a measure without one is not theirs
        measures = [m for m in measures if any(theirs(b) for b in m.benefits)] or measures
    printed = {m.id: {int(mo[5:7]) for b in m.benefits if theirs(b) for mo in b.get("months") or []} for m in measures}
    if not all(printed.values()):
        return measures  # a measure that prints no months for it cannot be ruled out by a month
    return [m for m in measures if named <= printed[m.id]]


def relevant_facts(m: Measure, facts: Dict[str, Any]) -> bool:
    tested = {c["fact"] for c in m.conditions} | {c["fact"] for b in m.benefits for c in b.get("when") or []}
    return bool(tested & set(facts)) or bool(set(amount_inputs(m)) & set(facts))


def _fill_measure(kb: KnowledgeBase, d: Decision, m: Measure, today: dt.date) -> None:
    u = d.u
    d.kind = "measure"
    d.measure = m
    d.district = m.district
    d.time = status_of(m, today)
    d.contacts, d.contacts_specific = select_contacts(kb, m, u, d.facts)
    facts = dict(d.facts)
    if facts.get("registered_in"):
        facts["district"] = facts["registered_in"]
    elif u.district == m.district:
        facts.setdefault("district", m.district)
    if "is_sme" not in facts:
        facts["is_sme"] = True
        d.assumed_sme = True
    # a measure whose notice states no condition the facts can test is never "符合" by default
    judgeable = bool(m.conditions) or any(b.get("when") for b in m.benefits)
    if judgeable and (
        "eligibility" in u.asked
        or "amount" in u.asked
        or relevant_facts(m, {k: v for k, v in facts.items() if k not in ("district", "is_sme")})
    ):
        asked = asked_benefit(m, u, facts)
        if asked and not (m.conditions or asked.get("when")):
            return _fill_amounts(kb, d, m, u, facts)  # nothing printed to test for that benefit: no verdict
        d.verdict = (
            eligibility.check_benefit(m, asked, facts, kb.taxonomy)
            if asked
            else eligibility.check(m, facts, kb.taxonomy)
        )
        if d.verdict.status == eligibility.UNKNOWN and facts.get("others_met") and not d.verdict.failed:
            d.verdict.status = eligibility.ELIGIBLE  # "其他条件都满足": the user vouches for the rest
            d.verdict.benefits += d.verdict.open_benefits
        if any(r.fact == "district" for r in d.verdict.failed):
            d.contacts = []  # registered elsewhere: this district's offices are not theirs to call
            d.contacts_withheld = True
    _fill_amounts(kb, d, m, u, facts)


def _fill_amounts(kb: KnowledgeBase, d: Decision, m: Measure, u: Understanding, facts: Dict[str, Any]) -> None:
    if "amount" in u.asked or set(calculator_inputs(m)) & set(u.facts):
        amounts, d.amount_missing = compute_amounts(kb, m, facts)
        d.amounts = [(m, a) for a in amounts]
        # a stated waived total is one base, whichever notices' months it spans: never counted twice
        for other in measures_for_months(kb, m, u) if "rent_waived" not in facts else []:
            d.amounts += [(other, a) for a in compute_amounts(kb, other, facts)[0]]


def measures_for_months(kb: KnowledgeBase, m: Measure, u: Understanding) -> List[Measure]:
    """Other measures of the same district and topic whose relief months the question also names
    (Xicheng's February rent in 1号 and March–April in 6号 add up)."""
    from actions.time_status import relief_month_numbers
    from actions.understanding import months_named

    named = set(months_named(u.text))
    if ADD_UP.search(u.text):
        named |= {
            n
            for other in kb.filter(district=m.district)
            if set(other.topics) & set(m.topics)
            for n in relief_month_numbers(other)
        }
    if len(named) < 2:
        return []
    own = relief_month_numbers(m)
    out = []
    for other in kb.filter(district=m.district):
        months = relief_month_numbers(other)
        if (
            other.id != m.id
            and set(other.topics) & set(m.topics)
            and months & named
            and not months & own
            and {b["kind"] for b in other.benefits} & {b["kind"] for b in m.benefits} & {"rent_waiver"}
        ):
            out.append(other)
    return out
