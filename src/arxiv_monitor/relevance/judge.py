"""The optional LLM judge: 0-10 relevance scores for borderline (or all kept) papers.

The analyser's ``judge`` is asked in batches, every returned id checked; its score
decides the paper for the topic (a title keyword hit is never overruled). A batch that
fails leaves the ranker's decision standing, and says so in the run's warnings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arxiv_monitor.core.models import Listing
from arxiv_monitor.core.settings import RelevanceConfig
from arxiv_monitor.core.topics import TopicConfig
from arxiv_monitor.relevance import decide as relevance

log = logging.getLogger(__name__)


class Judge:
    """Asks ``analyzer.judge`` about the papers near the cut-off; ``warnings`` says what failed."""

    def __init__(self, analyzer: Any, settings: RelevanceConfig, topics: list[TopicConfig],
                 run: Callable[[Awaitable[Any]], Any] = asyncio.run):
        self.analyzer, self.settings, self.run = analyzer, settings, run
        self.topics = {t.id: t for t in topics}
        self.warnings: list[str] = []

    def __call__(self, listings: list[Listing]) -> None:
        rel = self.settings
        wanted = [(item.paper, [d for d in item.decisions
                                if (d.kept if rel.judge == "all" else relevance.borderline(d, rel.judge_margin))])
                  for item in listings]
        wanted = [(p, ds) for p, ds in wanted if ds]
        if not wanted:
            return
        batches = [wanted[i:i + rel.judge_batch] for i in range(0, len(wanted), rel.judge_batch)]

        async def ask() -> list[Any]:
            return await asyncio.gather(*(self.analyzer.judge(
                [{"id": p.id, "title": p.title, "abstract": p.abstract[:1500], "topics": [d.topic for d in ds]}
                 for p, ds in batch],
                [self.topics[d.topic] for d in {d.topic: d for _, ds in batch for d in ds}.values()])
                for batch in batches), return_exceptions=True)

        for batch, result in zip(batches, self.run(ask())):
            if isinstance(result, BaseException):  # the ranker's decision stands
                log.warning("relevance judge: %s", result)
                self.warnings.append(f"the relevance judge failed for {len(batch)} paper(s); the ranking "
                                     f"decided them: {result}")
                continue
            for p, ds in batch:
                for d in ds:
                    if (p.id, d.topic) in result:
                        score, reason = result[(p.id, d.topic)]
                        relevance.apply_judge(d, score, reason, rel.judge_keep)
