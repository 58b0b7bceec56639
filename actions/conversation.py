"""One turn of the conversation: understand → decide → compose, with the context it keeps.

Pure Python. ``respond`` takes the text, the NLU intent and entities and the conversation context
(a plain dict kept in one Rasa slot) and returns a ``Reply``: texts, buttons, an optional domain
response for small talk, and the new context. The optional questionnaire ("逐项判断") lives here
too: it asks the facts a verdict still needs, one per turn, and any real question asked meanwhile
is answered first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from actions import eligibility
from actions.composition import compose
from actions.curation import is_out_of_scope
from actions.decision import Decision, amount_inputs, calculable, decide
from actions.fact_extraction import extract_facts
from actions.knowledge_base import KnowledgeBase
from actions.text_tools import clean_question, detect_values
from actions.understanding import Understanding, understand

SMALL_TALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "affirm": "utter_anything_else",
    "deny": "utter_anything_else",
    "bot_challenge": "utter_bot_challenge",
}
STOP_WORDS = re.compile(
    r"^(算了|不问了|不用了|结束|取消|退出|不想说|停|stop|quit|cancel)[吧啊了。.!！]*$", re.IGNORECASE
)
CHECK_BUTTON = "逐项帮我判断"


@dataclass
class Reply:
    texts: List[str] = field(default_factory=list)
    buttons: List[Tuple[str, str]] = field(default_factory=list)
    response: Optional[str] = None  # a domain response (small talk), sent before the texts
    context: Dict[str, Any] = field(default_factory=dict)
    decision: Optional[Decision] = None


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def remembered_facts(context: Dict[str, Any]) -> Dict[str, Any]:
    return dict(context.get("facts") or {})


def measure_buttons(kb: KnowledgeBase, d: Decision) -> List[Tuple[str, str]]:
    m = d.measure
    buttons = []
    if d.verdict is not None and d.verdict.status == eligibility.UNKNOWN or (d.verdict is None and m.conditions):
        buttons.append((CHECK_BUTTON, payload("ask_eligibility", measure_id=m.id)))
    if "procedure" not in d.u.asked:
        buttons.append(("怎么办理", payload("ask_how_to_apply", measure_id=m.id)))
    if "contact" not in d.u.asked:
        buttons.append(("联系方式", payload("ask_contact", measure_id=m.id)))
    return buttons


def fact_question(kb: KnowledgeBase, fact: str) -> Tuple[str, List[Tuple[str, str]]]:
    spec = kb.taxonomy.facts[fact]
    buttons: List[Tuple[str, str]] = []
    if spec.get("type") == "enum":
        buttons = [(v, v) for v in spec.get("values", [])]
    elif spec.get("type") == "bool":
        buttons = [("是", "是"), ("否", "否")]
    return spec["question"] + "（回复“算了”可结束判断）", buttons


def parse_fact_answer(kb: KnowledgeBase, fact: str, text: str) -> Any:
    """The typed value of a short answer to a fact question, or None when it is not one."""
    text = clean_question(text)
    if not text:
        return None
    stated = extract_facts(text, kb)
    if fact in stated:
        return stated[fact]
    spec = kb.taxonomy.facts[fact]
    kind = spec.get("type")
    if kind == "enum":
        found = detect_values(text, spec.get("values", []), kb.taxonomy.synonyms)
        return found[0] if found else None
    if kind == "text":
        return None
    if kind == "bool" and len(text) > 6:
        return None
    if kind in ("money", "percent", "number") and not re.fullmatch(
        r"[\d.,%％万元千块个月课时人名\s]+|[零一二三四五六七八九十百千万两]+", text
    ):
        return None
    return eligibility.normalize_facts({fact: text}, kb.taxonomy).get(fact)


def missing_for(kb: KnowledgeBase, measure_id: str, facts: Dict[str, Any]) -> List[str]:
    m = kb.get(measure_id)
    if not m:
        return []
    verdict = eligibility.check(m, facts, kb.taxonomy)
    missing = verdict.missing_facts if verdict.status == eligibility.UNKNOWN else []
    if not missing and verdict.status == eligibility.ELIGIBLE and calculable(m):
        missing = [f for f in amount_inputs(m, facts) if f not in facts]
    return missing


def respond(
    kb: KnowledgeBase,
    text: str,
    intent: str = "",
    entities: Optional[Dict[str, str]] = None,
    context: Optional[Dict[str, Any]] = None,
    forced_district: Optional[str] = None,
) -> Reply:
    context = dict(context or {})
    entities = entities or {}
    facts = remembered_facts(context)
    pending = context.get("pending")

    if pending and STOP_WORDS.match(clean_question(text)):
        context["pending"] = None
        return Reply(["好的，已结束本次判断。您可以继续提问。"], context=context)
    if pending:
        value = parse_fact_answer(kb, pending["fact"], text)
        if value is not None:
            facts[pending["fact"]] = value
            facts.update({k: v for k, v in extract_facts(clean_question(text), kb).items() if k != "district"})
            context["facts"] = facts
            return _continue_check(kb, pending["measure_id"], context, facts, pending.get("goal", "eligibility"))

    u = understand(kb, text, intent, entities, context, forced_district)
    if intent == "ask_eligibility" and u.by_reference == "button" and not clean_question(text):
        m = u.measure
        facts.setdefault("district", m.district)
        context["facts"] = facts
        context.update(measure_id=m.id, district=m.district)
        return _continue_check(kb, m.id, context, facts)

    d = decide(kb, u, facts)
    confident = d.kind in ("measure", "person", "document")  # the bot found an answer of its own
    if d.kind != "chitchat" and u.by_reference != "button" and is_out_of_scope(kb, text, confident):
        d = Decision("out_of_scope", u, facts=d.facts, district=u.district)  # a curator marked it (curation.yml)
    reply = Reply(decision=d)
    if d.kind == "chitchat":
        reply.response = SMALL_TALK.get(intent, "utter_anything_else")
    else:
        reply.texts.append(compose(kb, d))
    facts.update({k: v for k, v in u.facts.items()})
    context["facts"] = facts
    if u.districts and len(u.districts) == 1:
        context["district"] = u.districts[0]
    if d.kind == "measure" and u.primary_ask == "amount" and d.amount_missing and not d.amounts and not pending:
        fact = d.amount_missing[0]
        question, buttons = fact_question(kb, fact)
        reply.texts.append(question)
        context["pending"] = {"measure_id": d.measure.id, "fact": fact, "goal": "amount"}
        pending = None
        reply.buttons = buttons
    if d.kind != "which_district":
        context["options"] = None
    if d.kind in ("no_answer", "out_of_scope") and u.districts and context.get("measure_id"):
        context["measure_id"] = None  # "那密云呢" found nothing: the other district's measure is not the topic now
    if d.kind == "measure" or (d.kind == "english" and d.measure):
        context.update(measure_id=d.measure.id, district=d.measure.district)
        asked_before = u.previous_text if u.by_reference == "context" else ""
        context["last_question"] = (asked_before + " " + u.text).strip()[-200:]
        if d.kind == "measure":
            reply.buttons = reply.buttons or measure_buttons(kb, d)
    elif d.kind == "person":
        names = [p for r in d.person_refs for p in r.contact.get("persons") or [] if p in u.text]
        context["person"] = names[0] if names else context.get("person")
    elif d.kind in ("other_place", "not_covered", "list", "which_district"):
        context["measure_id"] = None
        if d.kind == "list" and d.topic and d.district and u.primary_ask in ("what", "procedure", "contact"):
            intent = {"procedure": "ask_how_to_apply", "contact": "ask_contact"}.get(u.primary_ask, "ask_conditions")
            topical = kb.filter(district=d.district, topic=d.topic)[:8]
            reply.buttons = [(m.title, payload(intent, measure_id=m.id)) for m in topical]
        if d.kind == "which_district":
            context["last_question"] = u.text if u.by_reference != "options" else context.get("last_question")
            context["options"] = [o.measure.id for o in d.options]
            reply.buttons = [(x, payload("inform", district=x)) for x in kb.districts]
    listed = (
        d.kind == "list" and bool(d.topic and d.district) and u.primary_ask in ("what", "procedure", "contact", "list")
    )
    context["listed_topic"] = [d.topic, d.district] if listed else None
    if pending and d.kind != "measure" or (pending and d.measure and d.measure.id != pending["measure_id"]):
        context["pending"] = None
    elif pending:
        question, buttons = fact_question(kb, pending["fact"])
        reply.texts.append("继续刚才的判断：" + question)
        reply.buttons = buttons
    reply.context = context
    return reply


def measure_reply(kb: KnowledgeBase, m, facts: Dict[str, Any], asked: str) -> str:
    """The answer about one chosen measure for the given facts (console calculator and checker)."""
    u = Understanding(
        text="", intent="", district=m.district, asked=[asked], measures=[m], by_reference="button", confident=True
    )
    return compose(kb, decide(kb, u, {**facts, "district": facts.get("district") or m.district}))


def _continue_check(
    kb: KnowledgeBase, measure_id: str, context: Dict[str, Any], facts: Dict[str, Any], goal: str = "eligibility"
) -> Reply:
    m = kb.get(measure_id)
    missing = (
        missing_for(kb, measure_id, facts)
        if goal == "eligibility"
        else [
            f
            for f in amount_inputs(m, facts)
            if f not in facts and not (f == "employees_trained" and "training_hours" not in facts)
        ]
    )
    if goal == "amount" and "employees_trained" in amount_inputs(m, facts) and "employees_trained" not in facts:
        missing = missing or ["employees_trained"]
    if missing:
        question, buttons = fact_question(kb, missing[0])
        context["pending"] = {"measure_id": measure_id, "fact": missing[0], "goal": goal}
        return Reply([question], buttons, context=context)
    context["pending"] = None
    u = Understanding(
        text="",
        intent="ask_" + goal,
        district=m.district,
        asked=[goal],
        measures=[m],
        by_reference="button",
        confident=True,
    )
    d = decide(kb, u, facts)
    return Reply([compose(kb, d)], measure_buttons(kb, d), context=context, decision=d)
