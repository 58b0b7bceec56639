"""Rasa killed with SIGKILL during traffic and restarted: the conversation state is kept and
nothing the bot acknowledged is lost (issue 8)."""
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.reliability.harness import new_id, polite_problem, reply_texts

XC_RENT = "西城国企的房子房租能免吗"
XC_PHONE = "66112569"


@pytest.mark.fault
def test_rasa_killed_with_sigkill_and_restarted(live):
    """SIGKILL during traffic: every turn the bot answered is still stored after the restart, and
    the conversations continue with their context."""
    keeper = new_id("fault-kill")
    assert XC_PHONE in reply_texts(live.say(keeper, XC_RENT))
    stop = threading.Event()
    acknowledged = []
    lock = threading.Lock()

    def talk(i: int) -> None:
        sender = new_id(f"fault-kill{i}")
        for n in range(50):
            if stop.is_set():
                return
            message = f"第{n + 1}问：密云区贷款贴息怎么申请"
            try:
                r = live.post_rest({"sender": sender, "message": message}, timeout=30)
            except requests.RequestException:
                return
            if r.status_code == 200 and not polite_problem(r.json()):
                with lock:
                    acknowledged.append((sender, message))

    with ThreadPoolExecutor(max_workers=6) as pool:
        for i in range(6):
            pool.submit(talk, i)
        time.sleep(2.0)
        live.kill_rasa(signal.SIGKILL)
        stop.set()
    assert acknowledged, "no turn was answered before the kill"
    live.start_rasa()
    missing = [(s, m) for s, m in acknowledged if m not in live.user_texts(s)]
    assert not missing, f"{len(missing)} of {len(acknowledged)} answered turns lost by SIGKILL: {missing[:3]}"
    reply = reply_texts(live.say(keeper, "电话多少"))
    assert "于伟川" in reply and XC_PHONE in reply, f"state lost by SIGKILL: {reply[:300]!r}"
