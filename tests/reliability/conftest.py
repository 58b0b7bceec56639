"""The reliability suite of issue 8: one instance of the bot (both servers, every channel) for the
whole folder, control users whose conversations no other case may touch, and the counts printed
at the end of the run."""
from __future__ import annotations

import time
from typing import Dict, List, Tuple

import pytest
import requests

from tests.reliability import report, wechat_sim
from tests.reliability.bad_inputs import CASES
from tests.reliability.harness import CONSOLE_TOKEN, Bot, new_id, reply_texts

MAX_RASA_RESTARTS = 6  # a case that kills the server costs a restart; bounded so the suite stays bounded
SUITE_STARTED = [0.0]


def pytest_configure(config):
    config.addinivalue_line("markers", "bad_input: a case of the bad-input corpus (counted in the summary)")
    config.addinivalue_line("markers", "fault: an injected fault (counted in the summary)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" or (rep.when == "setup" and not rep.passed):
        if item.get_closest_marker("fault"):
            report.FAULTS[item.name] = rep.passed
        if item.get_closest_marker("bad_input") and hasattr(item, "callspec"):
            case = item.callspec.params.get("case")
            if case is not None:
                report.BAD_INPUTS[case.id] = rep.passed


def pytest_terminal_summary(terminalreporter):
    if not (report.BAD_INPUTS or report.FAULTS or report.TURNS):
        return
    tr = terminalreporter
    tr.section("reliability suite (issue 8)")
    if report.BAD_INPUTS:
        passed = sum(report.BAD_INPUTS.values())
        tr.write_line(f"bad inputs {passed} passed / {len(report.BAD_INPUTS)}")
    if report.FAULTS:
        tr.write_line(f"faults survived {sum(report.FAULTS.values())} / {len(report.FAULTS)}")
    if report.TURNS:
        sent = sum(t["sent"] for t in report.TURNS.values())
        lost = sum(t["lost"] for t in report.TURNS.values())
        tr.write_line(f"turns lost {lost} of {sent}")
        for name, t in report.TURNS.items():
            tr.write_line(f"  {name}: {t['lost']} lost, {t.get('duplicated', 0)} duplicated, "
                          f"{t.get('apologies', 0)} technical apologies, of {t['sent']}")
    if report.CPU_SECONDS:
        worst = sorted(report.CPU_SECONDS.items(), key=lambda kv: -kv[1])[:3]
        tr.write_line("most CPU per case (Rasa process): "
                      + ", ".join(f"{k} {v:.2f} s" for k, v in worst))
    if report.TRACEBACKS:
        tr.write_line(f"server tracebacks logged during {len(report.TRACEBACKS)} bad-input cases (answers judged "
                      f"above): " + ", ".join(sorted(report.TRACEBACKS)))
    for note in report.NOTES:
        tr.write_line(note)
    failed = sorted(k for k, v in report.BAD_INPUTS.items() if not v)
    if failed:
        tr.write_line("failed bad inputs: " + ", ".join(failed))
    if SUITE_STARTED[0]:
        tr.write_line(f"reliability suite time: {time.time() - SUITE_STARTED[0]:.0f} s")


class Controls:
    """Users in conversation before the corpus runs; no case may change their conversations."""

    def __init__(self, bot: Bot):
        self.bot = bot
        self.ids = {"rest": new_id("control-rest"), "wechat": new_id("o-control-wechat")}
        self.snapshot: Dict[str, Tuple[int, int]] = {}

    def start(self) -> None:
        first = reply_texts(self.bot.say(self.ids["rest"], "西城国企的房子房租能免吗"))
        assert "66112569" in first, first
        req = wechat_sim.prepare(self.bot.rasa_url, wechat_sim.text_xml("密云区房租减免", self.ids["wechat"]),
                                 aes=False, openid=self.ids["wechat"])
        resp = req.send()
        assert resp.status_code == 200, resp.text
        # The console loads the knowledge base into the Rasa process at its first question: done
        # here, so that the CPU measured per case is the case's own.
        requests.post(f"{self.bot.rasa_url}/webhooks/console/api/ask", json={"question": "西城区房租减免"},
                      headers={"Authorization": f"Bearer {CONSOLE_TOKEN}"}, timeout=60)
        for name, fragment in self.ids.items():
            ids = self.bot.sender_ids(fragment)
            assert len(ids) == 1, (name, ids)
            self.snapshot[ids[0]] = self._state(ids[0])

    def _state(self, sender_id: str) -> Tuple[int, int]:
        events = self.bot.events(sender_id)
        return len(events), (events[-1][0] if events else 0)

    def changed(self) -> List[str]:
        problems = []
        for sender_id, state in self.snapshot.items():
            now = self._state(sender_id)
            if now != state:
                problems.append(f"control user {sender_id!r} changed: {state[0]} events before, {now[0]} after")
        return problems


@pytest.fixture(scope="package")
def bot(tmp_path_factory):
    SUITE_STARTED[0] = time.time()
    b = Bot(tmp_path_factory.mktemp("reliability"))
    try:
        b.start()
        # Requests replayed at the end of the session (more than two minutes later).
        b.late = {}
        for case in CASES:
            if case.late and case.spec.get("replay_after"):
                aes = case.channel == "wechat_aes"
                openid = new_id("o-late")
                req = wechat_sim.prepare(b.rasa_url, wechat_sim.text_xml(case.spec["content"], openid), aes=aes,
                                         openid=openid)
                resp = req.send()
                b.late[case.id] = {"request": req, "sent_at": time.time(), "openid": openid,
                                   "status": resp.status_code}
        yield b
    finally:
        b.stop()


def ensure_up(bot: Bot) -> Bot:
    """The bot, restarted first if an earlier test killed it (a bounded number of times)."""
    if bot.actions is None or bot.actions.poll() is not None:
        bot.start_actions()
    if not bot.rasa_alive():
        if bot.rasa_starts > MAX_RASA_RESTARTS:
            pytest.fail(f"the Rasa server is down and was already restarted {bot.rasa_starts - 1} times")
        bot.kill_rasa()
        bot.start_rasa()
        report.NOTES.append(f"Rasa restarted after it died (start #{bot.rasa_starts})")
    return bot


@pytest.fixture(scope="package")
def controls(bot):
    c = Controls(ensure_up(bot))
    c.start()
    return c


@pytest.fixture
def live(bot):
    return ensure_up(bot)
