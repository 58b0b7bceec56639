"""Whether a measure's period is over, in plain words, from the dates its notice prints.

The end of a measure is the most specific date the KB records for it: an application deadline,
else the last month its relief covers, else the notice's validity date. A measure whose notice
prints no date at all is a 2020 epidemic measure without a stated end: we say so and refer the
user to the responsible unit instead of presenting it as open.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import List, Optional

from actions.knowledge_base import Measure


@dataclass(frozen=True)
class TimeStatus:
    ended: Optional[bool]  # None: the notice prints no end date
    end: Optional[dt.date]
    sentence: str  # one plain sentence for the user

    @property
    def open(self) -> bool:
        return self.ended is False


def _date(value: str) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _month_end(month: str) -> dt.date:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _months_phrase(months: List[str]) -> str:
    """['2020-03', '2020-04'] → '2020年3月、4月'."""
    months = sorted(set(months))
    year = months[0][:4]
    if all(m[:4] == year for m in months):
        return f"{year}年" + "、".join(f"{int(m[5:7])}月" for m in months)
    return "、".join(f"{m[:4]}年{int(m[5:7])}月" for m in months)


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def relief_months(m: Measure) -> List[str]:
    """Months the measure's own relief (not a landlord's subsidy) covers."""
    months: List[str] = []
    for b in m.benefits:
        if b.get("months") and b["kind"] != "landlord_subsidy":
            months += b["months"]
    return months or [mo for b in m.benefits for mo in b.get("months") or []]


def relief_month_numbers(m: Measure) -> set:
    """{3, 4} for a measure whose relief covers March and April."""
    return {int(x[5:7]) for x in relief_months(m)}


def status_of(m: Measure, today: dt.date) -> TimeStatus:
    deadline = _date((m.application or {}).get("deadline") or "")
    months = relief_months(m)
    valid_until = _date(m.document.valid_until or "")
    if deadline:
        ended = today > deadline
        sentence = f"申请已于{_cn_date(deadline)}截止，该措施已结束" if ended else f"申请截止日期为{_cn_date(deadline)}"
        return TimeStatus(ended, deadline, sentence)
    if months:
        end = _month_end(max(months))
        if valid_until and valid_until > end:
            end_note = f"，通知有效期至{_cn_date(valid_until)}"
        else:
            end_note = ""
        ended = today > max(end, valid_until or end)
        sentence = (
            f"该措施针对{_months_phrase(months)}{end_note}，已结束"
            if ended
            else f"该措施针对{_months_phrase(months)}{end_note}"
        )
        return TimeStatus(ended, end, sentence)
    if valid_until:
        ended = today > valid_until
        sentence = (
            f"该通知有效期至{_cn_date(valid_until)}，已结束" if ended else f"该通知有效期至{_cn_date(valid_until)}"
        )
        return TimeStatus(ended, valid_until, sentence)
    issued = _date(m.document.issued)
    year = issued.year if issued else ""
    return TimeStatus(
        None,
        None,
        f"原文未写明截止日期；这是{year}年疫情期间的阶段性措施，现在很可能已不再执行，办理前请先向责任单位确认",
    )


def document_status(measures: List[Measure], today: dt.date) -> str:
    """Whether a notice is still in force: its validity date, else what its measures' dates say."""
    doc = measures[0].document
    valid_until = _date(doc.valid_until or "")
    if valid_until:
        return f"有效期至{_cn_date(valid_until)}" + ("，已结束" if today > valid_until else "")
    ended = [st for st in (status_of(m, today) for m in measures) if st.ended]
    status = "原文未写明整体有效期"
    if ended:
        status += f"；其中写明期限的措施均已于{max(st.end for st in ended).year}年结束"
    return status + "；其余为疫情期间的阶段性措施，现在很可能已不再执行，办理前请先向责任单位确认"


def cn_date(value: str) -> str:
    """'2020-02-17' → '2020年2月17日' (the text unchanged when it is not a date)."""
    d = _date(value)
    return _cn_date(d) if d else value
