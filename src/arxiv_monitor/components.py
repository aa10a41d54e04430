"""The composition root: every part of a run, built once from the configuration.

A command opens one ``Parts`` for its length: the polite HTTP client, the sources the
configuration follows, the full-text fetcher, the ranker, one analyser (and the
extractive fallback), the relevance judge, the delivery channels, and one event loop
for everything asynchronous (analyses, the judge, the overview), so the analyser's
HTTP client lives on one loop. The stages receive these parts; none builds its own.
The ranker and the analyser are made on first use: a rerun with nothing to do loads no
model and opens no LLM client.
"""

from __future__ import annotations

import asyncio
import copy
import functools
from collections.abc import Awaitable
from typing import Any, TypeVar

from arxiv_monitor.analysis.base import Analyzer, analyzer_class, make_analyzer
from arxiv_monitor.core import plugins
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.delivery.base import Channel, configured
from arxiv_monitor.fulltext.download import FullTextFetcher
from arxiv_monitor.relevance.judge import Judge
from arxiv_monitor.relevance.rank import make_ranker
from arxiv_monitor.sources.base import Sources
from arxiv_monitor.sources.signals import Signal
from arxiv_monitor.store import Store

T = TypeVar("T")


def make_client(config: Config) -> PoliteClient:
    a = config.arxiv
    return PoliteClient(config.user_agent, interval=a.request_interval, timeout=a.timeout,
                        max_retries=a.max_retries, backoff=a.backoff, max_backoff=a.max_backoff)


def make_sources(config: Config, client: PoliteClient) -> Sources:
    """The sources ``sources`` names, each a registered plugin."""
    registry = plugins.sources()
    return Sources([plugins.one("paper source", registry, name, "sources").from_config(config, client)
                    for name in config.sources])


def make_signals(config: Config, client: PoliteClient) -> list[Signal]:
    """The community signals ``signals`` names, each a registered plugin."""
    registry = plugins.signals()
    return [plugins.one("community signal", registry, name, "signals").from_config(config, client)
            for name in config.signals]


class Parts:
    """What one command works with (see the module). Use it in a ``with`` block."""

    def __init__(self, config: Config, store: Store | None = None, progress: Any = None):
        self.config, self.store, self.progress = config, store, progress
        self.client = make_client(config)
        self.sources = make_sources(config, self.client)
        self.signals = make_signals(config, self.client)
        a = config.arxiv
        self.fetcher = FullTextFetcher(self.client, config.cache_path, self.sources, a.fulltext,
                                       int(a.max_download_mb * 1_000_000))
        self.channels: list[Channel] = configured(config)
        self._runner = asyncio.Runner()

    def run(self, coroutine: Awaitable[T]) -> T:
        """Run a coroutine on the command's one event loop."""
        return self._runner.run(coroutine)  # type: ignore[arg-type]

    @functools.cached_property
    def ranker(self) -> Any:
        return make_ranker(self.config, self.store.embeddings if self.store else None, self.progress)

    @functools.cached_property
    def analyzer(self) -> Analyzer:
        """The configured analyser, starting in the reply mode that worked for its endpoint."""
        analyzer = make_analyzer(self.config)
        if analyzer.endpoint and self.store is not None:
            mode = self.store.endpoints.reply_mode(*analyzer.endpoint)
            if mode:
                analyzer.reply_mode = mode
        return analyzer

    @property
    def model(self) -> str:
        """The model the analyser uses, without making the analyser (and its client) to ask."""
        if "analyzer" in self.__dict__:
            return self.analyzer.model
        return analyzer_class(self.config.backend_name).configured_model(self.config)

    @functools.cached_property
    def extractive(self) -> Analyzer:
        """The extractive analyser: the fallback shown where an analysis failed."""
        if self.analyzer.name == "extractive":
            return self.analyzer
        return analyzer_class("extractive").from_config(self.config)

    @functools.cached_property
    def judge(self) -> Judge | None:
        """The LLM relevance judge, when ``relevance.judge`` asks for it and the analyser judges."""
        if self.config.relevance.judge == "off" or not self.analyzer.judges:
            return None
        return Judge(self.analyzer, self.config.relevance, self.config.topic_list, self.run)

    def sibling(self, config: Config, store: Store) -> Parts:
        """The parts of another user of the same lab run: this run's HTTP client, sources, fetcher
        and ranker (one pace per host, one embedding per paper), with the user's config (topics,
        language), store and delivery targets, and an analyser of their own. Close it before this."""
        _ = self.ranker  # made here, once: every user's parts share it (its model, the vectors it has read)
        twin = copy.copy(self)
        twin.__dict__ = {k: v for k, v in self.__dict__.items() if k not in ("analyzer", "extractive", "judge")}
        twin.config, twin.store, twin.channels = config, store, configured(config)
        twin._sibling = True
        return twin

    def close(self) -> None:
        if getattr(self, "_sibling", False):  # the shared client and event loop are the run's to close
            if "analyzer" in self.__dict__:
                self.run(self.analyzer.aclose())
            return
        try:
            if "analyzer" in self.__dict__:
                self.run(self.analyzer.aclose())
                if self.analyzer.endpoint and self.analyzer.reply_mode and self.store is not None:
                    self.store.endpoints.remember(*self.analyzer.endpoint, self.analyzer.reply_mode)
        finally:
            self._runner.close()
            self.client.close()

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
