"""What a period's trends are built from, read from the store once: the kept papers of the
period and of the periods before it, their topics, analyses' TL;DRs, ratings and community
signals, the papers listed later (to count what builds on a paper), and the rated papers
that were not kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.models import Listing, Paper, ReportEntry, TopicDecision
from arxiv_monitor.report.assemble import entry_of
from arxiv_monitor.report.views import tldr
from arxiv_monitor.store import Store
from arxiv_monitor.trends.period import Period

COMPARE = {"week": 4, "month": 3, "range": 2}  # periods to compare with


@dataclass
class Kept:
    """A paper kept on a day, with the topic it is listed under."""

    day: str
    listing: Listing
    entry: ReportEntry | None = None  # for the period's own papers: its TL;DR and signals

    @property
    def paper(self) -> Paper:
        return self.listing.paper

    @property
    def best(self) -> TopicDecision:
        return self.listing.best  # type: ignore[return-value]  # kept: it has one

    @property
    def tldr(self) -> str:
        return tldr(self.entry) if self.entry else ""

    @property
    def weight(self) -> int:
        """The strongest community signal (0 without)."""
        return max((s.weight for s in self.entry.signals), default=0) if self.entry else 0


@dataclass
class PeriodData:
    period: Period
    history: list[Period]  # the periods before, nearest first
    days: list[str]
    items: int
    kept: list[Kept]  # the period's, each paper once (its first day)
    before: list[Kept]  # the comparison periods'
    counts: dict[str, list[int]] = field(default_factory=dict)  # topic -> per history period, nearest first
    per_day: dict[str, list[int]] = field(default_factory=dict)  # topic -> per calendar day of the period
    ratings: dict[str, dict[str, bool]] = field(default_factory=dict)  # paper -> topic -> good
    missed: list[tuple[str, Listing, str]] = field(default_factory=list)  # (day, listing, topic id) rated good, not kept
    later: list[tuple[str, Paper]] = field(default_factory=list)  # papers listed after the period began


def _once(rows: list[tuple[str, Listing]]) -> list[Kept]:
    seen: set[str] = set()
    out = []
    for day, item in rows:
        if item.paper.id not in seen and item.best is not None:
            seen.add(item.paper.id)
            out.append(Kept(day, item))
    return out


def gather(config: Config, store: Store, period: Period, compare: int | None = None) -> PeriodData:
    history = period.previous(COMPARE[period.kind] if compare is None else compare)
    first = (history[-1].start if history else period.start).isoformat()
    rows = store.days.between(first, period.end.isoformat())
    mine = [(d, i) for d, i in rows if period.contains(d)]
    kept = _once(mine)
    for k in kept:
        k.entry = entry_of(config, store, k.listing)
    data = PeriodData(period, history, sorted({d for d in store.days.all() if period.contains(d)}),
                      store.days.items_between(period.start.isoformat(), period.end.isoformat()), kept,
                      _once([(d, i) for d, i in rows if not period.contains(d)]))
    topics = [t.id for t in config.topic_list]
    for topic in topics:
        data.per_day[topic] = [0] * period.days
        data.counts[topic] = [0] * len(history)
    for day, item in rows:
        for d in item.kept_decisions:
            if d.topic not in data.per_day:
                data.per_day[d.topic], data.counts[d.topic] = [0] * period.days, [0] * len(history)
            if period.contains(day):
                data.per_day[d.topic][(dt.date.fromisoformat(day) - period.start).days] += 1
            for n, earlier in enumerate(history):
                if earlier.contains(day):
                    data.counts[d.topic][n] += 1
    for r in store.ratings.all():
        data.ratings.setdefault(r.paper_id, {})[r.topic] = r.good
    for paper_id, by_topic in data.ratings.items():
        for day, item in store.days.listings_of(paper_id):
            if period.contains(day) and not item.kept:
                good = [t for t, g in by_topic.items() if g]
                if good:
                    data.missed.append((day, item, good[0]))
                break
    data.later = store.days.papers_between(period.start.isoformat(), "9999-12-31")
    return data

