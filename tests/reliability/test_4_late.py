"""Corpus cases that need time to pass: WeChat requests replayed more than two minutes after the
original (sent when the suite started), and a run of console token guesses (last, as a rate limit
may lock this address out for a while)."""
import time

import pytest

from tests.reliability.bad_inputs import CASES
from tests.reliability.harness import new_id
from tests.reliability.runners import Context, judge_status, run_case, wechat_turns

LATE = [c for c in CASES if c.late]


@pytest.mark.bad_input
@pytest.mark.parametrize("case", LATE, ids=lambda c: c.id)
def test_late_case(live, controls, case):
    if case.spec.get("brute_force"):
        problems = run_case(Context(live, new_id("late"), controls.ids), case)
        assert not problems, "; ".join(problems)
        return
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
