"""``arxiv-monitor explain``: every topic's decision on a stored paper, with its evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.models import Listing, Paper, TopicDecision
from arxiv_monitor.relevance import decide as relevance
from arxiv_monitor.relevance.feedback import prepared
from arxiv_monitor.store import Store


@dataclass
class Explanation:
    """Every topic's decision on a stored paper, and the user's ratings."""

    paper: Paper
    decisions: list[TopicDecision]
    ratings: dict[str, bool]
    days: dict[str, list[tuple[str, bool]]]  # per topic: the days that listed it, kept or not


def explain(config: Config, store: Store, ranker: Any, paper: Paper,
            judge: Callable[[list[Listing]], None] | None = None) -> Explanation:
    """Decide ``paper`` afresh for every topic, as a run would today (with the user's
    ratings), and gather the days that listed it."""
    item = Listing(paper)
    ctx, _ = prepared(config, store, ranker, batch=[paper])
    item.decisions = relevance.decide([paper], ctx)[0]
    if judge is not None:
        judge([item])
    days: dict[str, list[tuple[str, bool]]] = {}
    for day, listed in store.days.listings_of(paper.id):
        for d in listed.decisions:
            days.setdefault(d.topic, []).append((day, d.kept))
    return Explanation(paper, item.decisions, store.ratings.of_paper(paper.id), days)
