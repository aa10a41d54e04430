"""``arxiv-monitor tune TOPIC`` and the reading room's "help me tune" view.

The papers of the last days whose rating would teach a topic most (``feedback.ask``:
closest to the cut-off, each unlike the others), and what the ratings so far have done:
how many of those days' papers they moved across the cut-off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import Paper
from arxiv_monitor.relevance import decide as relevance
from arxiv_monitor.relevance.feedback import Question, ask, prepared
from arxiv_monitor.store import Store

DAYS = 30  # the days whose papers are asked about and counted
LOOK = 3000  # of those days' papers, the closest to the topic are looked at (a month of a busy feed's share)


@dataclass
class Tuning:
    """One round of the tune view for a topic."""

    topic: str
    label: str
    questions: list[Question]
    good: int  # the topic's ratings so far
    bad: int
    moved: int  # papers of the last days the ratings moved across the cut-off
    moved_in: int  # of them, now kept
    looked_at: int  # papers of the last days looked at (the LOOK closest to the topic)
    days: int
    first: str | None = None  # the first and last day looked at
    last: str | None = None
    notes: list[str] = field(default_factory=list)

    def effect(self) -> str:
        """What the topic's ratings have done to the papers of the last days, in a sentence."""
        if not self.good + self.bad:
            return f"{self.topic} has no ratings yet: each one moves its decisions from the first."
        span = f"{self.first} to {self.last}" if self.first else f"the last {self.days} days"
        return (f"Your {self.good} good and {self.bad} bad ratings of {self.topic} moved {self.moved} of "
                f"{self.looked_at} papers of {span} across the cut-off ({self.moved_in} now kept, "
                f"{self.moved - self.moved_in} now dropped).")


def recent_papers(store: Store, topic_id: str, days: int = DAYS) -> tuple[list[Paper], str | None, str | None]:
    """The papers listed in the ``days`` days up to the newest stored one, one version each:
    the LOOK closest to the topic by their stored probability (the kept ones first)."""
    stored = store.days.all()
    if not stored:
        return [], None, None
    newest = dt.date.fromisoformat(stored[0])
    window = [d for d in stored if (newest - dt.date.fromisoformat(d)).days < days]
    seen: dict[str, tuple[tuple[bool, float], Paper]] = {}
    for day in window:
        for item in store.days.listings(day, False):
            d = next((d for d in item.decisions if d.topic == topic_id), None)
            if d is not None and item.paper.id not in seen:
                seen[item.paper.id] = ((d.kept, d.probability or 0.0), item.paper)
    closest = sorted(seen.values(), key=lambda pair: pair[0], reverse=True)[:LOOK]
    return [paper for _, paper in closest], window[-1], window[0]


def tuning(config: Config, store: Store, ranker: Any, topic_id: str, n: int = 8, days: int = DAYS) -> Tuning:
    """The questions for ``topic_id`` and the effect of its ratings so far."""
    topic = next((t for t in config.topic_list if t.id == topic_id), None)
    if topic is None:
        raise MonitorError(f"Unknown topic {topic_id!r}; topics: {', '.join(t.id for t in config.topic_list)}")
    if ranker.kind == "keywords":
        raise MonitorError("Tuning needs a ranker: with `relevance.ranker = \"keywords\"` the keywords decide "
                           "alone and ratings change nothing. Set it to `auto`, `semantic` or `tfidf`.")
    papers, first, last = recent_papers(store, topic_id, days)
    ratings = store.ratings.all(topic_id)
    good = sum(r.good for r in ratings)
    rated = [p for r in ratings if (p := store.papers.latest(r.paper_id)) is not None]
    out = Tuning(topic_id, topic.label, [], good, len(ratings) - good, 0, 0, len(papers), days, first, last)
    if not papers:
        out.notes.append(f"No stored day has papers near {topic_id} yet: run a day first.")
        return out
    one = config.model_copy(update={"topics": [topic]})
    ctx, _ = prepared(one, store, ranker, batch=papers)
    out.questions = ask(ctx, topic_id, papers, rated, n)
    if ratings:
        # the same context before the ratings: the shipped calibrations as shipped, the prior unmoved
        plain = dataclasses.replace(ctx, calibrations={k: c.untuned() for k, c in ctx.calibrations.items()
                                                       if c.kind != "prior"})
        now = [d[0].kept for d in relevance.decide(papers, ctx)]
        before = [d[0].kept for d in relevance.decide(papers, plain)]
        out.moved = sum(a != b for a, b in zip(now, before))
        out.moved_in = sum(a and not b for a, b in zip(now, before))
    return out
