"""Tests of the hotline staff console channel (bot/channels/console.py).

In-process over Sanic's ASGI interface (sanic-testing's ``asgi_client``) with an app holding only
the console blueprint, registered the way Rasa does it, and a fake bot instead of Rasa's agent.
"""
import asyncio
import json
import uuid
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.console import HotlineConsole

TOKEN = "s3cret-console-token"
BASE = "/webhooks/console"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class FakeBot:
    """Stands in for Rasa's agent: answers like the bot would, with a text and buttons."""

    def __init__(self, silent: bool = False) -> None:
        self.calls: List[UserMessage] = []
        self.silent = silent

    async def handle_message(self, message: UserMessage) -> None:
        self.calls.append(message)
        if self.silent:
            return
        # Rasa's processor hands every bot message to the channel's send_response
        await message.output_channel.send_response(message.sender_id, {
            "text": f"回答：{message.text}",
            "buttons": [{"title": "联系方式", "payload": '/ask_contact{"measure_id": "xc1-13"}'}]})


def make_app(bot: Optional[FakeBot] = None, **kwargs: Any) -> Sanic:
    app = Sanic(f"console_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
    app.ctx.agent = bot or FakeBot()
    register([HotlineConsole.from_credentials({"token_env": "CONSOLE_TOKEN", **kwargs})], app, route="/webhooks/")
    return app


def call(app: Sanic, method: str, path: str, body: Any = None, headers: Optional[Dict[str, str]] = None,
         raw: Optional[bytes] = None):
    async def scenario():
        client = app.asgi_client
        kwargs: Dict[str, Any] = {"headers": headers or {}}
        if raw is not None:
            kwargs["content"] = raw
        elif body is not None:
            kwargs["content"] = json.dumps(body, ensure_ascii=False).encode("utf-8")
        _, resp = await getattr(client, method)(BASE + path, **kwargs)
        return resp
    return asyncio.run(scenario())


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("CONSOLE_TOKEN", TOKEN)
    return TOKEN


# --------------------------------------------------------------------------- #
# access control
# --------------------------------------------------------------------------- #
def test_api_without_token_is_401(token):
    resp = call(make_app(), "post", "/api/ask", {"question": "西城区国企房租减免"})
    assert resp.status == 401
    assert "口令" in resp.json["error"]
    assert resp.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", "Bearer wrong", f"Basic {TOKEN}", TOKEN, "Bearer "])
def test_api_with_wrong_token_is_401(token, header):
    bot = FakeBot()
    resp = call(make_app(bot), "post", "/api/ask", {"question": "西城区国企房租减免"},
                headers={"Authorization": header})
    assert resp.status == 401
    assert bot.calls == []


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_token_refuses_everything(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CONSOLE_TOKEN", raising=False)
    else:
        monkeypatch.setenv("CONSOLE_TOKEN", value)
    app = make_app()
    for method, path, body in [("post", "/api/ask", {"question": "房租"}), ("get", "/api/measure/xc1-13", None),
                               ("post", "/api/calc", {"measure_id": "my25-13", "facts": {}}),
                               ("get", "/api/ping", None)]:
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
            resp = call(app, method, path, body, headers=headers)
            assert resp.status == 401, (path, headers)
            assert "CONSOLE_TOKEN" in resp.json["error"] and "未设置" in resp.json["error"]


def test_token_is_read_at_request_time(monkeypatch):
    monkeypatch.setenv("CONSOLE_TOKEN", "first")
    app = make_app()
    assert call(app, "get", "/api/ping", headers={"Authorization": "Bearer first"}).status == 200
    monkeypatch.setenv("CONSOLE_TOKEN", "second")
    assert call(app, "get", "/api/ping", headers={"Authorization": "Bearer first"}).status == 401
    assert call(app, "get", "/api/ping", headers={"Authorization": "Bearer second"}).status == 200


def test_token_env_name_comes_from_credentials(monkeypatch):
    monkeypatch.delenv("CONSOLE_TOKEN", raising=False)
    monkeypatch.setenv("OTHER_CONSOLE_TOKEN", "abc")
    app = make_app(token_env="OTHER_CONSOLE_TOKEN")
    assert call(app, "get", "/api/ping", headers={"Authorization": "Bearer abc"}).status == 200


def test_page_and_assets_load_without_token(monkeypatch):
    monkeypatch.delenv("CONSOLE_TOKEN", raising=False)
    app = make_app()
    page = call(app, "get", "/")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "热线" in page.text and "static/console.js" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    js = call(app, "get", "/static/console.js")
    assert js.status == 200 and js.headers["content-type"].startswith("application/javascript")
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js.text  # data goes into the DOM via textContent only
    css = call(app, "get", "/static/console.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    assert call(app, "get", "/static/../console.py").status == 404
    assert call(app, "get", "/static/secret.txt").status == 404


# --------------------------------------------------------------------------- #
# ask
# --------------------------------------------------------------------------- #
def test_ask_returns_bot_answer_and_hits(token):
    bot = FakeBot()
    resp = call(make_app(bot), "post", "/api/ask",
                {"question": "西城区国企房租减免", "district": "西城区", "session": "call-42"}, headers=AUTH)
    assert resp.status == 200, resp.text
    data = resp.json
    # the answer is what the REST channel would return: CollectingOutputChannel's messages
    assert data["answer"] == [{"recipient_id": "call-42", "text": "回答：西城区国企房租减免",
                               "buttons": [{"title": "联系方式", "payload": '/ask_contact{"measure_id": "xc1-13"}'}]}]
    assert len(bot.calls) == 1
    msg = bot.calls[0]
    assert (msg.text, msg.sender_id, msg.input_channel) == ("西城区国企房租减免", "console:call-42", "console")
    assert msg.metadata == {"district": "西城区"}   # the district selector reaches the answer

    hits = data["hits"]
    assert 1 <= len(hits) <= 3
    assert all(h["district"] == "西城区" for h in hits)
    expected = [h for h in hits if h["id"] in ("xc1-13", "xc6-01")]
    assert expected, [h["id"] for h in hits]
    phones = {p for h in expected for c in h["contacts"] for p in c["phones"]}
    assert phones & {"66112569", "66218055"}
    hit = expected[0]
    for key in ("score", "coverage", "confident", "title", "summary", "eligibility", "benefits",
                "application", "contacts", "notes", "citation"):
        assert key in hit
    assert hit["citation"]["document_number"].startswith("西政办发〔2020〕")
    assert hit["citation"]["date"] and hit["citation"]["label"]
    assert isinstance(hit["eligibility"]["conditions"], list) and hit["eligibility"]["text"]
    assert set(hit["application"]) >= {"steps", "urls", "deadline"}
    assert set(hit["contacts"][0]) >= {"unit", "office", "persons", "phones", "emails", "note"}


def test_ask_without_district_searches_both(token):
    resp = call(make_app(), "post", "/api/ask", {"question": "密云区以训稳岗补贴每人补多少", "district": None},
                headers=AUTH)
    assert resp.status == 200
    top = resp.json["hits"][0]
    assert top["id"] == "my25-13" and top["confident"] is True
    assert top["citation"]["document_number"] == "密政发〔2020〕25号"
    assert top["calculator"]["available"] is True
    assert [i["name"] for i in top["calculator"]["inputs"]] == ["training_hours", "employees_trained"]
    assert any(c["phones"] and "89038088" in c["phones"] for c in top["contacts"])


def test_silent_bot_gets_the_guard_apology(token):
    resp = call(make_app(FakeBot(silent=True)), "post", "/api/ask", {"question": "西城区房租减免"}, headers=AUTH)
    assert resp.status == 200
    assert len(resp.json["answer"]) == 1 and "抱歉" in resp.json["answer"][0]["text"]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", "问题".encode("utf-8"), b"\xff\xfe"])
def test_ask_broken_json_is_400(token, raw):
    resp = call(make_app(), "post", "/api/ask", headers=AUTH, raw=raw)
    assert resp.status == 400
    assert "JSON" in resp.json["error"]


@pytest.mark.parametrize("body", [{}, {"question": ""}, {"question": "   "}, {"question": 12},
                                  {"question": "房" * 1001}, {"question": "房租", "district": "朝阳区"},
                                  {"question": "房租", "session": "../x"}, {"question": "房租", "session": "x" * 65}])
def test_ask_bad_input_is_400(token, body):
    bot = FakeBot()
    resp = call(make_app(bot), "post", "/api/ask", body, headers=AUTH)
    assert resp.status == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.json["error"])  # a Chinese message
    assert bot.calls == []


def test_question_of_1000_chars_is_accepted(token):
    resp = call(make_app(), "post", "/api/ask", {"question": "房租" * 500}, headers=AUTH)
    assert resp.status == 200


# --------------------------------------------------------------------------- #
# measure, calc, check
# --------------------------------------------------------------------------- #
def test_measure_returns_full_json(token):
    resp = call(make_app(), "get", "/api/measure/xc1-13", headers=AUTH)
    assert resp.status == 200
    m = resp.json
    assert m["id"] == "xc1-13" and m["district"] == "西城区"
    assert m["citation"]["document_number"] == "西政办发〔2020〕1号"
    assert any("66112569" in c["phones"] and "于伟川" in c["persons"] for c in m["contacts"])
    assert m["notes"] and m["benefits"]


def test_unknown_measure_is_404(token):
    app = make_app()
    assert call(app, "get", "/api/measure/nope-99", headers=AUTH).status == 404
    resp = call(app, "post", "/api/calc", {"measure_id": "nope-99", "facts": {}}, headers=AUTH)
    assert resp.status == 404 and "nope-99" in resp.json["error"]
    assert call(app, "post", "/api/check", {"measure_id": "nope-99", "facts": {}}, headers=AUTH).status == 404
    assert call(app, "get", "/api/nothing-here", headers=AUTH).status == 404


def test_calc_training_subsidy(token):
    resp = call(make_app(), "post", "/api/calc",
                {"measure_id": "my25-13", "facts": {"training_hours": 40, "employees_trained": 10}}, headers=AUTH)
    assert resp.status == 200
    assert "10,000元" in resp.json["text"]
    assert "密政发〔2020〕25号" in resp.json["text"]


def test_calc_rent_waiver_with_strings(token):
    resp = call(make_app(), "post", "/api/calc",
                {"measure_id": "xc1-13", "facts": {"monthly_rent": "2万元", "premises_use": "办公用房"}}, headers=AUTH)
    assert resp.status == 200
    assert "50%" in resp.json["text"] and "10,000元" in resp.json["text"]


@pytest.mark.parametrize("body", [{"facts": {}}, {"measure_id": 5}, {"measure_id": "my25-13", "facts": [1]},
                                  {"measure_id": "my25-13", "facts": {"training_hours": -5}},
                                  {"measure_id": "my25-13", "facts": {"training_hours": {"a": 1}}}])
def test_calc_bad_input_is_400(token, body):
    assert call(make_app(), "post", "/api/calc", body, headers=AUTH).status == 400


def test_check_eligibility(token):
    app = make_app()
    resp = call(app, "post", "/api/check", {"measure_id": "my25-13", "facts": {"revenue_decline": 50}}, headers=AUTH)
    assert resp.status == 200
    assert resp.json["status"] == "not_eligible"
    assert "不符合" in resp.json["text"]
    # "…等重点行业" is an open list: an industry outside it is left to the office, not refused
    resp = call(app, "post", "/api/check", {"measure_id": "my25-13", "facts": {"industry": "批发零售"}}, headers=AUTH)
    assert resp.json["status"] == "unknown" and "还需主管部门认定" in resp.json["text"]
    # 餐饮 is one of the 生活性服务业 the notices list: not a reason to refuse
    resp = call(app, "post", "/api/check", {"measure_id": "my25-13", "facts": {"industry": "餐饮"}}, headers=AUTH)
    assert resp.json["status"] == "unknown"

    resp = call(app, "post", "/api/check", {"measure_id": "my25-13", "facts": {"training_hours": 40}}, headers=AUTH)
    assert resp.json["status"] == "unknown"
    assert "industry" in resp.json["missing_facts"] and "还需确认" in resp.json["text"]

    facts = {"industry": "科技创新", "is_sme": True, "unemployment_insured": "是", "revenue_decline": 85,
             "training_hours": 40}
    resp = call(app, "post", "/api/check", {"measure_id": "my25-13", "facts": facts}, headers=AUTH)
    assert resp.json["status"] == "eligible" and resp.json["missing_facts"] == []
    assert "89038088" in resp.json["text"]


# --------------------------------------------------------------------------- #
# token guesses are rate limited
# --------------------------------------------------------------------------- #
def test_token_guesses_are_limited_per_client(token):
    from bot.channels.console import MAX_FAILED_TOKENS

    bot = FakeBot()
    app = make_app(bot)

    async def scenario():
        statuses = []
        for i in range(MAX_FAILED_TOKENS + 2):
            _, resp = await app.asgi_client.get(BASE + "/api/ping", headers={"Authorization": f"Bearer guess-{i}"})
            statuses.append(resp.status)
        _, right = await app.asgi_client.get(BASE + "/api/ping", headers=AUTH)  # even the right token waits
        return statuses, right

    statuses, right = asyncio.run(scenario())
    assert statuses == [401] * MAX_FAILED_TOKENS + [429, 429]
    assert right.status == 429 and int(right.headers["retry-after"]) > 0
    assert "分钟后再试" in right.json["error"]


def test_failure_limiter_window_and_clients():
    from bot.channels.console import FailureLimiter

    now = [0.0]
    limiter = FailureLimiter(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("a") == 0
        limiter.failed("a")
        now[0] += 1
    assert limiter.retry_after("a") == pytest.approx(57)
    assert limiter.retry_after("b") == 0  # other clients are not affected
    now[0] += 58
    assert limiter.retry_after("a") == 0  # the oldest failure left the window


def test_right_tokens_are_never_counted(token):
    from bot.channels.console import MAX_FAILED_TOKENS

    app = make_app()

    async def scenario():
        return [(await app.asgi_client.get(BASE + "/api/ping", headers=AUTH))[1].status
                for _ in range(MAX_FAILED_TOKENS + 5)]

    assert set(asyncio.run(scenario())) == {200}


def test_a_refused_knowledge_base_edit_is_shown_to_the_console(token, tmp_path, monkeypatch):
    import os
    import shutil
    from actions import knowledge_base, live_kb
    kb_dir = tmp_path / "kb"
    shutil.copytree(knowledge_base.DEFAULT_KB_DIR, kb_dir)
    monkeypatch.setattr(knowledge_base, "DEFAULT_KB_DIR", kb_dir)
    monkeypatch.setattr(live_kb, "CHECK_EVERY_SECONDS", 0.0)
    app = make_app()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert call(app, "get", "/api/ping", headers=auth).json["kb_problems"] == []
    path = kb_dir / "my-2020-25.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - broken: [\n", encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    problems = call(app, "get", "/api/ping", headers=auth).json["kb_problems"]
    assert problems and problems[0].startswith("my-2020-25.yml")
    answer = call(app, "post", "/api/ask", {"question": "密云房租减免找谁"}, headers=auth)
    assert answer.status == 200 and answer.json["kb_problems"] == problems   # still answering
