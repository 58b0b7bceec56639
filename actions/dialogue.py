"""What the assistant says, decided from NLU intent/entities, conversation slots and the KB.

Pure Python (no Rasa): every function takes a ``Turn`` and returns a ``Reply`` (text, buttons and
the slots to remember). ``actions/rasa_actions.py`` only adapts these to Rasa.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from actions import answers, calculators, eligibility
from actions.fact_extraction import extract_facts
from actions.knowledge_base import KnowledgeBase, Measure
from actions.quantities import format_money
from actions.retrieval import Hit, retriever_for
from actions.text_tools import detect_values, normalize

# Topical intents → taxonomy group (None: any topic).
INTENT_GROUP = {
    "ask_rent": "rent", "ask_finance": "finance", "ask_employment": "employment", "ask_tax": "tax",
    "ask_fees": "fees", "ask_procurement": "procurement", "ask_technology": "technology",
    "ask_other_measure": None,
}
# Words that ask *about* a measure without saying which one.
GENERIC = re.compile(
    r"(怎么|如何|怎样|去哪|哪里|在哪)?(申请|办理|申报|办)(流程|手续|步骤)?|流程|手续|材料|条件|要求|资格|门槛|"
    r"联系(方式|电话|人)?|电话(号码)?|号码|邮箱|找谁|打给谁|咨询|人工|多少钱?|能补|能减|能免|补多少|减多少|算一?算|"
    r"符合|够格|够不够|能不能|可以吗|能享受|享受|吗|呢|啊|吧|那|请问|我们|我|您|你好|谢谢|帮我|帮忙|看看|一下|"
    r"这个|那个|这条|上面|刚才|政策|措施|的|了|还|是|有|没有|能|可以|要|给|多久|什么|啥|呀"
)
FOLLOW_UP_DISTRICT = re.compile(r"^(那|那么|换成|如果是|要是|改成)?.{0,3}(西城|密云)(区)?(的|呢|那边|怎么样|的呢|吗)?[?？。!！]*$")
AMBIGUITY_RATIO = 0.8
STOPPED = "stopped"
INTERRUPTED = "interrupted"
QUESTION_INTENTS = {"ask_contact", "ask_how_to_apply", "ask_conditions", "list_policies"}
STOP_WORDS = re.compile(r"^(算了|不问了|不用了|结束|取消|退出|不想说|停|stop|quit|cancel)[吧啊了。.!！]*$", re.IGNORECASE)
MAX_INPUT = 500


@dataclass
class Turn:
    text: str
    intent: str = ""
    entities: Dict[str, str] = field(default_factory=dict)
    slots: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    texts: List[str] = field(default_factory=list)
    buttons: List[Tuple[str, str]] = field(default_factory=list)
    slots: Dict[str, Any] = field(default_factory=dict)
    start_form: bool = False

    def say(self, text: str) -> "Reply":
        self.texts.append(text)
        return self


@dataclass
class Found:
    status: str                      # found | ask_district | not_covered | none
    measure: Optional[Measure] = None
    hits: List[Hit] = field(default_factory=list)
    group: Optional[str] = None
    district: Optional[str] = None
    alternatives: List[Measure] = field(default_factory=list)


def topic_only(kb: KnowledgeBase, content: str) -> bool:
    """The question names only a topic (and maybe a district): "西城区房租减免", "有贷款贴息吗"."""
    words = [d for d in kb.districts] + [v for d in kb.districts for v in kb.taxonomy.synonyms.get(d, [])]
    for spec in kb.taxonomy.topics.values():
        words += list(spec.get("keywords") or []) + [spec["label"]]
    words += ["减免", "优惠", "扶持", "支持", "补贴", "补助", "方面", "相关", "这块", "哪些", "情况", "减", "免"]
    rest = content
    for w in sorted(set(words), key=len, reverse=True):
        rest = rest.replace(w, "")
    return not re.sub(r"[\s\W_]+", "", rest)


def clean_text(text: str) -> str:
    """Normalised user text without markup, cut to a sane length."""
    text = re.sub(r"<[^>]{0,200}>", " ", text or "")
    return normalize(text)[:MAX_INPUT]


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def district_of(kb: KnowledgeBase, turn: Turn) -> Optional[str]:
    named = detect_values(turn.text, kb.districts, kb.taxonomy.synonyms)
    if len(named) == 1:
        return named[0]
    entity = turn.entities.get("district")
    if entity:
        canon = kb.taxonomy.canonical(entity)
        if canon in kb.districts:
            return canon
    slot = turn.slots.get("district")
    return slot if slot in kb.districts else None


def without_districts(kb: KnowledgeBase, text: str) -> str:
    """The text with district names removed (to ask the same question about another district)."""
    forms = []
    for d in kb.districts:
        forms += [d] + list(kb.taxonomy.synonyms.get(d, []))
    for f in sorted(forms, key=len, reverse=True):
        text = text.replace(f, "")
    return text


def topical_text(text: str) -> str:
    """The question without the generic 'how/who/how much' words (empty for '电话多少')."""
    return GENERIC.sub("", text).strip(" ，,。.？?！!")


def is_district_follow_up(text: str) -> bool:
    return bool(FOLLOW_UP_DISTRICT.match(text.strip()))


def group_of(kb: KnowledgeBase, turn: Turn) -> Optional[str]:
    group = INTENT_GROUP.get(turn.intent)
    if group:
        return group
    topics = retriever_for(kb).question_topics(turn.text)
    groups = [kb.taxonomy.topics[t]["group"] for t in topics]
    if not groups:
        return None
    order = list(kb.taxonomy.groups)  # ties go to the group listed first in taxonomy.yml
    return max(dict.fromkeys(groups), key=lambda g: (groups.count(g), -order.index(g) if g in order else 0))


def find_measure(kb: KnowledgeBase, turn: Turn, question: Optional[str] = None,
                 use_context: bool = True) -> Found:
    """The measure a question is about: explicit id, retrieval, or the one in context."""
    district = district_of(kb, turn)
    explicit = turn.entities.get("measure_id")
    if explicit and kb.get(explicit):
        return Found("found", kb.get(explicit), district=district)
    question = question if question is not None else turn.text
    content = topical_text(question)
    if is_district_follow_up(question):
        content = ""
    group = (INTENT_GROUP.get(turn.intent) or _entity_group(kb, turn)
             or (group_of(kb, Turn(content)) if content else None))
    if district and group and not kb.filter(district=district, topic=group):
        return Found("not_covered", group=group, district=district)

    if content and group and topic_only(kb, content):
        primaries = [m for m in kb.filter(district=district, topic=group) if m.primary]
        primaries.sort(key=lambda m: m.document.issued, reverse=True)
        if primaries and (district or len({m.district for m in primaries}) == 1):
            return Found("found", primaries[0], group=group, district=district, alternatives=primaries[1:])
        if primaries:
            hits = [Hit(m, 10.0, 1.0) for m in primaries]
            return Found("ask_district", primaries[0], hits, group=group)

    if content:
        retriever = retriever_for(kb)
        hits = list(retriever.search(question, district=district, topic=group, top_k=10))
        if not (hits and hits[0].confident):
            hits = list(retriever.search(question, district=district, top_k=10))
        if hits and hits[0].confident:
            if not district:
                top = hits[0]
                rival = next((h for h in hits[1:] if h.measure.district != top.measure.district), None)
                if rival and rival.confident and rival.score >= AMBIGUITY_RATIO * top.score:
                    return Found("ask_district", top.measure, hits, group=group)
            return Found("found", hits[0].measure, hits, group=group, district=district)

    if use_context:
        current = kb.get(turn.slots.get("measure_id") or "")
        if current:
            if district and current.district != district:
                # "那密云呢": the same question about another district.
                last = without_districts(kb, turn.slots.get("last_question") or current.title)
                switched = find_measure(kb, Turn(last, "", {}, {**turn.slots, "district": district, "measure_id": None}),
                                        use_context=False)
                if switched.status in ("found", "not_covered"):
                    return switched
                group = kb.taxonomy.topics[current.topics[0]]["group"]
                candidates = kb.filter(district=district, topic=group)
                if candidates:
                    return Found("found", candidates[0], group=group, district=district)
                return Found("not_covered", group=group, district=district)
            return Found("found", current, district=district)
        last = without_districts(kb, turn.slots.get("last_question") or "")
        if last and district and last != question:
            return find_measure(kb, Turn(last, "", {}, {**turn.slots, "district": district}), use_context=False)
    return Found("none", group=group, district=district)


def _entity_group(kb: KnowledgeBase, turn: Turn) -> Optional[str]:
    topic = turn.entities.get("topic")
    if topic in kb.taxonomy.groups:
        return topic
    if topic in kb.taxonomy.topics:
        return kb.taxonomy.topics[topic]["group"]
    return None


def group_menu(kb: KnowledgeBase, group: str, district: Optional[str]) -> Reply:
    """The measures of one category as choices (a category button, or a bare topic question)."""
    measures = kb.filter(district=district, topic=group)
    label = kb.taxonomy.groups.get(group, group)
    where = district or "西城区、密云区"
    lines = [f"{where}{label}方面的措施有{len(measures)}条，请选择："]
    lines += [f"· {m.district} {m.label}{m.title}" for m in measures[:8]]
    buttons = [(f"{m.district[:2]}{m.label}{m.title[:12]}", payload("ask_other_measure", measure_id=m.id)) for m in measures[:6]]
    return Reply(["\n".join(lines)], buttons, {"last_kind": "policy"})


def detail_buttons(kb: KnowledgeBase, m: Measure) -> List[Tuple[str, str]]:
    buttons = [("申请条件", payload("ask_conditions", measure_id=m.id)),
               ("办理流程", payload("ask_how_to_apply", measure_id=m.id)),
               ("联系方式", payload("ask_contact", measure_id=m.id))]
    if calculable(m):
        buttons.append(("算一算", payload("ask_amount", measure_id=m.id)))
    return buttons


def calculable(m: Measure) -> bool:
    kinds = {b["kind"] for b in m.benefits}
    if "training_subsidy" in kinds:
        return any("unit_hours" in b for b in m.benefits_of_kind("training_subsidy"))
    if "per_person_subsidy" in kinds:
        return any("amount" in b for b in m.benefits_of_kind("per_person_subsidy"))
    return bool(kinds & {"rent_waiver", "rent_subsidy", "landlord_subsidy"}) or any(
        "cap" in b for b in m.benefits_of_kind("interest_subsidy", "guarantee_subsidy"))


def remember(m: Measure, question: Optional[str], kind: str) -> Dict[str, Any]:
    slots = {"measure_id": m.id, "district": m.district, "topic": m.topics[0], "last_kind": kind}
    # Only a real question is remembered for "那密云呢", not a bare answer such as "3万".
    if question and len(re.findall(r"[\u4e00-\u9fff]", topical_text(question))) >= 2 \
            and not is_district_follow_up(question):
        slots["last_question"] = question
    return slots


def ask_district(kb: KnowledgeBase, found: Found, question: str, kind: str,
                 facts: Optional[Dict[str, Any]] = None) -> Reply:
    """Ask which district; when stated facts already rule a district out, say so and why."""
    options = []
    for h in found.hits:
        if h.confident and h.measure.district not in [o.district for o in options]:
            options.append(h.measure)
    lines = ["请问您的企业在哪个区注册纳税？两区的政策不同："]
    for m in options:
        line = f"· {m.district}：{m.title}（{m.document.doc_number}{m.label}）"
        if facts:
            verdict = eligibility.check(m, {k: v for k, v in facts.items() if k != "district"}, kb.taxonomy)
            if verdict.status == eligibility.NOT_ELIGIBLE:
                reasons = "；".join(r.condition["text"] for r in verdict.failed)
                line += f"——按原文要求“{reasons}”，您的情况不符合"
        lines.append(line)
    buttons = [(d, payload("inform", district=d)) for d in kb.districts]
    return Reply([("\n".join(lines))], buttons, {"last_question": question, "last_kind": kind, "measure_id": None})


def not_covered(kb: KnowledgeBase, found: Found) -> Reply:
    label = kb.taxonomy.groups.get(found.group, found.group)
    docs = "、".join(d.doc_number for d in kb.documents.values() if d.district == found.district)
    lines = [f"{found.district}的通知（{docs}）没有{label}方面的措施。"]
    others = [m for m in kb.filter(topic=found.group) if m.district != found.district]
    if others:
        lines.append("其他区的相关措施（仅适用于在该区注册纳税的企业）：")
        lines += [f"· {m.district} {m.label}{m.title}（{m.document.doc_number}）" for m in others[:3]]
    lines.append("如需进一步了解，可咨询：")
    lines += [f"· {answers.contact_line(c)}" for c in referral_contacts(kb, found.district, None)]
    return Reply(["\n".join(lines)], slots={"topic": None})


def referral_contacts(kb: KnowledgeBase, district: Optional[str], group: Optional[str]) -> List[Dict]:
    contacts = []
    for m in kb.referral_measures(district, group):
        c = answers.primary_contact(m)
        if c and c not in contacts:
            contacts.append(c)
    return contacts[:4]


def no_answer(kb: KnowledgeBase, turn: Turn, group: Optional[str] = None) -> Reply:
    district = district_of(kb, turn)
    lines = ["抱歉，我没能在这几份政策通知里找到您问的内容。您可以换个说法，比如“西城区房租减免怎么申请”“密云区贷款贴息条件”。",
             "也可以直接咨询工作人员："]
    lines += [f"· {answers.contact_line(c)}" for c in referral_contacts(kb, district, group)]
    return Reply(["\n".join(lines)], [("有哪些政策", "/list_policies"), ("转人工", "/human_handoff")])


AMOUNT_FACTS = {"monthly_rent", "rent_waived", "training_hours", "employees_trained", "loan_amount", "loan_cost",
                "loan_term_months", "layoff_ratio", "revenue_decline", "annual_revenue"}


def follow_up_goal(kb: KnowledgeBase, turn: Turn) -> Optional[str]:
    """A bare number after an answer ("3万", "裁员5%") continues with a calculation or a check."""
    m = kb.get(turn.slots.get("measure_id") or "")
    if not m or turn.intent != "inform":
        return None
    stated = set(extract_facts(clean_text(turn.text), kb)) | set(bare_amount(kb, m, turn.text))
    if not stated & AMOUNT_FACTS:
        return None
    needed = set(amount_inputs(m, {}))
    return "amount" if calculable(m) and stated & needed else "eligibility"


BARE_MONEY = re.compile(r"^\s*\d+(\.\d+)?\s*(亿|万|千|k|w)?\s*(元|块)?\s*(钱)?\s*[。.!！]?$", re.IGNORECASE)


def bare_amount(kb: KnowledgeBase, m: Measure, text: str) -> Dict[str, Any]:
    """A bare sum ("3万") after a measure is the money figure its calculator needs (e.g. monthly rent)."""
    from actions.quantities import arabic, parse_money
    t = arabic(clean_text(text))
    if not BARE_MONEY.match(t) or not re.search(r"[万千元块kw]", t, re.IGNORECASE):
        return {}
    money_facts = [f for f in amount_inputs(m, {}) if kb.taxonomy.facts[f]["type"] == "money"]
    return {money_facts[0]: parse_money(t)} if money_facts else {}


def technical_problem_text(kb: KnowledgeBase) -> str:
    lines = ["抱歉，系统暂时出了点问题，没能查到答案。请稍后再试，或直接咨询："]
    lines += [f"· {answers.contact_line(c)}" for c in referral_contacts(kb, None, None)]
    return "\n".join(lines)


def answer_policy(kb: KnowledgeBase, turn: Turn) -> Reply:
    """A topical question (or a district/topic follow-up): the measure, short, with detail buttons."""
    question = clean_text(turn.text)
    if turn.intent == "inform" and turn.slots.get("last_kind") == "list" and not topical_text(without_districts(kb, question)):
        return list_policies(kb, turn)
    if turn.intent == "inform" and turn.slots.get("last_kind") in ("contact", "procedure", "conditions"):
        return {"contact": answer_contacts, "procedure": answer_procedure,
                "conditions": answer_conditions}[turn.slots["last_kind"]](kb, turn)
    found = find_measure(kb, Turn(question, turn.intent, turn.entities, turn.slots))
    if found.status == "not_covered":
        return not_covered(kb, found)
    if found.status == "ask_district":
        return ask_district(kb, found, question, "policy")
    if found.status == "none":
        if found.group and not topical_text(question):
            return group_menu(kb, found.group, found.district)
        return no_answer(kb, turn, found.group)
    m = found.measure
    buttons = detail_buttons(kb, m)
    buttons += [(f"另见{a.document.doc_number}{a.label}", payload("ask_other_measure", measure_id=a.id))
                for a in found.alternatives[:2]]
    return Reply([answers.short_answer(m)], buttons, remember(m, question, "policy"))


def _detail(kb: KnowledgeBase, turn: Turn, kind: str, render) -> Reply:
    question = clean_text(turn.text)
    found = find_measure(kb, Turn(question, turn.intent, turn.entities, turn.slots))
    if found.status == "not_covered":
        return not_covered(kb, found)
    if found.status == "ask_district":
        return ask_district(kb, found, question, kind)
    if found.status == "none":
        if kind == "contact":
            return handoff(kb, turn)
        reply = Reply(["请问您想了解哪项政策？例如：房租减免、贷款贴息、稳岗培训补贴。"],
                      [("有哪些政策", "/list_policies")])
        reply.slots = {"last_kind": kind}
        return reply
    m = found.measure
    return Reply([render(m)], detail_buttons(kb, m), remember(m, question, kind))


def answer_contacts(kb: KnowledgeBase, turn: Turn) -> Reply:
    unit = turn.entities.get("unit")
    if unit and not turn.entities.get("measure_id"):
        district = district_of(kb, turn)
        hits = kb.contacts(unit=unit, district=district)
        if hits:
            seen, lines = [], [f"{kb.taxonomy.canonical(unit)}的联系方式（按政策原文）："]
            for h in hits:
                line = answers.contact_line(h.contact)
                if line not in seen:
                    seen.append(line)
                    lines.append(f"· {line}（{h.measure.district} {h.measure.label}{h.measure.title}）")
                if len(seen) >= 5:
                    break
            return Reply(["\n".join(lines)])
    return _detail(kb, turn, "contact", lambda m: answers.contacts_text(m, limit=8))


def answer_procedure(kb: KnowledgeBase, turn: Turn) -> Reply:
    return _detail(kb, turn, "procedure", answers.procedure_text)


def answer_conditions(kb: KnowledgeBase, turn: Turn) -> Reply:
    def render(m: Measure) -> str:
        return answers.conditions_text(m)
    reply = _detail(kb, turn, "conditions", render)
    if reply.slots.get("measure_id"):
        reply.buttons.insert(0, ("帮我判断能否享受", payload("ask_eligibility", measure_id=reply.slots["measure_id"])))
    return reply


def list_policies(kb: KnowledgeBase, turn: Turn) -> Reply:
    district = district_of(kb, turn)
    group = group_of(kb, turn) if turn.intent != "list_policies" or topical_text(turn.text) else None
    measures = kb.filter(district=district, topic=group)
    if not measures:
        measures = kb.filter(district=district)
    by_group: Dict[str, List[Measure]] = {}
    for m in measures:
        by_group.setdefault(kb.taxonomy.topics[m.topics[0]]["group"], []).append(m)
    where = district or "西城区、密云区"
    lines = [f"{where}的中小微企业扶持政策共{len(measures)}条，按类别："]
    for g, ms in by_group.items():
        lines.append(f"· {kb.taxonomy.groups.get(g, g)}：{len(ms)}条")
    lines.append("请点选类别，或直接提问，例如“房租能减免吗”。")
    buttons = [(kb.taxonomy.groups.get(g, g), _group_payload(g)) for g in list(by_group)[:8]]
    if not district:
        buttons = [(d, payload("inform", district=d)) for d in kb.districts] + buttons
    return Reply(["\n".join(lines)], buttons, {"last_kind": "list"})


def _group_payload(group: str) -> str:
    intent = next((i for i, g in INTENT_GROUP.items() if g == group), "ask_other_measure")
    return payload(intent, topic=group)


def handoff(kb: KnowledgeBase, turn: Turn) -> Reply:
    """A human for the current topic: the right department, person and phone."""
    district = district_of(kb, turn)
    m = kb.get(turn.slots.get("measure_id") or "")
    if m and (not district or m.district == district):
        contacts = [c for c in m.contacts if c.get("phones")][:3]
        lines = [f"为您转接人工：关于“{m.title}”（{m.citation}），请联系："]
        lines += [f"· {answers.contact_line(c)}" for c in contacts]
        return Reply(["\n".join(lines)])
    group = group_of(kb, turn) or (kb.taxonomy.topics[turn.slots["topic"]]["group"] if turn.slots.get("topic") in kb.taxonomy.topics else None)
    contacts = referral_contacts(kb, district, group)
    where = district or "西城区、密云区"
    lines = [f"为您转人工：{where}相关事项可联系以下工作人员（以政策原文公布的联系方式为准）："]
    lines += [f"· {answers.contact_line(c)}" for c in contacts]
    if not district:
        lines.append("告诉我您所在的区，我可以给您更准确的联系人。")
    return Reply(["\n".join(lines)])


def fallback(kb: KnowledgeBase, turn: Turn, ranking: Optional[List[Dict]] = None,
             titles: Optional[Dict[str, str]] = None) -> Reply:
    """Low NLU confidence: answer from retrieval when it is sure, else say so and offer choices."""
    text = clean_text(turn.text)
    if not text:
        return Reply(["您好，请输入您想咨询的问题，例如：西城区房租减免怎么申请？"])
    found = find_measure(kb, Turn(text, "", turn.entities, turn.slots), use_context=False)
    if found.status == "found":
        m = found.measure
        return Reply([answers.short_answer(m)], detail_buttons(kb, m), remember(m, text, "policy"))
    if found.status == "ask_district":
        return ask_district(kb, found, text, "policy")
    reply = no_answer(kb, turn)
    if ranking and titles:
        options = [(titles[r["name"]], "/" + r["name"]) for r in ranking
                   if r.get("name") in titles and r["name"] not in ("nlu_fallback", "out_of_scope")][:2]
        if options:
            reply.buttons = options + reply.buttons
    return reply


# ---- eligibility and amounts -------------------------------------------------------------

FACT_SLOTS = ["district", "is_sme", "industry", "property_owner", "premises_use", "layoff_ratio",
              "revenue_decline", "loan_term_months", "loan_amount", "loan_cost", "training_hours",
              "employees_trained", "monthly_rent", "rent_waived", "high_tech_certified", "zgc_registered",
              "unemployment_insured", "annual_revenue"]


def known_facts(turn: Turn) -> Dict[str, Any]:
    return {k: turn.slots.get(k) for k in FACT_SLOTS if turn.slots.get(k) not in (None, "")}


def start_check(kb: KnowledgeBase, turn: Turn, goal: str) -> Reply:
    """Eligibility or amount question: pick the measure, keep stated facts, then run the form."""
    question = clean_text(turn.text)
    stated = extract_facts(question, kb)
    slots_now = {**turn.slots, **stated}
    found = find_measure(kb, Turn(question, turn.intent, turn.entities, slots_now))
    if found.status == "not_covered":
        return not_covered(kb, found)
    if found.status == "ask_district":
        # Two districts, different rules: say what each requires before asking for facts.
        reply = ask_district(kb, found, question, "check_" + goal, stated)
        reply.slots.update(stated)
        return reply
    if found.status == "none":
        reply = Reply(["请问您想判断哪项政策？例如：房租减免、贷款贴息、以训稳岗补贴。"],
                      [("有哪些政策", "/list_policies")])
        reply.slots = {**stated, "last_kind": "check_" + goal}
        return reply
    m = found.measure
    if goal == "amount":
        stated = {**bare_amount(kb, m, question), **stated}
    slots = {**stated, **remember(m, question, "check_" + goal), "goal": goal}
    if goal == "amount" and not calculable(m):
        return Reply(["这项措施的原文没有给出可计算的标准或金额。\n" + answers.benefits_text(m)],
                     detail_buttons(kb, m), slots)
    facts = {**known_facts(Turn("", slots={**turn.slots, **slots}))}
    if not required_facts(kb, m.id, goal, facts):
        return Reply([], [], slots, start_form=True)
    intro = (f"【{m.district}】{m.title}（{m.citation}）：{m.summary}\n我来帮您算一算，需要几个数字。"
             if goal == "amount" else
             f"我来帮您判断是否符合【{m.district}】{m.title}（{m.citation}）的条件，只问还不知道的情况。")
    return Reply([intro], [], slots, start_form=True)


def required_facts(kb: KnowledgeBase, measure_id: Optional[str], goal: str, facts: Dict[str, Any]) -> List[str]:
    """Facts still to ask, in order; none once the verdict is decided."""
    m = kb.get(measure_id or "")
    if not m:
        return []
    if goal == "amount":
        return [f for f in amount_inputs(m, facts) if f not in facts]
    verdict = eligibility.check(m, facts, kb.taxonomy)
    if verdict.status != eligibility.UNKNOWN:
        return []
    return verdict.missing_facts


def amount_inputs(m: Measure, facts: Dict[str, Any]) -> List[str]:
    kinds = {b["kind"] for b in m.benefits}
    if "training_subsidy" in kinds and calculable(m):
        return ["training_hours", "employees_trained"]
    if "per_person_subsidy" in kinds and calculable(m):
        return ["employees_trained"]
    if "rent_waiver" in kinds:
        needed = ["monthly_rent"]
        if len(m.benefits_of_kind("rent_waiver")) > 1:
            needed.append("premises_use")
        return needed
    if "rent_subsidy" in kinds:
        return ["monthly_rent"]
    if "landlord_subsidy" in kinds:
        return ["rent_waived"]
    return []


def wants_to_stop(text: str) -> bool:
    return bool(STOP_WORDS.match(clean_text(text)))


def answer_question(kb: KnowledgeBase, turn: Turn) -> Reply:
    """Answer a question by its intent (used when a question interrupts the form)."""
    by_intent = {"ask_contact": answer_contacts, "ask_how_to_apply": answer_procedure,
                 "ask_conditions": answer_conditions, "list_policies": list_policies}
    return by_intent.get(turn.intent, answer_policy)(kb, turn)


def interrupts_form(turn: Turn, confidence: float) -> bool:
    """A confident new question (not an answer) while the form waits for a fact."""
    return confidence >= 0.5 and (turn.intent in INTENT_GROUP or turn.intent in QUESTION_INTENTS)


def conclude_check(kb: KnowledgeBase, turn: Turn) -> Reply:
    if turn.slots.get("goal") == STOPPED:
        return Reply(["好的，已结束本次判断。您可以继续提问，或回复“转人工”获取联系电话。"], slots={"goal": None})
    if turn.slots.get("goal") == INTERRUPTED:
        reply = answer_question(kb, Turn(turn.text, turn.intent, turn.entities, {**turn.slots, "goal": None}))
        reply.slots.setdefault("goal", None)
        return reply
    m = kb.get(turn.slots.get("measure_id") or "")
    if not m:
        return no_answer(kb, turn)
    facts = known_facts(turn)
    if turn.slots.get("goal") == "amount":
        return Reply([amount_text(kb, m, facts)], detail_buttons(kb, m))
    verdict = eligibility.check(m, facts, kb.taxonomy)
    text = answers.verdict_text(verdict, kb.taxonomy)
    buttons = [("办理流程", payload("ask_how_to_apply", measure_id=m.id)),
               ("联系方式", payload("ask_contact", measure_id=m.id))]
    if verdict.status == eligibility.ELIGIBLE and calculable(m):
        buttons.append(("算一算", payload("ask_amount", measure_id=m.id)))
    return Reply([text], buttons)


def amount_text(kb: KnowledgeBase, m: Measure, facts: Dict[str, Any]) -> str:
    facts = eligibility.normalize_facts(facts, kb.taxonomy)
    head = f"【{m.district}】{m.title}（{m.citation}）"
    lines = [head]
    try:
        kinds = {b["kind"] for b in m.benefits}
        if "training_subsidy" in kinds and "training_hours" in facts:
            people = int(facts.get("employees_trained", 1))
            a = calculators.training_subsidy(m, facts["training_hours"], people)
            lines.append("以训稳岗补贴：" + a.explanation)
            if "per_person_subsidy" in kinds:
                b = calculators.per_person_subsidy(m, people)
                lines.append("临时性岗位补贴：" + b.explanation)
                if a.yuan:
                    lines.append(f"合计约{format_money(a.yuan + b.yuan)}")
        elif "per_person_subsidy" in kinds and "employees_trained" in facts:
            lines.append(calculators.per_person_subsidy(m, int(facts["employees_trained"])).explanation)
        elif "rent_waiver" in kinds and "monthly_rent" in facts:
            a = calculators.rent_waived(m, facts["monthly_rent"], facts.get("premises_use"))
            lines.append("可减免房租：" + a.explanation)
            lines.append("前提：承租区属国有企业房产并符合原文条件。")
        elif "rent_subsidy" in kinds and "monthly_rent" in facts:
            months = 2
            a = calculators.rent_subsidy(m, facts["monthly_rent"] * months)
            lines.append(f"按{months}个月房租计：" + a.explanation)
        elif "landlord_subsidy" in kinds and "rent_waived" in facts:
            lines.append("业主可获补贴：" + calculators.landlord_subsidy(m, facts["rent_waived"]).explanation)
        elif m.benefits_of_kind("interest_subsidy"):
            lines.append("贴息：" + calculators.interest_subsidy(m).explanation)
        else:
            lines.append(answers.benefits_text(m))
    except calculators.NotApplicable:
        lines.append("原文没有给出可计算的标准：\n" + answers.benefits_text(m))
    lines.append("以上为按原文标准的估算，实际金额以责任单位审核为准。")
    return "\n".join(lines)


def fact_question(kb: KnowledgeBase, fact: str) -> Reply:
    spec = kb.taxonomy.facts[fact]
    buttons: List[Tuple[str, str]] = []
    if spec.get("type") == "enum":
        buttons = [(v, v) for v in spec.get("values", [])]
    elif spec.get("type") == "bool":
        buttons = [("是", "是"), ("否", "否")]
    return Reply([spec["question"] + "（回复“算了”可结束）"], buttons)


def parse_fact_answer(kb: KnowledgeBase, fact: str, text: str) -> Any:
    """The typed value of an answer to a fact question, or None when it can't be read."""
    text = clean_text(text)
    if not text:
        return None
    stated = extract_facts(text, kb)
    if fact in stated:
        return stated[fact]
    spec = kb.taxonomy.facts[fact]
    kind = spec.get("type")
    if kind == "enum":
        canon = kb.taxonomy.canonical(text)
        if canon in spec.get("values", []):
            return canon
        found = detect_values(text, spec.get("values", []), kb.taxonomy.synonyms)
        return found[0] if found else None
    if kind == "text":
        # Free-text facts (industry) must name a value the KB knows, or they are not an answer.
        known = {i for m in kb for i in m.industries}
        value = kb.taxonomy.canonical(text)
        return value if value in known else None
    return eligibility.normalize_facts({fact: text}, kb.taxonomy).get(fact)


BARE_PERCENT = re.compile(r"^\s*(\d+(\.\d+)?)\s*%\s*$")
BARE_MONTHS = re.compile(r"^\s*(\d+)\s*个?月\s*$")


def volunteered_facts(kb: KnowledgeBase, measure_id: Optional[str], goal: str, text: str,
                      known: Dict[str, Any]) -> Dict[str, Any]:
    """Facts in an answer beyond the one asked: stated ones, and bare figures the measure still needs."""
    from actions.quantities import arabic, parse_money
    facts = dict(extract_facts(clean_text(text), kb))
    needed = required_facts(kb, measure_id, goal, known)
    t = arabic(clean_text(text)).replace("％", "%")
    types = {f: kb.taxonomy.facts[f]["type"] for f in needed}
    if BARE_MONEY.match(t) and re.search(r"[万千元块kw]", t, re.IGNORECASE):
        target = next((f for f in needed if types[f] == "money"), None)
        if target:
            facts.setdefault(target, parse_money(t))
    elif BARE_PERCENT.match(t):
        target = next((f for f in needed if types[f] == "percent"), None)
        if target:
            facts.setdefault(target, float(BARE_PERCENT.match(t).group(1)))
    elif BARE_MONTHS.match(t) and "loan_term_months" in needed:
        facts.setdefault("loan_term_months", float(BARE_MONTHS.match(t).group(1)))
    return {f: v for f, v in facts.items() if known.get(f) in (None, "")}


def read_answer(kb: KnowledgeBase, turn: Turn, to_validate: Dict[str, Any],
                confidence: float = 1.0) -> Tuple[Dict[str, Any], Optional[str]]:
    """Slot values read from an answer to the form, and a hint when the asked fact was not given.

    "算了" stops the form; a confident new question instead of an answer interrupts it (then
    action_conclude_check answers that question).
    """
    requested = turn.slots.get("requested_slot")
    if requested and wants_to_stop(turn.text):
        return {requested: None, "goal": STOPPED}, None
    if requested and parse_fact_answer(kb, requested, turn.text) is None and interrupts_form(turn, confidence):
        return {requested: None, "goal": INTERRUPTED}, None
    updates: Dict[str, Any] = {}
    for slot, value in to_validate.items():
        if slot not in FACT_SLOTS:
            continue
        parsed = parse_fact_answer(kb, slot, turn.text if slot == requested else str(value))
        if parsed is None and slot != requested:
            parsed = parse_fact_answer(kb, slot, str(value))
        updates[slot] = parsed
    known = {**known_facts(turn), **{k: v for k, v in updates.items() if v is not None}}
    for slot in to_validate:
        if updates.get(slot) is None:
            known.pop(slot, None)
    extra = volunteered_facts(kb, turn.slots.get("measure_id"), turn.slots.get("goal") or "eligibility",
                              turn.text, known)
    updates.update(extra)
    if not requested or updates.get(requested) is not None or extra:
        return updates, None
    failures = int(turn.slots.get("form_failures") or 0) + 1
    updates["form_failures"] = failures
    label = kb.taxonomy.facts[requested]["label"]
    if failures >= 2:
        return updates, (f"抱歉，我还是没能读懂“{turn.text[:30]}”。我需要知道：{label}。"
                         "您可以回复“算了”结束，或直接联系工作人员（回复“转人工”）。")
    return updates, f"抱歉，没能读懂您的回答，我需要知道：{label}。"
