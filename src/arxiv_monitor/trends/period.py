"""Periods: an ISO week, a calendar month, or a range of days; each with its ledger key, its
label, and the periods before it (to compare against)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.i18n import lang_of

KINDS = ("week", "month", "range")


@dataclass(frozen=True)
class Period:
    kind: str  # "week", "month" or "range"
    start: dt.date
    end: dt.date  # inclusive

    # -- making one ----------------------------------------------------------------------------
    @classmethod
    def week_of(cls, day: dt.date) -> Period:
        """The ISO week (Monday to Sunday) that holds ``day``."""
        start = day - dt.timedelta(days=day.weekday())
        return cls("week", start, start + dt.timedelta(days=6))

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return cls("month", start, following - dt.timedelta(days=1))

    @classmethod
    def last_complete(cls, kind: str, today: dt.date) -> Period:
        """The newest week or month that has ended by ``today``."""
        if kind == "week":
            return cls.week_of(today - dt.timedelta(days=today.weekday() + 1))
        return cls.month_of(today.replace(day=1) - dt.timedelta(days=1))

    @classmethod
    def parse(cls, key: str) -> Period:
        """A period from its key: ``2026-W05``, ``2026-02`` or ``2026-02-01..2026-02-14``."""
        text = key.strip()
        try:
            if ".." in text:
                first, last = text.split("..")
                return cls.between(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
            if re.fullmatch(r"\d{4}-W\d{1,2}", text, re.IGNORECASE):
                year, week = text.upper().split("-W")
                return cls.week_of(dt.date.fromisocalendar(int(year), int(week), 1))
            if re.fullmatch(r"\d{4}-\d{1,2}", text):
                year, month = text.split("-")
                return cls.month_of(dt.date(int(year), int(month), 1))
        except ValueError:
            pass
        raise MonitorError(f"{key!r} is not a period: write 2026-W05 (a week), 2026-02 (a month) or "
                           "2026-02-01..2026-02-14 (a range)")

    @classmethod
    def chosen(cls, when: str | None, kind: str, first: dt.date | None, last: dt.date | None,
               today: dt.date) -> Period:
        """The period the command line names: a range (``--from``/``--to``), a period's key
        (``2026-W05``, ``2026-02``), the ``kind`` of period holding a day, or the last
        complete one."""
        if first is not None:
            return cls.between(first, last or today)
        if when and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", when.strip()):
            return cls.parse(when)
        if not when:
            return cls.last_complete(kind, today)
        try:
            day = dt.date.fromisoformat(when.strip())
        except ValueError:
            raise MonitorError(f"{when!r} is not a date (YYYY-MM-DD)") from None
        return cls.week_of(day) if kind == "week" else cls.month_of(day)

    @classmethod
    def between(cls, first: dt.date, last: dt.date) -> Period:
        if last < first:
            raise MonitorError(f"The range ends ({last}) before it starts ({first})")
        if (last - first).days > 366:
            raise MonitorError("A range of trends covers at most a year")
        return cls("range", first, last)

    # -- what it is ----------------------------------------------------------------------------
    @property
    def key(self) -> str:
        """``2026-W05``, ``2026-02`` or ``2026-02-01..2026-02-14``: file names, URLs, the store."""
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def ledger_key(self) -> str:
        """The delivery ledger's key (never a day's: a day is ``YYYY-MM-DD``)."""
        return f"{self.kind}:{self.key}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date | str) -> bool:
        d = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return self.start <= d <= self.end

    def label(self, lang: str = "zh") -> str:
        """2026 年第 5 周（1 月 26 日至 2 月 1 日）, or Week 5 of 2026 (26 Jan – 1 Feb)."""
        zh = lang_of(lang) == 0
        span = (f"{self.start.month} 月 {self.start.day} 日至 {self.end.month} 月 {self.end.day} 日" if zh
                else f"{self.start.day} {self.start:%b} – {self.end.day} {self.end:%b}")
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year} 年第 {week} 周（{span}）" if zh else f"Week {week} of {year} ({span})"
        if self.kind == "month":
            return f"{self.start.year} 年 {self.start.month} 月" if zh else f"{self.start:%B %Y}"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}" if zh else \
            f"{self.start.isoformat()} to {self.end.isoformat()}"

    def short(self, lang: str = "zh") -> str:
        """For chart axes: W05, 2026-02, or the range's first day."""
        if self.kind == "week":
            return f"W{self.start.isocalendar()[1]:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start:%m-%d}"

    def previous(self, n: int = 1) -> list[Period]:
        """The ``n`` periods before this one, nearest first (a range: ranges of its length)."""
        out, current = [], self
        for _ in range(n):
            if current.kind == "week":
                current = Period.week_of(current.start - dt.timedelta(days=7))
            elif current.kind == "month":
                current = Period.month_of(current.start - dt.timedelta(days=1))
            else:
                current = Period("range", current.start - dt.timedelta(days=self.days),
                                 current.start - dt.timedelta(days=1))
            out.append(current)
        return out

    def neighbours(self) -> tuple[Period, Period]:
        """The period before and the one after (for navigation)."""
        before = self.previous(1)[0]
        if self.kind == "week":
            after = Period.week_of(self.end + dt.timedelta(days=1))
        elif self.kind == "month":
            after = Period.month_of(self.end + dt.timedelta(days=1))
        else:
            after = Period("range", self.end + dt.timedelta(days=1), self.end + dt.timedelta(days=self.days))
        return before, after
