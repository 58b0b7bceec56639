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

from actions import conversation
from actions.live_kb import default_kb

logger = logging.getLogger(__name__)
APOLOGY = "抱歉，系统暂时出了点问题，没能查到答案。请稍后再试，或换个说法提问。"


def turn_inputs(tracker: Tracker) -> Dict[str, Any]:
    msg = tracker.latest_message or {}
    text = msg.get("text") or ""
    if text.startswith("/"):          # a button payload carries intent and entities, not words
        text = ""
    entities: Dict[str, str] = {}
    for e in msg.get("entities") or []:
        if e.get("value") is not None:
            entities.setdefault(e["entity"], str(e["value"]))
    metadata = msg.get("metadata") or {}
    district = metadata.get("district") if isinstance(metadata, dict) else None
    return {"text": text, "intent": (msg.get("intent") or {}).get("name") or "", "entities": entities,
            "context": tracker.get_slot("context") or {}, "forced_district": district or None}


def send(dispatcher: CollectingDispatcher, reply: conversation.Reply) -> List[EventType]:
    if reply.response:
        dispatcher.utter_message(response=reply.response)
    buttons = [{"title": t, "payload": p} for t, p in reply.buttons]
    for i, text in enumerate(reply.texts):
        last = i == len(reply.texts) - 1
        dispatcher.utter_message(text=text, buttons=buttons if last and buttons else None)
    return [SlotSet("context", reply.context)]


class ActionRespond(Action):
    """Every user turn: the answer from the knowledge base, or small talk."""

    def name(self) -> Text:
        return "action_respond"

    async def run(self, dispatcher, tracker, domain):
        try:
            inputs = turn_inputs(tracker)
            reply = conversation.respond(default_kb(), **inputs)
        except Exception:
            logger.exception("action_respond failed for %r", (tracker.latest_message or {}).get("text"))
            dispatcher.utter_message(text=APOLOGY)
            return []
        return send(dispatcher, reply)
