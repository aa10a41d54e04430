"""What a paper source is: the contract every source plugin fulfils (arXiv is the first).

A source owns its id scheme (``name``: the ``arxiv`` of ``arxiv:2601.22586``) and its
links, lists an announcement day's papers (the newest one, or a past one for catch-up and
backfill), fetches papers by id, adds what its listing lacks (``enrich``), and says where
a paper's full text is (``fulltext_locations``: HTML, PDF or JATS XML, best first). All its
requests go through the run's polite client (one request at a time per host, backoff on
429/503, a dead host given up).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from arxiv_monitor.core.errors import FeedError
from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import FeedBatch, Listing, Paper

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.net import PoliteClient


class Source(ABC):
    """A preprint server arxiv-monitor reads. Subclass it, and register the class with the
    ``register_sources`` hook."""

    name: ClassVar[str]  # the scheme of its ids, and what ``sources`` names
    label: ClassVar[str]  # as readers name it: "arXiv", "bioRxiv"
    example_id: ClassVar[str]  # an id as users type it, for messages

    def __init__(self, client: PoliteClient, announce_types: list[str]):
        self.client = client
        self.announce_types = announce_types

    @classmethod
    @abstractmethod
    def from_config(cls, config: Config, client: PoliteClient) -> Source:
        """The source as the configuration sets it up, asking through ``client``."""

    # -- ids and links: class-level, they need no configuration ------------------------------
    @classmethod
    @abstractmethod
    def parse_id(cls, text: str) -> PaperId | None:
        """The id in what a user typed (without the ``name:`` prefix), or None."""

    @classmethod
    @abstractmethod
    def abs_url(cls, ref: PaperId) -> str:
        """The paper's page at the source."""

    @classmethod
    @abstractmethod
    def pdf_url(cls, ref: PaperId) -> str:
        """The paper's PDF at the source."""

    @classmethod
    def first_year(cls, ref: PaperId) -> int | None:
        """The year of the paper's first version, where its id says it (for citations)."""
        return None

    # -- listings ------------------------------------------------------------------------------
    @abstractmethod
    def latest(self) -> FeedBatch:
        """The newest announcement day's listings (empty on a day without announcements)."""

    @abstractmethod
    def day(self, day: dt.date) -> FeedBatch:
        """A past day's listings (catch-up, backfill); FeedError when it cannot be read."""

    def announcement_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The days from ``first`` to ``last`` on which the source announces papers."""
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]

    def read_files(self, paths: list[Path]) -> FeedBatch:
        """Listings from local files (``run --feed``), where the source has a file format."""
        raise FeedError(f"The {self.label} source reads no listing files; run without --feed.")

    @abstractmethod
    def fetch(self, ids: list[PaperId]) -> list[Paper]:
        """Papers by id (a topic's examples, a library's items, ``read``); what it cannot
        fetch is left out."""

    def enrich(self, papers: list[Paper]) -> None:
        """Fill in what the listing lacks, for the kept papers (in place)."""

    @abstractmethod
    def fulltext_locations(self, paper: Paper) -> list[tuple[str, str]]:
        """Where the paper's full text is, best first: ``(kind, url)`` with kind ``html``
        (LaTeXML), ``jats`` (JATS XML) or ``pdf``."""


def merge_batches(batches: Iterable[FeedBatch], types: list[str]) -> FeedBatch:
    """Merge listings (feeds of one source, or several sources' days), keep the announce
    ``types``, and list each paper once: a paper listed again adds its categories."""
    merged = FeedBatch(day=None, listings=[])
    seen: dict[str, Listing] = {}
    for batch in batches:
        merged.day = merged.day or batch.day
        merged.items_read += batch.items_read
        merged.malformed += batch.malformed
        for item in batch.listings:
            if item.announce_type not in types:
                continue
            old = seen.get(item.paper.id)
            if old is None:
                seen[item.paper.id] = item
                merged.listings.append(item)
            else:
                old.paper.categories += [c for c in item.paper.categories if c not in old.paper.categories]
    return merged


def empty_day_message(batch: FeedBatch, types: list[str], sources: list[str]) -> str:
    """Why a day has nothing to report: no announcements, or none of the announce ``types``."""
    when = f" for {batch.day.isoformat()} ({batch.day:%A})" if batch.day else ""
    names = " and ".join(sources)
    if batch.items_read:
        return (f"The {names} listing{when} has {batch.items_read} items but none of the announce types "
                f"{types}; no report written.")
    weekend = " arXiv announces nothing on weekends and holidays." if "arXiv" in sources else ""
    return f"The {names} listing{when} has no items:{weekend} No report written."


class Sources:
    """The sources a run follows, asked together (each through the run's polite client)."""

    def __init__(self, items: list[Source]):
        self.items = items
        self.by_name = {s.name: s for s in items}

    @property
    def labels(self) -> list[str]:
        return [s.label for s in self.items]

    def latest(self) -> FeedBatch:
        """The first source's newest day, with the other sources' listings of that same day
        (so one report never mixes two days); their own newest day when the first has none."""
        first = self.items[0].latest()
        batches = [first]
        for source in self.items[1:]:
            if first.day is None:
                batches.append(source.latest())
            elif first.day in source.announcement_days(first.day, first.day):
                batches.append(source.day(first.day))
        merged = merge_batches(batches, self._types())
        merged.day = first.day or merged.day
        return merged

    def day(self, day: dt.date) -> FeedBatch:
        """Every source's listings of a past day that it announced on."""
        batches = [s.day(day) for s in self.items if day in s.announcement_days(day, day)]
        merged = merge_batches(batches, self._types())
        merged.day = day
        return merged

    def announcement_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The days on which any of the sources announces papers."""
        return sorted({d for s in self.items for d in s.announcement_days(first, last)})

    def read_files(self, paths: list[Path]) -> FeedBatch:
        """``run --feed FILE``: the first source that reads listing files (arXiv's feeds)."""
        return self.items[0].read_files(paths)

    def of(self, paper: Paper) -> Source | None:
        """The source a paper came from, when the run follows it."""
        return self.by_name.get(paper.source)

    def fetch(self, ids: list[PaperId]) -> list[Paper]:
        """Papers by id from their sources (ids of a source the run does not follow are skipped)."""
        found: list[Paper] = []
        for name, source in self.by_name.items():
            wanted = [i for i in ids if i.source == name]
            if wanted:
                found += source.fetch(wanted)
        return found

    def enrich(self, papers: list[Paper]) -> None:
        for name, source in self.by_name.items():
            mine = [p for p in papers if p.source == name]
            if mine:
                source.enrich(mine)

    def _types(self) -> list[str]:
        return sorted({t for s in self.items for t in s.announce_types})


def missed_days(sources: Sources, known: list[str], pending: list[str], day: dt.date, limit: int) -> list[dt.date]:
    """Days before ``day`` (at most ``limit`` days back) on which a source announced papers,
    since the latest stored day, and the days whose catch-up failed before. A first run (no
    earlier day stored) has missed nothing."""
    earlier = sorted(d for d in known if d < day.isoformat())
    if limit == 0:
        return []
    oldest = day - dt.timedelta(days=limit)
    retry = {dt.date.fromisoformat(d) for d in pending if oldest.isoformat() <= d < day.isoformat()}
    if not earlier:
        return sorted(retry)
    first = max(dt.date.fromisoformat(earlier[-1]) + dt.timedelta(days=1), oldest)
    missed = {d for d in sources.announcement_days(first, day - dt.timedelta(days=1)) if d.isoformat() not in known}
    return sorted(missed | retry)
