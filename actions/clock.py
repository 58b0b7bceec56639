"""Today's date for time statuses: the system clock, or POLICY_TODAY (YYYY-MM-DD) in tests and evaluations."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    override = os.environ.get("POLICY_TODAY", "").strip()
    if override:
        try:
            return dt.date.fromisoformat(override)
        except ValueError:
            pass
    return dt.date.today()
