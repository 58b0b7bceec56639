"""Both servers started for real; conversations over REST, checking the facts in the replies."""
import requests
import pytest

from tests.servers import running_servers


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with running_servers(tmp_path_factory.mktemp("e2e")) as s:
        yield s


def texts(replies):
    return "\n".join(r.get("text", "") for r in replies)


def buttons(replies):
    return [b["title"] for r in replies for b in r.get("buttons", [])]


def test_rent_question_context_switch_and_phone(servers):
    first = servers.say("e2e-1", "西城国企的房子房租能免吗")
    assert "西政办发〔2020〕" in texts(first) and "已结束" in texts(first)
    assert "66112569" in texts(first)
    assert "联系方式" in buttons(first)
    miyun = texts(servers.say("e2e-1", "那密云呢"))
    assert "密政发〔2020〕25号" in miyun and "69043376" in miyun
    phone = texts(servers.say("e2e-1", "电话多少"))
    assert "王楠" in phone and "69087226" in phone


def test_button_payload_gives_details(servers):
    replies = servers.say("e2e-2", '/ask_how_to_apply{"measure_id":"my25-05"}')
    assert "区金融办" in texts(replies) or "贴息" in texts(replies)
    assert "办理流程" in texts(replies)


def test_layoffs_above_the_limit_are_refused_with_the_reason(servers):
    reply = texts(servers.say("e2e-3", "我们裁员8%还能减房租吗"))
    assert "5.5%" in reply and "不符合" in reply
    verdict = texts(servers.say("e2e-3", "密云区"))
    assert "不符合" in verdict.split("。")[0] and "5.5%" in verdict


def test_amount_form_asks_then_calculates(servers):
    q1 = texts(servers.say("e2e-4", "密云以训稳岗补贴能补多少钱"))
    assert "课时" in q1
    q2 = texts(servers.say("e2e-4", "40"))
    assert "多少名" in q2 or "人" in q2
    result = texts(servers.say("e2e-4", "10个人"))
    assert "10,000元" in result and "15,400元" in result


def test_not_covered_and_out_of_scope(servers):
    reply = texts(servers.say("e2e-5", "密云有税收优惠吗"))
    assert reply.startswith("没有") and "税" in reply and "690" not in reply
    reply = texts(servers.say("e2e-5", "今天天气怎么样"))
    assert "抱歉" in reply and "电话" not in reply


def test_handoff_gives_right_department(servers):
    servers.say("e2e-6", "延期缴纳税款怎么办理")
    reply = texts(servers.say("e2e-6", "转人工"))
    assert "区税务局" in reply and "62268630" in reply


@pytest.mark.parametrize("message", ["", "😀😀😀", "<img src=x onerror=alert(1)>", "房租" * 3000,
                                     "hello, can I get rent relief?", "rent能减吗 ok"])
def test_bad_input_gets_a_polite_answer(servers, message):
    replies = servers.say("e2e-7", message)
    assert replies and all(r.get("text") for r in replies)


@pytest.mark.parametrize("body", ["{not json", "[1,2]", '{"message": "你好"}', '{"sender": "x", "message": 5}'])
def test_broken_requests_get_a_clean_400(servers, body):
    r = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", data=body.encode(),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400


def test_http_api_is_off_without_a_token(servers):
    r = requests.get(f"{servers.rasa_url}/conversations/e2e-1/tracker", timeout=10)
    assert r.status_code in (401, 403, 404)


def test_action_server_down_still_gets_a_polite_reply(tmp_path):
    with running_servers(tmp_path / "down", start_actions=False) as s:
        reply = texts(s.say("down-1", "西城区房租减免"))
    assert "抱歉" in reply


def test_a_restart_keeps_the_conversation(tmp_path):
    with running_servers(tmp_path / "restart") as s:
        assert "66112569" in texts(s.say("restart-1", "西城国企的房子房租能免吗"))
    with running_servers(tmp_path / "restart") as s:
        reply = texts(s.say("restart-1", "电话多少"))
    assert "于伟川" in reply and "66112569" in reply
