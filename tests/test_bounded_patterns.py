"""Every input up to the size limit costs bounded time: no unbounded number pattern in the NLU data,
and the question text the actions read never holds an endless run of digits."""
from pathlib import Path

import pytest
import yaml

try:
    import re._parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse

from actions.text_tools import MAX_NUMBER_CHARS, clean_question

ROOT = Path(__file__).resolve().parent.parent
REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)}


def largest_repeat(parsed) -> int:
    """The largest upper bound of any repetition in a parsed pattern (MAXREPEAT when unbounded)."""
    worst = 0
    for op, arg in parsed:
        if op in REPEATS:
            low, high, sub = arg
            worst = max(worst, high, largest_repeat(sub))
        elif op in (sre_parse.SUBPATTERN,):
            worst = max(worst, largest_repeat(arg[-1]))
        elif op == sre_parse.BRANCH:
            worst = max([worst] + [largest_repeat(b) for b in arg[1]])
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            worst = max(worst, largest_repeat(arg[1]))
    return worst


def nlu_regexes():
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "regex" in item:
                for line in item["examples"].splitlines():
                    if line.strip().startswith("- "):
                        yield f"{path.name}:{item['regex']}", line.strip()[2:]


@pytest.mark.parametrize("name,pattern", list(nlu_regexes()))
def test_nlu_number_patterns_are_bounded(name, pattern):
    assert largest_repeat(sre_parse.parse(pattern)) <= 24, f"{name}: unbounded repetition in {pattern!r}"


def test_the_bound_check_catches_an_unbounded_pattern():
    assert largest_repeat(sre_parse.parse(r"\d+(\.\d+)?%")) > 24
    assert largest_repeat(sre_parse.parse(r"(?<!\d)\d{1,6}%")) == 6


@pytest.mark.parametrize("text", ["1" * 1000, "一" * 1000, "3.1" * 300, "1,0" * 300, "月租" + "5" * 900 + "万"])
def test_endless_numbers_are_cut_before_understanding(text):
    import re
    runs = re.findall(r"[\d零一二两三四五六七八九十百千万亿.,，]+", clean_question(text))
    assert runs and max(len(r) for r in runs) <= MAX_NUMBER_CHARS


def test_real_figures_are_kept():
    assert clean_question("月租5万，一共40个人，裁了3个，电话83926768") == "月租5万,一共40个人,裁了3个,电话83926768"
