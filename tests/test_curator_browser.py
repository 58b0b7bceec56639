"""Browser test of the curators' loop in Debian's headless Chromium: a user taps 没帮助 under a
policy answer in the web widget (the answer's own buttons stay), an operator marks an answer wrong
in the hotline console, and the curator signs in to the report at /webhooks/curator/, sees the
charts (ECharts served locally) and the tables, and takes screenshots (results/screenshots/)."""
import re
import shutil

import pytest

from tests.servers import ROOT, running_servers
from tests.test_browser import CHROMIUM, SCREENSHOTS, _page, browser  # noqa: F401  (fixture)

CURATOR = "curator-browser-token"
CONSOLE = "console-browser-token"
BOT_TIMEOUT = 60_000


@pytest.fixture(scope="module")
def servers(browser, tmp_path_factory):  # noqa: F811
    work = tmp_path_factory.mktemp("curator-browser")
    kb_dir = work / "kb"
    shutil.copytree(ROOT / "policies_kb", kb_dir, ignore=shutil.ignore_patterns("drafts"))
    events = work / "events.db"
    broker = f'event_broker:\n  type: SQL\n  dialect: "sqlite"\n  db: "{events}"\n'
    env = {"CURATOR_TOKEN": CURATOR, "CONSOLE_TOKEN": CONSOLE, "POLICY_KB_DIR": str(kb_dir),
           "EVENTS_DB_URL": f"sqlite:///{events}", "CURATOR_REPORT_SALT": "browser"}
    with running_servers(work, env=env, extra_endpoints=broker) as s:
        for i, q in enumerate(["西城区国企房租能减免吗", "密云区贷款贴息的条件", "门店关了半年，政府能给点啥",
                               "门店关了半年政府能给点啥呢", "我手机13812345678，公司周年庆能补助吗", "以训稳岗补贴找谁",
                               "西城区", "转人工"]):
            s.say(f"seed-{i % 3}", q, timeout=120)
        yield s


def test_web_widget_feedback_and_console_mark_then_report(browser, servers):  # noqa: F811
    from playwright.sync_api import expect

    # 1. web widget: 👎 没帮助 under the answer, next to its own buttons
    context, page, outside, errors = _page(browser, servers.rasa_url, viewport={"width": 390, "height": 844},
                                           device_scale_factor=1, is_mobile=True, has_touch=True)
    try:
        page.goto(servers.rasa_url + "/webhooks/web/")
        responses = page.locator(".rw-response")
        expect(responses.first).to_contain_text("您好", timeout=BOT_TIMEOUT)
        box = page.locator(".rw-new-message")
        box.fill("西城区国企房租能减免吗")
        box.press("Enter")
        expect(responses.filter(has_text=re.compile("西政办发")).first).to_be_visible(timeout=BOT_TIMEOUT)
        expect(page.locator(".rw-reply", has_text="联系方式").last).to_be_visible()
        expect(page.locator(".rw-reply", has_text="没帮助").last).to_be_visible()
        page.wait_for_timeout(500)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "webchat_feedback.png"))
        before = responses.count()
        page.locator(".rw-reply", has_text="没帮助").last.click()
        expect(responses.nth(before)).to_contain_text("反馈已记录", timeout=BOT_TIMEOUT)
        assert outside == [] and errors == []
    finally:
        context.close()

    # 2. hotline console: the operator marks the answer wrong, with a note and the right measure
    context, page, outside, errors = _page(browser, servers.rasa_url, viewport={"width": 1280, "height": 900})
    try:
        page.goto(servers.rasa_url + "/webhooks/console/")
        page.fill("#token", CONSOLE)
        page.click("#login-form button[type=submit]")
        page.fill("#question", "以训稳岗补贴找谁")
        page.press("#question", "Control+Enter")
        expect(page.locator("#answer")).to_contain_text("电话", timeout=BOT_TIMEOUT)
        page.fill("#mark-note", "来电者在密云")
        page.fill("#mark-measure", "my25-05")
        page.click("#mark-wrong")
        expect(page.locator("#mark-status")).to_contain_text("有误", timeout=BOT_TIMEOUT)
        assert errors == []
    finally:
        context.close()

    # 3. the report: 401 sign-in page, wrong token refused, right token → report with charts
    context, page, outside, errors = _page(browser, servers.rasa_url, viewport={"width": 1366, "height": 768},
                                           device_scale_factor=1)
    try:
        resp = page.goto(servers.rasa_url + "/webhooks/curator/")
        assert resp.status == 401
        page.fill("input[name=token]", CONSOLE)           # the console's token is not the report's
        page.click("button[type=submit]")
        expect(page.locator(".err")).to_contain_text("口令不正确")
        page.fill("input[name=token]", CURATOR)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("政策助手运营报告")
        for chart in ("#c-per-day", "#c-shares", "#c-measures", "#c-topics"):
            expect(page.locator(chart + " svg")).to_be_visible()
        unanswered = page.locator("#t-unanswered")
        expect(unanswered).to_contain_text("门店关了半年")
        expect(unanswered).not_to_contain_text("13812345678")
        negative = page.locator("#t-negative_feedback")
        expect(negative).to_contain_text("没帮助")
        expect(negative).to_contain_text("回答错误")
        expect(negative).to_contain_text("my25-05")
        expect(page.locator("body")).to_contain_text("访客-")
        # a fix from the page: attach the unanswered wording to the suggested or a typed measure
        row = unanswered.locator("tr", has_text="门店关了半年").first
        row.locator("input").fill("my25-01")
        row.locator("button[data-act=attach]").click()
        expect(row.locator(".msg")).to_contain_text("已挂到 my25-01", timeout=20_000)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / "curator_report.png"))
        page.screenshot(path=str(SCREENSHOTS / "curator_report_full.png"), full_page=True)
        # CSV export of a table, through the same session
        csv = page.request.get(servers.rasa_url + "/webhooks/curator/csv/unanswered.csv")
        assert csv.status == 200 and "问题,次数" in csv.text()
        assert outside == [], f"requests left the server: {outside}"
        assert errors == []
    finally:
        context.close()
