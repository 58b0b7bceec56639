"""The curator report's figures from a known set of conversations (pure Python, no Rasa), masking,
pseudonyms, CSV, the static page, purge; curated fixes through the CLI keep the YAML's layout."""
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from actions import curation, curator_report
from actions.conversation import respond
from actions.knowledge_base import load_kb
from tests.servers import ROOT

DAY1 = 1780000000.0       # 2026-05-29 04:26 Beijing time
DAY2 = DAY1 + 86400


def user(sender, text, ts, intent="ask_rent", confidence=0.9, entities=None, channel=None):
    return {"sender_id": sender, "event": "user", "timestamp": ts, "text": text,
            "input_channel": channel or sender.split(":")[0],
            "parse_data": {"intent": {"name": intent, "confidence": confidence},
                           "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]}}


def bot(sender, text, ts, **turn):
    return {"sender_id": sender, "event": "bot", "timestamp": ts, "text": text, "data": {},
            "metadata": {"turn": turn} if turn else {}}


def action(sender, ts):
    return {"sender_id": sender, "event": "action", "timestamp": ts, "name": "action_respond"}


def conversations():
    """10 questions (+ small talk and feedback) on 2 days, 3 channels, with known reply times."""
    a, b, c, d = "rest:alice", "socketio:bob", "wechat:oXYZ", "console:call-1"
    return [
        # day 1 — alice (REST): answered 0.1 s, not found 0.2 s (phone typed), feedback down on it
        user(a, "西城区房租减免怎么申请", DAY1), action(a, DAY1 + .05),
        bot(a, "按原文……西政办发〔2020〕1号", DAY1 + .1, kind="measure", measure_id="xc1-13", topics=["rent"]),
        user(a, "我手机13812345678，门店关了半年政府能给点啥", DAY1 + 10, intent="nlu_fallback", confidence=0.3),
        bot(a, "抱歉，我没能找到", DAY1 + 10.2, kind="no_answer"),
        user(a, "/feedback", DAY1 + 20, intent="feedback", entities={"rating": "down"}),
        bot(a, "抱歉这次没能帮到您", DAY1 + 20.01, kind="feedback", rating="down"),
        # day 1 — bob (web): small talk (not a question), which district 0.3 s, answered low confidence 0.4 s
        user(b, "你好", DAY1 + 30, intent="greet"), bot(b, "您好！", DAY1 + 30.05, kind="chitchat"),
        user(b, "房租能减免吗", DAY1 + 40), bot(b, "请问您的企业在哪个区？", DAY1 + 40.3, kind="which_district"),
        user(b, "那个啥补贴呢", DAY1 + 50), bot(b, "按原文……", DAY1 + 50.4, kind="measure", measure_id="my25-05",
                                            topics=["finance"], low_confidence=True),
        user(b, "/feedback", DAY1 + 55, intent="feedback", entities={"rating": "up", "measure_id": "my25-05"}),
        bot(b, "感谢您的反馈", DAY1 + 55.01, kind="feedback", rating="up"),
        # day 2 — WeChat: two near-duplicate unanswered questions, an out-of-scope one, a hand-off
        user(c, "门店关了半年政府能给点啥？", DAY2), bot(c, "抱歉，我没能找到", DAY2 + .5, kind="no_answer"),
        user(c, "门店关了半年，政府能给点啥呢", DAY2 + 10), bot(c, "抱歉，我没能找到", DAY2 + 10.6, kind="no_answer"),
        user(c, "明天天气怎么样 我的邮箱 a.b@example.com", DAY2 + 20, intent="out_of_scope"),
        bot(c, "抱歉，这个问题超出了我的范围", DAY2 + 20.7, kind="out_of_scope"),
        user(c, "转人工", DAY2 + 30, intent="human_handoff"),
        bot(c, "请拨打……", DAY2 + 30.8, kind="measure", measure_id="xc1-13", topics=["rent"]),
        # day 2 — console: answered, marked wrong with note and the right measure
        user(d, "以训稳岗补贴找谁", DAY2 + 40, intent="ask_contact"),
        bot(d, "区人力社保局 电话……", DAY2 + 40.9, kind="measure", measure_id="xc1-13", topics=["rent"]),
        user(d, '/feedback', DAY2 + 50, intent="feedback",
             entities={"rating": "wrong", "note": "来电者身份证110101199003071234", "correct_measure": "xc1-10"}),
        bot(d, "已记录：本条回答有误", DAY2 + 50.01, kind="feedback", rating="wrong"),
    ]


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def report(kb):
    return curator_report.compute(conversations(), kb=kb, salt=b"test-salt", now=DAY2 + 3600)


def test_counts_per_day_and_channel(report):
    assert report["total_questions"] == 9          # small talk and feedback are not questions
    assert report["conversations"] == 4
    by_day = {d["date"]: d for d in report["per_day"]}
    assert sorted(by_day) == ["2026-05-29", "2026-05-30"]
    assert by_day["2026-05-29"]["rest"] == 2 and by_day["2026-05-29"]["socketio"] == 2
    assert by_day["2026-05-30"]["wechat"] == 4 and by_day["2026-05-30"]["console"] == 1
    assert by_day["2026-05-30"]["total"] == 5


def test_shares(report):
    shares = {s["category"]: (s["count"], round(s["share"], 4)) for s in report["shares"]}
    assert shares == {"answered": (3, 0.3333), "asked_back": (1, 0.1111), "not_found": (3, 0.3333),
                      "out_of_scope": (1, 0.1111), "handed_off": (1, 0.1111)}


def test_top_measures_and_topics(report):
    assert [(m["measure_id"], m["count"]) for m in report["top_measures"]] == [("xc1-13", 2), ("my25-05", 1)]
    assert report["top_measures"][0]["title"].startswith("西城区")
    assert [(t["label"], t["count"]) for t in report["top_topics"]][0] == ("房租减免", 2)


def test_reply_time_median_and_p95(report):
    # the 9 questions' reply times: .1 .2 .3 .4 .5 .6 .7 .8 .9 s
    assert report["median_reply"] == pytest.approx(0.5)
    assert report["p95_reply"] == pytest.approx(0.86)          # linear: .8 + (.9 - .8) * 0.6
    assert curator_report.percentile([1, 2, 3, 4], 50) == 2.5
    assert curator_report.percentile([], 95) is None


def test_unanswered_grouped_with_counts_channels_dates(report):
    groups = report["unanswered"]
    top = groups[0]
    assert top["count"] == 3 and len(top["variants"]) == 3     # three wordings of one question
    assert top["channels"] == ["REST接口", "微信"]
    assert (top["first"], top["last"]) == ("2026-05-29", "2026-05-30")
    wordings = [g["wording"] for g in groups]
    assert any("天气" in w for w in wordings)                   # NLU out of scope, not yet curated
    assert "那个啥补贴呢" in wordings                            # answered with low confidence
    assert not any("房租减免怎么申请" in w for w in wordings)


def test_feedback_linked_to_the_answer_it_rates(report):
    neg = report["negative_feedback"]
    assert [f["rating"] for f in neg] == ["down", "wrong"]
    assert "门店关了半年" in neg[0]["question"] and neg[0]["reply"] == "抱歉，我没能找到"
    assert neg[1]["channel"] == "console" and neg[1]["correct_measure"] == "xc1-10"
    assert neg[1]["question"] == "以训稳岗补贴找谁"
    assert report["ratings"] == {"up": 1, "down": 1, "right": 0, "wrong": 1}


def test_personal_data_masked_and_senders_pseudonymous(report):
    dump = json.dumps(report, ensure_ascii=False)
    page = curator_report.render_html(report)
    csvs = "".join(curator_report.csv_text(h, r) for _, h, r in curator_report.tables(report).values())
    for text in (dump, page, csvs):
        assert "13812345678" not in text and "a.b@example.com" not in text and "110101199003071234" not in text
        assert "alice" not in text and "oXYZ" not in text
    assert "［手机号］" in dump and "［邮箱］" in dump and "［身份证号］" in dump
    users = {f["user"] for f in report["feedback"]}
    assert all(u.startswith("访客-") for u in users) and len(users) == 3
    assert curator_report.pseudonym("rest:alice", b"k1") != curator_report.pseudonym("rest:alice", b"k2")


def test_masking_patterns():
    assert curation.mask_personal("电话 010-83926768 或 13912345678") == "电话 ［电话］ 或 ［手机号］"
    assert curation.mask_personal("月租50000元，8人") == "月租50000元，8人"   # facts stay
    assert curation.mask_personal("身份证11010119900307123X") == "身份证［身份证号］"
    assert curation.mask_personal("我的电话是83912345，或6620 1856") == "我的电话是［电话］，或［电话］"


def test_csv_cells_cannot_start_a_formula_and_empty_cells_stay_empty():
    text = curator_report.csv_text(["a", "b", "c"], [["", "=1+1", "\t=HYPERLINK(1)"], ["\r=1", None, "ok"]])
    rows = text.lstrip("\ufeff").splitlines()
    assert rows[1].split(",")[0] == "" and "'=1+1" in rows[1] and "'\t=HYPERLINK" in rows[1]


def test_window_in_days(kb):
    r = curator_report.compute(conversations(), kb=kb, salt=b"s", days=1, now=DAY2 + 3600)
    assert r["total_questions"] == 5


def test_curated_out_of_scope_leaves_the_unanswered_list(kb):
    import copy
    kb2 = copy.copy(kb)
    kb2.out_of_scope = ["明天天气怎么样 我的邮箱 ［邮箱］"]
    r = curator_report.compute(conversations(), kb=kb2, salt=b"s", now=DAY2)
    assert not any("天气" in g["wording"] for g in r["unanswered"])


def test_csv_of_every_table_and_static_page(report, tmp_path):
    written = curator_report.write_static(report, tmp_path / "report.html")
    names = {p.name for p in written}
    assert {"report.html", "report.js", "echarts.min.js"} <= names
    for table in curator_report.tables(report):
        text = (tmp_path / "report_csv" / f"{table}.csv").read_text(encoding="utf-8")
        assert text.startswith("\ufeff") and "," in text
        assert f'href="report_csv/{table}.csv"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "回答情况" in page and "未答出和低置信度的问题" in page and "cdn" not in page.lower()
    assert 'python -m actions.kb attach "' in page


def test_purge_deletes_only_old_events(tmp_path):
    db = tmp_path / "events.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)")
    for i, ts in enumerate([DAY1 - 200 * 86400, DAY1 - 10 * 86400, DAY1]):
        con.execute("INSERT INTO events (sender_id, data) VALUES (?, ?)", ("rest:x", json.dumps({"timestamp": ts, "i": i})))
    con.commit()
    con.close()
    url = f"sqlite:///{db}"
    assert curator_report.purge(url, 180, now=DAY1) == 1
    assert [e["i"] for e in curator_report.read_events(url)] == [1, 2]
    assert curator_report.purge(url, 5, now=DAY1) == 1
    assert [e["i"] for e in curator_report.read_events(url)] == [2]


# ---- curated fixes (CLI) ----------------------------------------------------------------------

UNANSWERED = "门店关了半年，政府能给点啥"
OUT = "公司周年庆典能申请补助吗"


@pytest.fixture()
def kb_copy(tmp_path):
    target = tmp_path / "kb"
    shutil.copytree(ROOT / "policies_kb", target, ignore=shutil.ignore_patterns("drafts"))
    return target


def cli(*args):
    return subprocess.run([sys.executable, "-m", "actions.kb", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_attach_and_out_of_scope_through_the_cli_keep_layout(kb_copy):
    before = load_kb(kb_copy)
    assert respond(before, UNANSWERED).decision.kind == "no_answer"
    original = {p.name: p.read_text(encoding="utf-8") for p in kb_copy.glob("*.yml")}
    r = cli("--kb", str(kb_copy), "attach", UNANSWERED, "xc6-01")
    assert r.returncode == 0, r.stderr
    r = cli("--kb", str(kb_copy), "out-of-scope", OUT)
    assert r.returncode == 0, r.stderr
    for name, text in original.items():
        new = (kb_copy / name).read_text(encoding="utf-8")
        if name == "xc-2020-6.yml":
            added = [l for l in new.splitlines() if l not in text.splitlines()]
            assert added == [f"    examples: [{UNANSWERED}]"]
            assert len(new.splitlines()) == len(text.splitlines()) + 1
        elif name == "curation.yml":
            assert new.startswith(text.split("out_of_scope")[0])        # comments kept
            assert f"- {OUT}" in new
        else:
            assert new == text
    after = load_kb(kb_copy)
    d = respond(after, "请问" + UNANSWERED + "？").decision
    assert (d.kind, d.measure.id) == ("measure", "xc6-01")
    assert respond(after, OUT).decision.kind == "out_of_scope"
    # twice is once
    assert "已存在" in cli("--kb", str(kb_copy), "attach", UNANSWERED, "xc6-01").stdout


def test_cli_refuses_personal_data_unknown_measure_and_invalid_kb(kb_copy):
    r = cli("--kb", str(kb_copy), "attach", "我电话13812345678能办吗", "xc6-01")
    assert r.returncode == 1 and "个人信息" in r.stderr
    r = cli("--kb", str(kb_copy), "attach", UNANSWERED, "xc9-99")
    assert r.returncode == 1 and "xc9-99" in r.stderr
    before = (kb_copy / "xc-2020-6.yml").read_text(encoding="utf-8")
    with pytest.raises(curation.CurationError):
        curation.attach(kb_copy, "x" * 300, "xc6-01")
    assert (kb_copy / "xc-2020-6.yml").read_text(encoding="utf-8") == before


def test_a_change_that_does_not_validate_is_undone(kb_copy, monkeypatch):
    real = curation._dump
    monkeypatch.setattr(curation, "_dump", lambda yaml, data: real(yaml, data).replace("topics: [rent]", "topics: [nope]", 1))
    before = (kb_copy / "xc-2020-6.yml").read_text(encoding="utf-8")
    with pytest.raises(curation.CurationError, match="校验失败"):
        curation.attach(kb_copy, UNANSWERED, "xc6-01")
    assert (kb_copy / "xc-2020-6.yml").read_text(encoding="utf-8") == before



def test_curators_fixing_at_the_same_moment_lose_no_fix(kb_copy):
    from concurrent.futures import ThreadPoolExecutor

    from actions import curation

    wordings = [f"门店关了{n}个月，政府能给点啥" for n in ("两", "三", "四", "五")]
    with ThreadPoolExecutor(len(wordings) + 1) as pool:
        done = [pool.submit(curation.attach, kb_copy, w, "xc6-01") for w in wordings]
        done.append(pool.submit(curation.mark_out_of_scope, kb_copy, OUT))
        for f in done:
            f.result()
    kb = load_kb(kb_copy)
    assert set(wordings) <= set(kb.get("xc6-01").examples)
    assert OUT in kb.out_of_scope
