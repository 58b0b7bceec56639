"""Browser tests: the web chat widget and the hotline console in Debian's headless Chromium.

Both servers (Rasa + actions) run on free local ports with the web page and console channels added
to the credentials. Screenshots go to results/screenshots/. Chromium is Debian's (/usr/bin/chromium,
installed by scripts/test.sh); Playwright's own browser download is never used. Without Chromium the
tests are skipped locally and fail in CI.
"""
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.servers import ROOT, running_servers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-quic", "--no-first-run", "--disable-sync"]
SCREENSHOTS = ROOT / "results" / "screenshots"
BUNDLE = ROOT / "web" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
TOKEN = "test-token"
BOT_TIMEOUT = 60_000  # ms: the first answers of a fresh server can be slow on a 2-core machine


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(message + " — required in CI")
        pytest.skip(message)
    if not BUNDLE.is_file():
        pytest.fail(f"rasa-webchat is not installed ({BUNDLE} missing): run `npm ci` in web/")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def servers(browser, tmp_path_factory):
    with running_servers(tmp_path_factory.mktemp("browser"), env={"CONSOLE_TOKEN": TOKEN}) as s:
        yield s


def _page(browser, url_base, **context_args):
    context = browser.new_context(locale="zh-CN", **context_args)
    page = context.new_page()
    local = urlparse(url_base).netloc
    outside = []
    errors = []
    # CSP blocks the widget's Google Fonts @import before any request is sent: nothing may load from outside.
    page.on("requestfinished", lambda r: urlparse(r.url).netloc not in (local, "") and outside.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, outside, errors


def test_web_chat_widget(browser, servers):
    from playwright.sync_api import expect

    context, page, outside, errors = _page(browser, servers.rasa_url, viewport={"width": 390, "height": 844},
                                           device_scale_factor=1, is_mobile=True, has_touch=True)
    try:
        page.goto(servers.rasa_url + "/webhooks/web/")
        expect(page).to_have_title("中小微企业政策助手")
        responses = page.locator(".rw-response")
        # the greeting (initPayload /greet) arrives through socket.io with session persistence
        expect(responses.first).to_contain_text("您好", timeout=BOT_TIMEOUT)

        box = page.locator(".rw-new-message")
        box.fill("西城区国企房租能减免吗")
        box.press("Enter")
        expect(page.locator(".rw-client").last).to_contain_text("西城区国企房租能减免吗")
        answer = responses.filter(has_text=re.compile("66112569|西政办发"))
        expect(answer.first).to_be_visible(timeout=BOT_TIMEOUT)

        before = responses.count()
        page.locator(".rw-reply", has_text="联系方式").last.click()
        # the contact of what was asked about (the state-owned premises), not every unit of the measure
        expect(responses.nth(before)).to_contain_text("66112569", timeout=BOT_TIMEOUT)
        expect(responses.nth(before)).not_to_contain_text("58562997")

        # Replies are shown as they arrive: the widget's typing delay (up to 3 s) is switched off.
        before = responses.count()
        box.fill("西城停征特种设备检验费找谁")
        box.press("Enter")
        expect(responses.nth(before)).to_contain_text("83976786", timeout=2500)
        page.wait_for_timeout(800)  # let the widget finish scrolling before the screenshot

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "webchat.png"))
        assert outside == [], f"requests left the server: {outside}"
        assert errors == []
    finally:
        context.close()


def test_hotline_console(browser, servers):
    from playwright.sync_api import expect

    context, page, outside, errors = _page(browser, servers.rasa_url, viewport={"width": 1280, "height": 900},
                                           device_scale_factor=1)
    try:
        page.goto(servers.rasa_url + "/webhooks/console/")
        expect(page.locator("#login")).to_be_visible()

        page.fill("#token", "wrong-token")
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-error")).to_contain_text("口令不正确")

        page.fill("#token", TOKEN)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#question")).to_be_visible()

        page.fill("#question", "密云区以训稳岗补贴每人补多少")
        page.press("#question", "Control+Enter")
        card = page.locator("article.card[data-measure-id='my25-13']")
        expect(card).to_be_visible(timeout=BOT_TIMEOUT)
        expect(card).to_contain_text("密政发〔2020〕25号")
        expect(card.locator("a.phone", has_text="89038088").first).to_be_visible()
        expect(page.locator("#answer .bot-message").first).to_be_visible()

        card.locator("button[data-action=calc]").click()
        card.locator("input[name=training_hours]").fill("40")
        card.locator("input[name=employees_trained]").fill("10")
        card.locator("form[data-tool=calc] button[type=submit]").click()
        expect(card.locator(".result-text")).to_contain_text("10,000元", timeout=15_000)

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console.png"))
        assert outside == [], f"requests left the server: {outside}"
        assert errors == []
    finally:
        context.close()


XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>[a](javascript:window.__xss=3)'


def test_markup_typed_by_a_user_never_runs_in_the_widget_or_the_console(browser, servers):
    from playwright.sync_api import expect

    context, page, outside, errors = _page(browser, servers.rasa_url, viewport={"width": 1280, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(servers.rasa_url + "/webhooks/web/")
        responses = page.locator(".rw-response")
        expect(responses.first).to_contain_text("您好", timeout=BOT_TIMEOUT)
        before = responses.count()
        box = page.locator(".rw-new-message")
        box.fill(XSS + " 西城房租")
        box.press("Enter")
        expect(responses.nth(before)).to_be_visible(timeout=BOT_TIMEOUT)
        page.locator(".rw-client").last.click()          # a click would follow a javascript: link
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None

        page.goto(servers.rasa_url + "/webhooks/console/")
        page.fill("#token", TOKEN)
        page.click("#login-form button[type=submit]")
        page.fill("#question", XSS + " 密云贷款贴息")
        page.press("#question", "Control+Enter")
        expect(page.locator("#answer .bot-message").first).to_be_visible(timeout=BOT_TIMEOUT)
        assert page.evaluate("window.__xss") is None
        assert dialogs == [] and outside == [] and errors == []
    finally:
        context.close()
