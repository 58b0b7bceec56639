"""Time status of each measure against the clock (POLICY_TODAY overrides it)."""
import datetime as dt

from actions.clock import today
from actions.time_status import status_of

NOW = dt.date(2026, 11, 25)


def test_relief_months_deadlines_and_validity_dates_end_the_measures(kb):
    assert status_of(kb.get("xc1-13"), NOW).sentence == "该措施针对2020年2月，通知有效期至2020年12月31日，已结束"
    assert status_of(kb.get("xc6-01"), NOW).sentence == "该措施针对2020年3月、4月，已结束"
    assert status_of(kb.get("my25-13"), NOW).sentence == "申请已于2020年8月31日截止，该措施已结束"
    assert status_of(kb.get("xc1-14"), NOW).sentence == "该通知有效期至2020年12月31日，已结束"
    assert all(status_of(m, NOW).ended is not False for m in kb)


def test_a_measure_without_any_printed_date_is_never_presented_as_open(kb):
    status = status_of(kb.get("xc6-14"), NOW)
    assert status.ended is None and "原文未写明截止日期" in status.sentence and "不再执行" in status.sentence


def test_in_2020_the_same_measures_were_open(kb):
    status = status_of(kb.get("xc1-13"), dt.date(2020, 2, 20))
    assert status.open and "已结束" not in status.sentence


def test_the_clock_can_be_set_for_tests(monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2020-03-01")
    assert today() == dt.date(2020, 3, 1)
    monkeypatch.setenv("POLICY_TODAY", "not a date")
    assert today() == dt.date.today()
