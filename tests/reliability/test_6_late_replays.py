"""Corpus cases that need time to pass: WeChat requests replayed more than two minutes after the
original (sent when the suite started). They run after the fault tests that keep the Rasa server
up (the wait is mostly over by then) and before the one that kills it."""
import time

import pytest

from tests.reliability.bad_inputs import CASES
from tests.reliability.runners import judge_status, wechat_turns

LATE = [c for c in CASES if c.late and c.spec.get("replay_after")]


@pytest.mark.bad_input
@pytest.mark.parametrize("case", LATE, ids=lambda c: c.id)
def test_late_case(live, controls, case):
    original = live.late[case.id]
    assert original["status"] == 200, f"the original message was refused: HTTP {original['status']}"
    wait = original["sent_at"] + case.spec["replay_after"] - time.time()
    if wait > 0:
        time.sleep(wait)
    before = wechat_turns(live, original["openid"])
    resp = original["request"].send()
    problems = judge_status(case, resp.status_code, resp.text)
    time.sleep(1.5)
    after = wechat_turns(live, original["openid"])
    if after != 1:
        restarted = " (the Rasa server was restarted since the original)" if live.rasa_starts > 1 else ""
        problems.append(f"a replay {case.spec['replay_after']} s later ran another turn: {before} user turn(s) "
                        f"before, {after} after{restarted}")
    assert live.rasa_alive(), "the Rasa server died"
    assert not problems, "; ".join(problems)
