"""Last corpus case: a run of wrong console tokens must be rate limited (issue 8, defect 9).
Last because the limit may lock this address out of the console for minutes."""
import pytest

from tests.reliability.bad_inputs import CASES
from tests.reliability.harness import new_id
from tests.reliability.runners import Context, run_case

GUESSES = [c for c in CASES if c.late and c.spec.get("brute_force")]


@pytest.mark.bad_input
@pytest.mark.parametrize("case", GUESSES, ids=lambda c: c.id)
def test_console_token_guesses(live, controls, case):
    problems = run_case(Context(live, new_id("late"), controls.ids), case)
    assert live.rasa_alive(), "the Rasa server died"
    assert not problems, "; ".join(problems)
