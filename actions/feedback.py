"""Feedback on answers, from every channel, as ordinary turns of the conversation.

Pure Python. A rating arrives as the ``feedback`` intent: a button payload
``/feedback{"rating": "up", "measure_id": "xc1-13"}`` (web widget, WeChat's numbered options), the
hotline console's mark ``/feedback{"rating": "wrong", "note": "…", "correct_measure": "my25-05"}``,
or a short typed reply ("有帮助", "没用", "答错了"). Rasa stores it with the conversation (the user
event with its entities); the curator report reads it from the event broker. The reply is a
polite thank-you; the conversation's context is left as it was, so a follow-up continues.

A long message NLU takes for feedback ("回答不对，我问的是密云的房租") is a question: it is answered.
"""

from __future__ import annotations

import json
import re
from typing import Dict, List, Optional, Tuple

RATINGS = ("up", "down", "right", "wrong")
NEGATIVE = re.compile(
    r"没用|没帮助|没有帮助|没帮上|不对|错了|答错|不准|答非所问|不是我要|看不懂|不满意|差评|不行|没解决|👎"
)
POSITIVE = re.compile(r"有用|有帮助|帮到|对的|准确|清楚|满意|好评|不错|很好|太好了|解决了|赞|👍")
MAX_TYPED_CHARS = 12  # a typed rating is short; longer text is a question
FEEDBACK_TITLES = ("有帮助", "没帮助")  # web widget and WeChat options (no emoji: not every font has them)

THANKS = {
    "up": "感谢您的反馈！很高兴能帮到您，还有问题可以继续问我。",
    "down": "抱歉这次没能帮到您，您的反馈已记录，我们会尽快改进。您可以换个说法再问，或回复“转人工”获取责任部门的联系电话。",
    "right": "已记录：本条回答正确。",
    "wrong": "已记录：本条回答有误{detail}。谢谢，知识库维护人员会在运营报告中看到。",
}


def payload(rating: str, measure_id: Optional[str] = None, **extra: str) -> str:
    entities = {"rating": rating}
    if measure_id:
        entities["measure_id"] = measure_id
    entities.update({k: v for k, v in extra.items() if v})
    return "/feedback" + json.dumps(entities, ensure_ascii=False)


def buttons(measure_id: Optional[str]) -> List[Tuple[str, str]]:
    """One-tap 有帮助 / 没帮助 for a policy answer."""
    return [(FEEDBACK_TITLES[0], payload("up", measure_id)), (FEEDBACK_TITLES[1], payload("down", measure_id))]


def typed_rating(text: str) -> Optional[str]:
    """The rating a short typed reply gives ("没用" → down), else None."""
    text = (text or "").strip()
    if not text or len(re.sub(r"[\s，。！!？?、~～]", "", text)) > MAX_TYPED_CHARS:
        return None
    if NEGATIVE.search(text):
        return "down"
    if POSITIVE.search(text):
        return "up"
    return None


def rating_of(text: str, entities: Dict[str, str]) -> Optional[str]:
    """The rating of a feedback turn: from the payload's entity, else from the typed words."""
    rating = (entities.get("rating") or "").strip().lower()
    if rating in RATINGS:
        return rating
    return typed_rating(text)


def reply_text(rating: str, entities: Dict[str, str]) -> str:
    detail = ""
    if rating == "wrong" and entities.get("correct_measure"):
        detail = f"，应由 {entities['correct_measure'][:20]} 回答"
    return THANKS[rating].format(detail=detail)
