"""Community signals: what a community says about the day's papers (the contract every
signal plugin fulfils; Hugging Face Daily Papers is the first).

A signal is asked once per day, with the day's listed papers; it answers what it knows
about them (upvotes, a code repository and its stars). It is optional and off by default
(``signals``). What it says is shown beside each paper and breaks ties among papers of
equal relevance; it never keeps or drops a paper. A signal that cannot be reached is
skipped: the day carries on without it, and the report says so once.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import CommunitySignal, Paper

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.net import PoliteClient


class Signal(ABC):
    """A community signal. Subclass it, and register the class with the ``register_signals``
    hook."""

    name: ClassVar[str]  # what ``signals`` names
    label: ClassVar[str]  # as readers name it: "Hugging Face"

    @classmethod
    @abstractmethod
    def from_config(cls, config: Config, client: PoliteClient) -> Signal:
        """The signal as the configuration sets it up, asking through ``client``."""

    @abstractmethod
    def day(self, day: dt.date, papers: list[Paper]) -> list[CommunitySignal]:
        """What the community says about ``papers`` (listed on ``day``); a MonitorError
        (FetchError, FeedError) when it cannot be asked or its answer cannot be read."""


@dataclass
class DayOfSignals:
    """A day's signals: the values by paper id, the signals that answered, and those that
    could not be asked (label -> why)."""

    values: dict[str, list[CommunitySignal]] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)

    def weight(self, paper_id: str) -> int:
        """The paper's strongest signal (0 without one): the tie-break among equals."""
        return max((s.weight for s in self.values.get(paper_id, [])), default=0)


def ask(signals: list[Signal], day: dt.date, papers: list[Paper]) -> DayOfSignals:
    """Ask every signal about the day's papers; one that fails is noted, never raised."""
    out = DayOfSignals()
    for signal in signals:
        try:
            found = signal.day(day, papers)
        except MonitorError as exc:
            out.unreachable[signal.label] = str(exc)
            continue
        out.answered.append(signal.label)
        for value in found:
            out.values.setdefault(value.paper_id, []).append(value)
    return out
