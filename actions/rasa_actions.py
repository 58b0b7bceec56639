"""Rasa action classes: thin adapters from a Rasa tracker to ``actions.conversation`` and back.

Every turn is answered by ``action_respond`` (understand → decide → compose over the KB loaded at
run time). The conversation context is one slot, ``context``. An exception is logged and answered
with a polite apology (never silently: tests check that a crash is visible in the log).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, feedback
from actions.live_kb import default_kb

logger = logging.getLogger(__name__)
APOLOGY = "抱歉，系统暂时出了点问题，没能查到答案。请稍后再试，或换个说法提问。"


def turn_inputs(tracker: Tracker) -> Dict[str, Any]:
    msg = tracker.latest_message or {}
    text = msg.get("text") or ""
    if text.startswith("/"):  # a button payload carries intent and entities, not words
        text = ""
    entities: Dict[str, str] = {}
    for e in msg.get("entities") or []:
        if e.get("value") is not None:
            entities.setdefault(e["entity"], str(e["value"]))
    metadata = msg.get("metadata") or {}
    district = metadata.get("district") if isinstance(metadata, dict) else None
    return {
        "text": text,
        "intent": (msg.get("intent") or {}).get("name") or "",
        "entities": entities,
        "context": tracker.get_slot("context") or {},
        "forced_district": district or None,
    }


FEEDBACK_CHANNELS = {"socketio", "wechat"}  # one-tap 有帮助/没帮助 (the console marks answers its own way)


def turn_info(reply: conversation.Reply) -> Dict[str, Any]:
    """What the turn was, for the curator report (metadata of the first bot message, stored by the
    event broker; channels do not show it)."""
    d = reply.decision
    info: Dict[str, Any] = {"kind": d.kind if d else ""}
    if d is None:
        info["small_talk"] = bool(reply.response)
        info["asks_back"] = bool((reply.context or {}).get("pending"))
        return info
    u = d.u
    if d.measure is not None:
        info.update(measure_id=d.measure.id, topics=list(d.measure.topics))
    elif d.topic or d.group:
        info["topics"] = [d.topic or d.group]
    if u.by_reference:
        info["by"] = u.by_reference
    if u.hits:
        info["score"] = u.hits[0].score
    info["low_confidence"] = d.kind == "measure" and not u.by_reference and bool(u.hits) and not u.hits[0].confident
    if d.kind == "out_of_scope" and u.intent not in ("out_of_scope", "nlu_fallback"):
        info["curated"] = True
    return info


def send(dispatcher: CollectingDispatcher, reply: conversation.Reply, channel: str = "") -> List[EventType]:
    info = turn_info(reply)
    buttons = [{"title": t, "payload": p} for t, p in reply.buttons]
    if channel in FEEDBACK_CHANNELS and reply.decision is not None and reply.decision.kind == "measure" and reply.texts:
        buttons += [{"title": t, "payload": p} for t, p in feedback.buttons(reply.decision.measure.id)]
    if reply.response:
        dispatcher.utter_message(response=reply.response, turn=info)
        info = None
    for i, text in enumerate(reply.texts):
        last = i == len(reply.texts) - 1
        extra = {"turn": info} if info is not None else {}
        info = None
        dispatcher.utter_message(text=text, buttons=buttons if last and buttons else None, **extra)
    return [SlotSet("context", reply.context)]


def answer_feedback(dispatcher: CollectingDispatcher, rating: str, entities: Dict[str, str]) -> List[EventType]:
    """A rating is stored with the conversation (its user event); the reply thanks, the context stays."""
    dispatcher.utter_message(text=feedback.reply_text(rating, entities), turn={"kind": "feedback", "rating": rating})
    return []


class ActionRespond(Action):
    """Every user turn: the answer from the knowledge base, or small talk."""

    def name(self) -> Text:
        return "action_respond"

    async def run(self, dispatcher, tracker, domain):
        try:
            inputs = turn_inputs(tracker)
            if inputs["intent"] == "feedback":
                raw = (tracker.latest_message or {}).get("text") or ""
                rating = feedback.rating_of("" if raw.startswith("/") else raw, inputs["entities"])
                if rating:
                    return answer_feedback(dispatcher, rating, inputs["entities"])
                inputs["intent"] = ""  # a question NLU took for feedback: answered as a question
            reply = conversation.respond(default_kb(), **inputs)
        except Exception:
            logger.exception("action_respond failed for %r", (tracker.latest_message or {}).get("text"))
            dispatcher.utter_message(text=APOLOGY)
            return []
        return send(dispatcher, reply, tracker.get_latest_input_channel() or "")
