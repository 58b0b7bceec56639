"""Rasa action classes: thin adapters from a Rasa tracker to ``actions.dialogue`` and back.

Every action answers from the KB loaded at run time (``default_kb`` reloads edited files), and
no exception escapes: a failure becomes a polite reply with a human contact.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Text

import yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import dialogue
from actions.knowledge_base import KnowledgeBase, default_kb

logger = logging.getLogger(__name__)
FORM = "enterprise_form"
INTENT_TITLES_FILE = Path(__file__).resolve().parent.parent / "bot" / "intent_titles.yml"
STATIC_APOLOGY = "抱歉，系统暂时出了点问题，没能查到答案。请稍后再试，或回复“转人工”获取相关部门的联系电话。"


def turn_from(tracker: Tracker) -> dialogue.Turn:
    msg = tracker.latest_message or {}
    text = msg.get("text") or ""
    if text.startswith("/"):          # a button payload carries intent and entities, not words
        text = ""
    intent = (msg.get("intent") or {}).get("name") or ""
    entities: Dict[str, str] = {}
    for e in msg.get("entities") or []:
        if e.get("value") is not None:
            entities.setdefault(e["entity"], str(e["value"]))
    return dialogue.Turn(text, intent, entities, dict(tracker.current_slot_values()))


def send(dispatcher: CollectingDispatcher, reply: dialogue.Reply) -> List[EventType]:
    buttons = [{"title": t, "payload": p} for t, p in reply.buttons]
    for i, text in enumerate(reply.texts):
        last = i == len(reply.texts) - 1
        dispatcher.utter_message(text=text, buttons=buttons if last and buttons else None)
    if not reply.texts and buttons:
        dispatcher.utter_message(text="请选择：", buttons=buttons)
    return [SlotSet(k, v) for k, v in reply.slots.items()]


def safe_reply(dispatcher: CollectingDispatcher, tracker: Tracker,
               build: Callable[[KnowledgeBase, dialogue.Turn], dialogue.Reply]) -> List[EventType]:
    try:
        kb = default_kb()
        return send(dispatcher, build(kb, turn_from(tracker)))
    except Exception:  # never leave the user without an answer
        logger.exception("action failed for %r", (tracker.latest_message or {}).get("text"))
        technical_problem(dispatcher)
        return []


def technical_problem(dispatcher: CollectingDispatcher) -> None:
    """Apologise with the referral contacts from the KB (static text if even the KB fails)."""
    try:
        dispatcher.utter_message(text=dialogue.technical_problem_text(default_kb()))
    except Exception:
        logger.exception("KB unavailable")
        dispatcher.utter_message(text=STATIC_APOLOGY)


def kb_action(class_name: str, action_name: str,
              build: Callable[[KnowledgeBase, dialogue.Turn], dialogue.Reply]) -> type:
    """An action class whose reply is one function of ``actions.dialogue``."""
    async def run(self, dispatcher, tracker, domain):
        return safe_reply(dispatcher, tracker, build)
    return type(class_name, (Action,), {"name": lambda self: action_name, "run": run,
                                        "__doc__": build.__doc__})


ActionAnswerPolicy = kb_action("ActionAnswerPolicy", "action_answer_policy", dialogue.answer_policy)
ActionAnswerContact = kb_action("ActionAnswerContact", "action_answer_contact", dialogue.answer_contacts)
ActionAnswerProcedure = kb_action("ActionAnswerProcedure", "action_answer_procedure", dialogue.answer_procedure)
ActionAnswerConditions = kb_action("ActionAnswerConditions", "action_answer_conditions", dialogue.answer_conditions)
ActionListPolicies = kb_action("ActionListPolicies", "action_list_policies", dialogue.list_policies)
ActionHandoff = kb_action("ActionHandoff", "action_handoff", dialogue.handoff)
ActionConcludeCheck = kb_action("ActionConcludeCheck", "action_conclude_check", dialogue.conclude_check)


def _intent_titles() -> Dict[str, str]:
    try:
        return yaml.safe_load(INTENT_TITLES_FILE.read_text(encoding="utf-8")) or {}
    except OSError:
        return {}


class ActionFallback(Action):
    """Low confidence or out of scope: answer from the KB if it is sure, else say so with a contact."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher, tracker, domain):
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        titles = _intent_titles()
        return safe_reply(dispatcher, tracker, lambda kb, turn: dialogue.fallback(kb, turn, ranking, titles))


class ActionStartCheck(Action):
    """Eligibility or amount question: choose the measure, keep the stated facts, run the form."""

    def name(self) -> Text:
        return "action_start_check"

    async def run(self, dispatcher, tracker, domain):
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        goal = "amount" if intent == "ask_amount" else "eligibility"
        try:
            kb = default_kb()
            turn = turn_from(tracker)
            if intent not in ("ask_amount", "ask_eligibility"):
                last_kind = turn.slots.get("last_kind") or ""
                goal = last_kind[len("check_"):] if last_kind.startswith("check_") else (
                    dialogue.follow_up_goal(kb, turn) or goal)
            reply = dialogue.start_check(kb, turn, goal)
        except Exception:
            logger.exception("start_check failed")
            technical_problem(dispatcher)
            return []
        events = send(dispatcher, reply)
        # Rules start enterprise_form when check_ready is true (data/stories/rules_checks.yml).
        events.append(SlotSet("check_ready", reply.start_form))
        if reply.start_form:
            events.append(SlotSet("form_failures", 0))
        return events


class ActionHandleInform(ActionStartCheck):
    """A bare fact or district ("那密云呢", "8%"): continue what the user was doing."""

    def name(self) -> Text:
        return "action_handle_inform"

    async def run(self, dispatcher, tracker, domain):
        continues_check = (tracker.get_slot("last_kind") or "").startswith("check_")
        try:
            numbers_for_measure = bool(dialogue.follow_up_goal(default_kb(), turn_from(tracker)))
        except Exception:
            logger.exception("follow_up_goal failed")
            numbers_for_measure = False
        if continues_check or numbers_for_measure:
            return await super().run(dispatcher, tracker, domain)
        return safe_reply(dispatcher, tracker, dialogue.answer_policy) + [SlotSet("check_ready", False)]


class ValidateEnterpriseForm(FormValidationAction):
    """Asks only the facts still missing for the chosen measure; reads each answer from free text."""

    def name(self) -> Text:
        return f"validate_{FORM}"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        try:
            turn = turn_from(tracker)
            if turn.slots.get("goal") in (dialogue.STOPPED, dialogue.INTERRUPTED):
                return []
            return dialogue.required_facts(default_kb(), turn.slots.get("measure_id"),
                                           turn.slots.get("goal") or "eligibility", dialogue.known_facts(turn))
        except Exception:
            logger.exception("required_slots failed")
            return []

    async def get_validation_events(self, dispatcher, tracker, domain) -> List[EventType]:
        confidence = float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0)
        try:
            updates, hint = dialogue.read_answer(default_kb(), turn_from(tracker), tracker.slots_to_validate(),
                                                 confidence)
        except Exception:
            logger.exception("reading the form answer failed")
            technical_problem(dispatcher)
            updates, hint = {"goal": dialogue.STOPPED, "requested_slot": None}, None
        if hint:
            dispatcher.utter_message(text=hint)
        return [SlotSet(k, v) for k, v in updates.items()]


def _ask(fact: str) -> Callable[[KnowledgeBase, dialogue.Turn], dialogue.Reply]:
    return lambda kb, turn: dialogue.fact_question(kb, fact)


# action_ask_<fact>: the question for each enterprise fact, worded in taxonomy.yml.
for _fact in dialogue.FACT_SLOTS:
    globals()[f"ActionAsk_{_fact}"] = kb_action(f"ActionAsk_{_fact}", f"action_ask_{_fact}", _ask(_fact))
