"""The bad-input corpus (``bad_inputs.py``) over every channel of the running bot.

For every case: the answer is a polite reply or a clean 4xx as the case requires (never a 5xx,
never a technical apology for input that is merely odd), the Rasa server is alive afterwards,
the control users' conversations are unchanged, and the tracker store grew by less than 1 MB.
"""
import re

import pytest

from tests.reliability import report
from tests.reliability.bad_inputs import CASES
from tests.reliability.harness import new_id, reply_texts
from tests.reliability.runners import Context, run_case

CORPUS = [c for c in CASES if not c.late]
MAX_DB_GROWTH = 1_000_000


def last_error(log: str) -> str:
    lines = [line for line in log.splitlines() if re.search(r"Error|Exception|exit", line)]
    return " | ".join(lines[-3:])[-600:]


@pytest.mark.bad_input
@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_bad_input(live, controls, case):
    prefix = "o-bad" if case.channel.startswith("wechat") else f"bad-{case.channel}"
    ctx = Context(live, new_id(prefix), controls.ids)
    db_before, cpu_before = live.db_bytes(), live.rasa_cpu()
    logs_before = live.log_sizes()
    problems = run_case(ctx, case)
    tracebacks = live.tracebacks_since(logs_before)
    if tracebacks:
        report.TRACEBACKS[case.id] = tracebacks
    if live.rasa_alive():
        report.CPU_SECONDS[case.id] = live.rasa_cpu() - cpu_before
        growth = live.db_bytes() - db_before
        if growth > MAX_DB_GROWTH:
            problems.append(f"the tracker store grew by {growth / 1e6:.1f} MB")
        problems += controls.changed()
    else:
        problems.append(f"the Rasa server died: {last_error(live.log_tail(20000))}")
    assert not problems, f"{case.kind} over {case.channel}: " + "; ".join(problems)


def test_control_conversation_continues(live, controls):
    """After the whole corpus, the control user's conversation still has its context."""
    reply = reply_texts(live.say(controls.ids["rest"], "电话多少"))
    assert "于伟川" in reply and "66112569" in reply, reply
