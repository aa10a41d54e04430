"""Stage 4: structured analyses, by pluggable analyser backends.

A backend is a class registered under the entry-point group
``arxiv_monitor.analyzers`` (see ``pyproject.toml``): the built-in ``openai``
and ``extractive`` backends register exactly as an outside plugin would.
The contract (``Analyzer``): attributes ``name``, ``model``,
``prompt_version`` and ``language``; ``from_config(config)``; an async
``analyze(paper, fulltext)`` returning an ``Analysis`` with the sections in
``SECTION_KEYS``; an async ``aclose()``. Optional: an async
``overview(entries)`` (default: the papers grouped by topic, ``overview.grouped``)
and an async ``judge(items, topics)`` for the relevance judge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol

from arxiv_monitor.core.errors import ConfigError, LLMUnavailable
from arxiv_monitor.core.models import Analysis, FullText, Listing, Overview, Paper, ReportEntry, Section
from arxiv_monitor.analysis.overview import grouped
from arxiv_monitor.fulltext.sections import PRIORITY, kind_of
from arxiv_monitor.analysis.tokens import estimate_tokens

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.store import Store

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "arxiv_monitor.analyzers"


class Analyzer(Protocol):
    """What every analyser backend provides."""

    name: str
    model: str
    prompt_version: str
    language: str

    async def analyze(self, paper: Paper, text: FullText) -> Analysis: ...

    async def aclose(self) -> None: ...


def backend_class(name: str) -> type:
    """The installed backend class ``name``; ConfigError names the installed ones."""
    eps = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name not in eps:
        raise ConfigError(f"llm.backend: unknown analyser backend {name!r}; "
                          f"installed: {', '.join(sorted(eps))} (or auto)")
    return eps[name].load()


def make_analyzer(config: Config, name: str | None = None) -> Analyzer:
    """Instantiate the backend ``name`` (default: the configured one)."""
    return backend_class(name or config.backend_name).from_config(config)


@contextlib.asynccontextmanager
async def opened(config: Config, store: Store | None = None) -> AsyncIterator[Analyzer]:
    """The configured analyser for one stage: it starts in the reply mode that worked for this
    endpoint and model last time, and the mode it ends in is remembered."""
    analyzer = make_analyzer(config)
    key = (config.llm.base_url or "https://api.openai.com/v1", config.llm.model)
    if store is not None and hasattr(analyzer, "reply_mode"):
        analyzer.reply_mode = store.endpoints.reply_mode(*key)
    try:
        yield analyzer
    finally:
        await analyzer.aclose()
        if store is not None and hasattr(analyzer, "reply_mode"):
            store.endpoints.remember(*key, analyzer.reply_mode)


async def overview_of(analyzer: Analyzer, entries: list[ReportEntry]) -> Overview:
    """The analyser's overview of the day, or the grouped list when it writes none."""
    write = getattr(analyzer, "overview", None)
    return await write(entries) if write is not None else grouped(entries, getattr(analyzer, "language", "zh"))


# -- token budget -----------------------------------------------------------
def _truncate(text: str, tokens: int) -> str:
    cut = text[: max(0, tokens * 4)]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > len(cut) // 2 else cut).rstrip() + " […]"


def fit_to_budget(sections: list[Section], budget: int,
                  count: Callable[[str], int] = estimate_tokens) -> list[Section]:
    """Keep the most informative sections within ``budget`` tokens.

    Sections are taken by usefulness (abstract, conclusion, introduction,
    results, method, experiments ... related work and appendix last); the
    first one that does not fit is shortened to fill what is left. The result
    is in document order.
    """
    order = sorted(range(len(sections)), key=lambda i: (PRIORITY[kind_of(sections[i].title)], i))
    remaining = budget
    chosen: dict[int, Section] = {}
    for i in order:
        section = sections[i]
        cost = count(section.title) + count(section.text) + 4
        if cost <= remaining:
            chosen[i] = section
            remaining -= cost
        elif remaining > 150:
            chosen[i] = Section(section.title, _truncate(section.text, remaining - 20))
            remaining = 0
    return [chosen[i] for i in sorted(chosen)]


# -- the stage --------------------------------------------------------------
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

    async def finish(self) -> list[str]:
        await asyncio.gather(*self.tasks)
        if self.results and not self.fatal and not any(r.ok for r in self.results):
            self.fatal.append(f"the LLM's replies were unusable: all {len(self.results)} analyses failed "
                              f"(e.g. {self.results[-1].error})")
        return self.fatal


async def analyze_all(items: list[tuple[Paper, FullText]], analyzer: Analyzer, concurrency: int,
                      on_result: Callable[[Paper, Analysis], None]) -> list[str]:
    """Analyse ``items`` (an ``AnalysisRun`` given them all at once); the run-wide errors."""
    run = AnalysisRun(analyzer, concurrency, on_result)
    for paper, text in items:
        run.submit(paper, text)
    return await run.finish()


def failed(analyzer: Analyzer, text: FullText, reason: str, **usage: int) -> Analysis:
    """A failed analysis carrying its reason."""
    return Analysis(analyzer.name, analyzer.model, analyzer.prompt_version, analyzer.language,
                    "failed", error=reason, source=text.source, **usage)
