"""Rasa action classes on hand-built trackers: what the user would read, and what is remembered."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import rasa_actions as ra


def tracker(text, intent, entities=None, slots=None, ranking=None):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
               "intent_ranking": ranking or []}
    return Tracker("test-user", dict(slots or {}), message, [], False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    texts = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    buttons = [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return texts, buttons, slots


def test_rent_answer_is_short_cited_with_contact_and_buttons():
    texts, buttons, slots = run(ra.ActionAnswerPolicy(), tracker("西城国企的房子房租能免吗", "ask_rent", {"district": "西城区"}))
    assert "66112569" in texts and "西政办发〔2020〕1号" in texts and "有效期至2020-12-31" in texts
    assert len(texts) <= 320
    assert buttons[:3] == ["申请条件", "办理流程", "联系方式"]
    assert slots["measure_id"] == "xc1-13" and slots["district"] == "西城区"


def test_follow_up_district_switches_measure_and_keeps_topic():
    slots = {"measure_id": "xc1-13", "district": "西城区", "topic": "rent", "last_question": "西城国企房租能减免吗",
             "last_kind": "policy"}
    texts, _, new = run(ra.ActionHandleInform(), tracker("那密云呢", "inform", {"district": "密云区"}, slots))
    assert "密政发〔2020〕25号" in texts and "69043376" in texts
    assert new["measure_id"] == "my25-01" and new["check_ready"] is False


def test_phone_question_uses_the_measure_in_context():
    slots = {"measure_id": "my25-13", "district": "密云区"}
    texts, _, _ = run(ra.ActionAnswerContact(), tracker("电话多少", "ask_contact", {}, slots))
    assert "梁红艳" in texts and "89038088" in texts and "赵小龙" in texts and "89037309" in texts


def test_unknown_district_is_asked_with_buttons():
    texts, buttons, slots = run(ra.ActionAnswerPolicy(), tracker("房租能减免吗", "ask_rent"))
    assert "哪个区" in texts
    assert set(buttons) == {"西城区", "密云区"}
    assert slots["last_question"] == "房租能减免吗"


def test_miyun_tax_is_not_covered_and_says_what_exists():
    texts, _, _ = run(ra.ActionAnswerPolicy(), tracker("密云有税收优惠吗", "ask_tax", {"district": "密云区"}))
    assert "没有税收方面的措施" in texts and "西政办发〔2020〕1号" in texts


def test_layoffs_of_8_percent_in_miyun_are_refused_with_the_reason():
    texts, _, slots = run(ra.ActionStartCheck(), tracker("我们裁员8%还能减房租吗 密云的", "ask_eligibility", {"district": "密云区"}))
    assert slots["check_ready"] is True and slots["layoff_ratio"] == 8.0
    verdict, _, _ = run(ra.ActionConcludeCheck(), tracker("", "ask_eligibility", {}, {**slots}))
    assert "暂不符合" in verdict and "5.5%" in verdict and "8%" in verdict


def test_layoff_question_without_district_already_says_which_district_refuses():
    texts, buttons, _ = run(ra.ActionStartCheck(), tracker("我们裁员8%还能减房租吗", "ask_eligibility"))
    assert "5.5%" in texts and "不符合" in texts and "密云区" in buttons


def test_form_asks_only_missing_facts():
    action = ra.ValidateEnterpriseForm()
    slots = {"measure_id": "my25-01", "goal": "eligibility", "district": "密云区", "layoff_ratio": 0.0}
    needed = asyncio.run(action.required_slots([], CollectingDispatcher(), tracker("", "inform", {}, slots), {}))
    assert "district" not in needed and "layoff_ratio" not in needed
    assert needed[0] == "is_sme"


def test_form_reads_free_text_answers_and_extra_facts():
    action = ra.ValidateEnterpriseForm()
    slots = {"measure_id": "my25-01", "goal": "eligibility", "requested_slot": "property_owner",
             "property_owner": "国企的房子，办公用"}
    t = tracker("国企的房子，办公用", "inform", {}, slots)
    t.events = [{"event": "slot", "name": "property_owner", "value": "国企的房子，办公用"}]
    t.slots = slots
    events = asyncio.run(action.get_validation_events(CollectingDispatcher(), t, {}))
    values = {e["name"]: e["value"] for e in events}
    assert values["property_owner"] == "区属国有企业" and values["premises_use"] == "办公用房"


def test_unreadable_answer_gets_a_hint_and_stop_word_ends_the_form():
    action = ra.ValidateEnterpriseForm()
    slots = {"measure_id": "my25-13", "goal": "amount", "requested_slot": "training_hours", "training_hours": "不知道"}
    t = tracker("不知道", "inform", {}, slots)
    t.events = [{"event": "slot", "name": "training_hours", "value": "不知道"}]
    d = CollectingDispatcher()
    events = asyncio.run(action.get_validation_events(d, t, {}))
    assert {"event": "slot", "name": "training_hours", "value": None, "timestamp": None} in [dict(e) for e in events]
    assert "没能读懂" in d.messages[0]["text"]
    stop = tracker("算了", "deny", {}, {**slots, "training_hours": "算了"})
    stop.events = [{"event": "slot", "name": "training_hours", "value": "算了"}]
    events = asyncio.run(action.get_validation_events(CollectingDispatcher(), stop, {}))
    assert SlotSet("goal", "stopped") in events


def test_amount_for_training_subsidy():
    slots = {"measure_id": "my25-13", "goal": "amount", "training_hours": 40, "employees_trained": 10}
    texts, _, _ = run(ra.ActionConcludeCheck(), tracker("10个人", "inform", {}, slots))
    assert "10,000元" in texts and "15,400元" in texts and "25,400元" in texts


def test_handoff_gives_the_department_of_the_current_topic():
    texts, _, _ = run(ra.ActionHandoff(), tracker("转人工", "human_handoff", {}, {"measure_id": "xc1-14"}))
    assert "区税务局" in texts and "62268630" in texts


def test_fallback_answers_when_retrieval_is_sure_and_admits_when_not():
    texts, _, _ = run(ra.ActionFallback(), tracker("特种设备检验费停征", "nlu_fallback"))
    assert "西政办发〔2020〕1号" in texts
    ranking = [{"name": "ask_rent", "confidence": 0.3}, {"name": "ask_tax", "confidence": 0.2}]
    texts, buttons, _ = run(ra.ActionFallback(), tracker("今天天气怎么样", "nlu_fallback", ranking=ranking))
    assert "没能" in texts and "房租减免" in buttons and "转人工" in buttons


@pytest.mark.parametrize("text", ["", "😀" * 20, "<script>alert(1)</script>", "a" * 5000, "rent能减吗 ok"])
def test_odd_input_never_crashes(text):
    texts, _, _ = run(ra.ActionAnswerPolicy(), tracker(text, "ask_rent"))
    assert texts


def test_a_broken_kb_gives_an_apology_not_a_crash(monkeypatch):
    def broken():
        raise RuntimeError("disk gone")
    monkeypatch.setattr(ra, "default_kb", broken)
    texts, _, _ = run(ra.ActionAnswerPolicy(), tracker("房租", "ask_rent"))
    assert "抱歉" in texts


def test_an_edited_phone_number_is_answered_without_restart_or_retraining(tmp_path, monkeypatch):
    import os
    import shutil
    from actions import knowledge_base
    kb_dir = tmp_path / "kb"
    shutil.copytree(knowledge_base.DEFAULT_KB_DIR, kb_dir)
    monkeypatch.setattr(knowledge_base, "DEFAULT_KB_DIR", kb_dir)
    monkeypatch.setitem(knowledge_base._last_stamp, "checked", 0.0)
    before, _, _ = run(ra.ActionHandoff(), tracker("转人工", "human_handoff", {}, {"measure_id": "xc1-14"}))
    assert "62268630" in before
    path = kb_dir / "xc-2020-1.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("'62268630'", "'62268639'"), encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    monkeypatch.setitem(knowledge_base._last_stamp, "checked", 0.0)
    after, _, _ = run(ra.ActionHandoff(), tracker("转人工", "human_handoff", {}, {"measure_id": "xc1-14"}))
    assert "62268639" in after and "62268630" not in after


def test_a_new_question_during_the_form_ends_it_and_is_answered():
    action = ra.ValidateEnterpriseForm()
    slots = {"measure_id": "xc6-04", "goal": "eligibility", "requested_slot": "industry",
             "industry": "密云贷款贴息怎么申请"}
    t = tracker("密云贷款贴息怎么申请", "ask_how_to_apply", {}, slots)
    t.latest_message["intent"]["confidence"] = 0.9
    t.events = [{"event": "slot", "name": "industry", "value": "密云贷款贴息怎么申请"}]
    events = asyncio.run(action.get_validation_events(CollectingDispatcher(), t, {}))
    assert SlotSet("goal", "interrupted") in events and SlotSet("industry", None) in events
    texts, _, new = run(ra.ActionConcludeCheck(), tracker("密云贷款贴息怎么申请", "ask_how_to_apply", {},
                                                          {**slots, "industry": None, "goal": "interrupted"}))
    assert "办理流程" in texts and "区金融办" in texts and new["goal"] is None


def test_an_unknown_industry_is_not_taken_as_an_answer(kb):
    from actions.dialogue import parse_fact_answer
    assert parse_fact_answer(kb, "industry", "我们是做餐饮的") == "餐饮"
    assert parse_fact_answer(kb, "industry", "西城区房租减免怎么申请") is None


def test_figures_volunteered_out_of_order_are_kept_without_complaint():
    action = ra.ValidateEnterpriseForm()
    slots = {"measure_id": "my25-05", "goal": "eligibility", "district": "密云区", "requested_slot": "is_sme",
             "is_sme": "500万"}
    t = tracker("500万", "inform", {}, slots)
    t.events = [{"event": "slot", "name": "is_sme", "value": "500万"}]
    d = CollectingDispatcher()
    events = asyncio.run(action.get_validation_events(d, t, {}))
    values = {e["name"]: e["value"] for e in events}
    assert values["loan_amount"] == 5_000_000 and values["is_sme"] is None
    assert d.messages == []
