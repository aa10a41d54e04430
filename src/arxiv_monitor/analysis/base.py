"""Stage 4: structured analyses, by pluggable analyser backends.

A backend is a subclass of ``Analyzer`` registered with the ``register_analyzers`` hook
(``core/hookspecs.py``): the built-in ``openai`` and ``extractive`` backends register
exactly as an outside plugin would, from their entry point in the ``arxiv_monitor`` group.
``AnalysisRun`` keeps many analyses in flight, saving each as it completes.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from arxiv_monitor.analysis.overview import grouped
from arxiv_monitor.core import plugins
from arxiv_monitor.core.errors import LLMUnavailable
from arxiv_monitor.core.models import Analysis, FullText, Listing, Overview, Paper, ReportEntry, TrendsWriting

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.store import Store

log = logging.getLogger(__name__)


class Analyzer(ABC):
    """An analyser backend. Subclass it, fill in ``analyze`` (and ``from_config``), and
    register the class with the ``register_analyzers`` hook; ``llm.backend`` names it."""

    name: ClassVar[str]
    Options: ClassVar[type | None] = None  # the model of its settings ([llm] for openai; [plugins.NAME] for a plugin's)
    judges: ClassVar[bool] = False  # whether ``judge`` gives scores (``relevance.judge``)
    model: str = ""  # stored with each analysis ("" if none)
    prompt_version: str = ""  # changes when its prompts change (stored: see "No silent re-runs")
    language: str = "zh"
    endpoint: tuple[str, str] | None = None  # (URL, model) whose reply mode the store remembers
    reply_mode: str | None = None  # how replies are asked for, where the endpoint has a choice

    @classmethod
    @abstractmethod
    def from_config(cls, config: Config) -> Analyzer:
        """The backend as the configuration sets it up."""

    @classmethod
    def configured_model(cls, config: Config) -> str:
        """The model ``from_config`` would use (the report names it without making the backend)."""
        return cls.from_config(config).model

    @abstractmethod
    async def analyze(self, paper: Paper, text: FullText) -> Analysis:
        """An ``Analysis`` whose sections hold ``analysis.replies.SECTION_KEYS`` (and
        optionally ``tldr``), ``ok``, or ``failed`` with its ``error``. Raise
        ``LLMUnavailable`` when the service cannot be used at all."""

    async def overview(self, entries: list[ReportEntry]) -> Overview:
        """The day's overview: by default the papers grouped by topic, labelled as such."""
        return grouped(entries, self.language)

    async def judge(self, items: list[dict[str, Any]], topics: list[Any]) -> dict[tuple[str, str], tuple[float, str]]:
        """0-10 relevance scores with reasons by (paper id, topic); none by default."""
        return {}

    async def draft_topic(self, request: str, examples: list[dict[str, str]]) -> dict[str, Any] | None:
        """A topic drafted from a line of the user's (and ``examples``: title, abstract): id,
        name, keywords, negative_keywords, description lines; None by default (``topics
        suggest`` then mines keywords from the stored papers)."""
        return None

    async def trends(self, facts: dict[str, Any]) -> TrendsWriting | None:
        """A period's theme labels and written overview from ``facts`` (its topics, themes and
        key papers; see ``trends.writing``); None by default: the trends report then writes
        an extractive overview. Raise AnalysisError when no valid reply came."""
        return None

    async def aclose(self) -> None:
        """Release clients."""


def analyzer_class(name: str) -> type[Analyzer]:
    """The installed backend ``name``; ConfigError names the installed ones."""
    return plugins.one("analyser backend", plugins.analyzers(), name, "llm.backend")


def make_analyzer(config: Config, name: str | None = None) -> Analyzer:
    """Instantiate the backend ``name`` (default: the configured one)."""
    return analyzer_class(name or config.backend_name).from_config(config)


def needs_analysis(store: Store, backend: str, language: str, item: Listing,
                   reanalyze_replacements: bool = False, force: bool = False) -> bool:
    """Whether a listed paper needs an analysis by the backend ``backend`` in ``language``.

    An analysis is keyed by (paper version, backend, model, prompt version,
    language). A good analysis by the same backend in the same language is
    kept when only the model or the prompt changed: those papers are redone
    on request (``arxiv-monitor analyze --reanalyze``), never silently.
    """
    if force:
        return True
    if item.is_replacement and not reanalyze_replacements:
        if store.analyses.earlier_version(item.paper):
            return False
    return not any(a.ok and a.backend == backend and a.language == language
                   for a in store.analyses.for_paper(item.paper))


class AnalysisRun:
    """Analyses in flight, at most ``concurrency`` requests at a time: ``submit`` a paper as
    soon as its text is in (the next downloads go on meanwhile), then ``finish``.

    ``on_result`` is called as each analysis completes (so progress is saved as it is
    made). An endpoint that cannot be used (bad key, dead, only unusable replies) stops
    all further requests; ``finish`` returns such run-wide errors, once each.
    """

    def __init__(self, analyzer: Analyzer, concurrency: int, on_result: Callable[[Paper, Analysis], None]):
        self.analyzer, self.on_result = analyzer, on_result
        self.gate = asyncio.Semaphore(concurrency)
        self.fatal: list[str] = []
        self.results: list[Analysis] = []
        self.tasks: list[asyncio.Task] = []

    def submit(self, paper: Paper, text: FullText) -> None:
        self.tasks.append(asyncio.create_task(self._one(paper, text)))

    async def _one(self, paper: Paper, text: FullText) -> None:
        async with self.gate:
            if self.fatal:
                result = failed(self.analyzer, text, self.fatal[0])
            else:
                try:
                    result = await self.analyzer.analyze(paper, text)
                except LLMUnavailable as exc:
                    if not self.fatal:
                        self.fatal.append(str(exc))
                    result = failed(self.analyzer, text, self.fatal[0])
                except Exception as exc:  # one bad paper never sinks the run
                    log.warning("analysis of %s failed: %s: %s", paper.versioned_id, type(exc).__name__, exc)
                    result = failed(self.analyzer, text, f"{type(exc).__name__}: {exc}")
            result.version = paper.version
            self.results.append(result)
            self.on_result(paper, result)

    async def abandon(self) -> None:
        """Stop the analyses in flight and collect them (the run failed around them): no
        task is left with an exception nobody retrieves."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def finish(self) -> list[str]:
        outcomes = await asyncio.gather(*self.tasks, return_exceptions=True)
        stopped = [o for o in outcomes if isinstance(o, BaseException)]
        if stopped:  # saving failed (a full disk, say): every task is done; say it once
            raise stopped[0]
        if self.results and not self.fatal and not any(r.ok for r in self.results):
            self.fatal.append(f"the LLM's replies were unusable: all {len(self.results)} analyses failed "
                              f"(e.g. {self.results[-1].error})")
        return self.fatal


def failed(analyzer: Analyzer, text: FullText, reason: str, **usage: int) -> Analysis:
    """A failed analysis carrying its reason."""
    return Analysis(analyzer.name, analyzer.model, analyzer.prompt_version, analyzer.language,
                    "failed", error=reason, source=text.source, **usage)
