"""The blind set stays blind (none of its questions is training data) and its judge judges replies."""
import re
from pathlib import Path

import yaml

from tests.benchmarks.blind_eval import load_cases
from tests.benchmarks.blind_judge import judge_turn, phones_in

ROOT = Path(__file__).resolve().parent.parent


def squash(text):
    return re.sub(r"[\W_]+", "", text or "").lower()


def training_examples():
    out = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", r"\1\2", line.lstrip("- "))
                if squash(line):
                    out.add(squash(line))
    return out


def test_no_blind_question_is_in_the_training_data():
    examples = training_examples()
    assert len(examples) > 500
    questions = {squash(t["user"]) for c in load_cases() for t in c["turns"] if len(squash(t["user"])) >= 6}
    assert len(questions) > 300
    assert not questions & examples


def test_every_case_lists_the_contacts_it_allows():
    for case in load_cases():
        for turn in case["turns"]:
            assert "contacts_allowed" in turn, case["id"]


def test_the_judge_counts_a_phone_of_another_measure_and_ignores_digits_in_emails_and_money():
    expect = {"all": ["83976786"], "contacts_allowed": ["83976786"]}
    assert judge_turn(expect, "特种设备检验费请联系孟辉，电话83976786。").passed
    wrong = judge_turn(expect, "请联系孟辉83976786，或徐盛红66217223。")
    assert not wrong.passed and wrong.wrong_contacts == ["66217223"]
    assert phones_in("邮箱 393177500@qq.com，合计12,000,000元，电话66201155-26042") == ["66201155-26042"]


def test_the_judge_reads_verdicts_amounts_and_expiry_from_the_reply():
    expect = {"verdict": "no", "amounts_yuan": [25000], "expired": True, "contacts_allowed": []}
    assert judge_turn(expect, "按原文条件，您不符合：裁员比例超过5.5%。可减免2.5万元。该措施已结束。").passed
    assert not judge_turn(expect, "按您说的情况，符合原文列明的条件。可减免25,000元。该措施已结束。").passed
    assert not judge_turn(expect, "按原文条件，您不符合。可减免25,000元。").passed
