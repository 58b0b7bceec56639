"""End to end, both servers running with the SQL event broker: feedback from REST, the hotline
console and WeChat is stored as Rasa events; the report is behind its own token (401 otherwise);
an unanswered question curated through the CLI is answered over REST within seconds, without
retraining or restart; a wording marked out of scope from the report's API goes live too."""
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
import requests

from tests.servers import ROOT, running_servers

CURATOR = "curator-secret-token"
CONSOLE = "console-secret-token"
WECHAT = "wechat-test-token"
QUESTION = "门店关了半年，政府能给点啥"
OUT = "公司周年庆典能申请补助吗"
ANSWERED = "西城区国企房租能免吗"
WECHAT_CREDENTIALS = f"bot.channels.wechat.WeChatInput:\n  token: {WECHAT}\n"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("curator")
    kb_dir = work / "kb"
    shutil.copytree(ROOT / "policies_kb", kb_dir, ignore=shutil.ignore_patterns("drafts"))
    events = work / "events.db"
    broker = f'event_broker:\n  type: SQL\n  dialect: "sqlite"\n  db: "{events}"\n'
    env = {"CURATOR_TOKEN": CURATOR, "CONSOLE_TOKEN": CONSOLE, "POLICY_KB_DIR": str(kb_dir),
           "EVENTS_DB_URL": f"sqlite:///{events}", "CURATOR_REPORT_SALT": "e2e"}
    with running_servers(work, extra_credentials=WECHAT_CREDENTIALS, env=env, extra_endpoints=broker) as s:
        s.kb_dir, s.events = kb_dir, events
        s.say("warm-up", ANSWERED, timeout=120)
        yield s


def texts(replies):
    return "\n".join(r.get("text") or "" for r in replies)


def stored_events(db):
    con = sqlite3.connect(db)
    try:
        return [json.loads(d) for (d,) in con.execute("SELECT data FROM events ORDER BY id")]
    finally:
        con.close()


def wechat(stack, text, openid="oFeedbackUser"):
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([WECHAT, ts, nonce])).encode()).hexdigest()
    xml = (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
           f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
           f"<MsgId>{int(time.time() * 1000)}{uuid.uuid4().int % 1000}</MsgId></xml>")
    r = requests.post(f"{stack.rasa_url}/webhooks/wechat/", params={"signature": signature, "timestamp": ts, "nonce": nonce},
                      data=xml.encode("utf-8"), timeout=10)
    r.raise_for_status()
    return r.text


def test_feedback_from_rest_console_and_wechat_is_stored_as_events(stack):
    # REST: a payload, as the widget's button sends it
    stack.say("fb-rest", ANSWERED)
    reply = texts(stack.say("fb-rest", '/feedback{"rating": "down", "measure_id": "xc1-13"}'))
    assert "反馈已记录" in reply
    # a short typed rating is understood too; the context stays (a follow-up continues the measure)
    assert "感谢" in texts(stack.say("fb-rest", "很有帮助"))
    follow = texts(stack.say("fb-rest", "电话多少"))
    assert "感谢" not in follow and re.search(r"\d{8}", follow), follow

    # hotline console: the operator marks the answer wrong, with a note and the right measure
    auth = {"Authorization": f"Bearer {CONSOLE}"}
    r = requests.post(f"{stack.rasa_url}/webhooks/console/api/ask", headers=auth,
                      json={"question": ANSWERED, "session": "call-42"}, timeout=30)
    assert r.status_code == 200
    r = requests.post(f"{stack.rasa_url}/webhooks/console/api/feedback", headers=auth, timeout=30,
                      json={"session": "call-42", "rating": "wrong", "note": "来电者问的是6号文", "measure_id": "xc6-01"})
    assert r.status_code == 200 and "有误" in r.json()["text"]
    assert requests.post(f"{stack.rasa_url}/webhooks/console/api/feedback", json={"rating": "wrong"},
                         timeout=10).status_code == 401

    # WeChat: the answer offers 有帮助/没帮助 as numbered options; replying the number rates it
    answer = wechat(stack, ANSWERED)
    assert "没帮助" in answer and len(answer.encode("utf-8")) < 2048 + 600      # XML envelope around ≤2048 bytes
    lines = [l for l in answer.split("\n") if "没帮助" in l]
    number = lines[0].split(".")[0].strip()
    assert "反馈已记录" in wechat(stack, number)

    time.sleep(0.5)
    ratings = {(e["sender_id"].split(":")[0], ent["value"]) for e in stored_events(stack.events) if e.get("event") == "user"
               and (e.get("parse_data") or {}).get("intent", {}).get("name") == "feedback"
               for ent in e["parse_data"].get("entities") or [] if ent["entity"] == "rating"}
    assert {("rest", "down"), ("console", "wrong"), ("wechat", "down")} <= ratings
    notes = [ent["value"] for e in stored_events(stack.events) if e.get("event") == "user"
             for ent in (e.get("parse_data") or {}).get("entities") or [] if ent["entity"] == "correct_measure"]
    assert "xc6-01" in notes
    bots = [e for e in stored_events(stack.events) if e.get("event") == "bot"]
    assert any((e.get("metadata") or {}).get("turn", {}).get("kind") == "measure" for e in bots)


def test_rest_replies_carry_no_feedback_buttons_or_metadata(stack):
    replies = stack.say("plain-rest", ANSWERED)
    assert all(set(r) <= {"recipient_id", "text", "buttons", "image", "custom"} for r in replies)
    assert not any("有帮助" in b["title"] for r in replies for b in r.get("buttons") or [])


def test_report_needs_its_own_token(stack):
    url = f"{stack.rasa_url}/webhooks/curator/api/report"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {CONSOLE}"}, timeout=10).status_code == 401
    assert requests.get(f"{stack.rasa_url}/webhooks/curator/", timeout=10).status_code == 401
    assert requests.get(f"{stack.rasa_url}/webhooks/curator/csv/unanswered.csv", timeout=10).status_code == 401
    r = requests.get(url, headers={"Authorization": f"Bearer {CURATOR}"}, timeout=30)
    assert r.status_code == 200
    assert r.json()["total_questions"] > 0
    page = requests.get(f"{stack.rasa_url}/webhooks/curator/", headers={"Authorization": f"Bearer {CURATOR}"}, timeout=30)
    assert page.status_code == 200 and "政策助手运营报告" in page.text
    assert requests.get(f"{stack.rasa_url}/webhooks/curator/static/echarts.min.js", timeout=10).status_code == 200


def test_a_session_cookie_is_refused_once_it_is_old_or_forged(stack):
    from bot.channels.curator_report import COOKIE, COOKIE_MAX_AGE, CuratorReport

    url = f"{stack.rasa_url}/webhooks/curator/api/report"
    now = int(time.time())
    fresh = CuratorReport.session_value(CURATOR, now)
    old = CuratorReport.session_value(CURATOR, now - COOKIE_MAX_AGE - 60)
    forged = CuratorReport.session_value("not-the-token", now)
    assert requests.get(url, cookies={COOKIE: fresh}, timeout=30).status_code == 200
    for value in (old, forged, f"{now}.", "garbage", f"{now + 10**6}.{fresh.partition('.')[2]}"):
        assert requests.get(url, cookies={COOKIE: value}, timeout=10).status_code == 401, value
    login = requests.post(f"{stack.rasa_url}/webhooks/curator/login", data={"token": CURATOR}, allow_redirects=False,
                          timeout=10)
    assert login.status_code == 303 and CuratorReport.session_valid(CURATOR, login.cookies[COOKIE])


def test_unanswered_question_curated_with_the_cli_is_answered_without_restart(stack):
    first = texts(stack.say("curate-1", QUESTION))
    assert ("没能" in first or "超出" in first) and "25号第（一）条" not in first
    r = requests.get(f"{stack.rasa_url}/webhooks/curator/api/report", headers={"Authorization": f"Bearer {CURATOR}"}, timeout=30)
    assert any(QUESTION in g["wording"] for g in r.json()["unanswered"])

    r = subprocess.run([sys.executable, "-m", "actions.kb", "--kb", str(stack.kb_dir), "attach", QUESTION, "my25-01"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120, env={**stack.env})
    assert r.returncode == 0, r.stderr
    deadline, answer = time.time() + 20, ""
    while time.time() < deadline:
        answer = texts(stack.say(f"curate-{uuid.uuid4().hex[:6]}", QUESTION))
        if "25号第（一）条" in answer:
            break
        time.sleep(1)
    assert "密政发〔2020〕25号第（一）条" in answer and "房租" in answer, answer


def test_out_of_scope_from_the_report_api_goes_live(stack):
    api = f"{stack.rasa_url}/webhooks/curator/api/out_of_scope"
    assert requests.post(api, json={"wording": OUT}, timeout=10).status_code == 401
    r = requests.post(api, json={"wording": OUT}, headers={"Authorization": f"Bearer {CURATOR}"}, timeout=30)
    assert r.status_code == 200, r.text
    bad = requests.post(f"{stack.rasa_url}/webhooks/curator/api/attach", timeout=30,
                        json={"wording": "我的手机13900001111", "measure_id": "my25-01"},
                        headers={"Authorization": f"Bearer {CURATOR}"})
    assert bad.status_code == 400 and "个人信息" in bad.json()["error"]
    deadline, answer = time.time() + 20, ""
    while time.time() < deadline:
        answer = texts(stack.say(f"oos-{uuid.uuid4().hex[:6]}", OUT))
        if "超出了我的范围" in answer:
            break
        time.sleep(1)
    assert "超出了我的范围" in answer
