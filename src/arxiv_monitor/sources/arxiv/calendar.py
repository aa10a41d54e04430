"""arXiv's calendar: announcements Monday to Friday, on US Eastern time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from arxiv_monitor.core.settings import ARXIV_TIMEZONE

EASTERN = ZoneInfo(ARXIV_TIMEZONE)
CUTOFF = dt.time(14, 0)  # submissions until 14:00 Eastern are announced the next weekday


def previous_weekday(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def announcement_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The weekdays (Monday to Friday) from ``first`` to ``last`` inclusive."""
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days
