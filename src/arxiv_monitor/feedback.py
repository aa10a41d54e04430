"""Relevance beyond the ranker: the user's ratings and the optional LLM judge.

* ``feedback_adjuster``: once a topic has enough good and bad ratings
  (``arxiv-monitor rate``), a logistic-regression classifier on the paper
  embeddings shifts that topic's scores.
* ``judge_runner``: asks the LLM for 0-10 relevance scores of borderline (or
  all kept) papers, in batches, and lets them decide.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from . import relevance
from .analyze import make_analyzer
from .config import Config
from .models import Listing, Paper
from .store import Store

log = logging.getLogger(__name__)


def feedback_adjuster(config: Config, store: Store, ranker: Any) -> Any:
    """Once a topic has enough good and bad ratings, a classifier on embeddings adjusts its scores."""
    if getattr(ranker, "kind", "") != "semantic":
        return None
    topics, models = config.topic_list, {}
    for t in topics:
        rated = [(store.papers.latest(r.arxiv_id), r.good) for r in store.ratings.all(t.id)]
        rated = [(p, good) for p, good in rated if p is not None]
        good = sum(g for _, g in rated)
        if min(good, len(rated) - good) >= config.relevance.feedback_min:
            vectors = ranker.embed_papers([p for p, _ in rated])
            models[t.id] = (relevance.train_feedback(vectors, [int(g) for _, g in rated]), len(rated))
    if not models:
        return None

    def adjust(papers: list[Paper], scores: Any) -> Any:
        vectors = ranker.embed_papers(papers)
        feedback = {tid: (m.predict_proba(vectors)[:, 1], n) for tid, (m, n) in models.items()}
        return relevance.adjust_scores(scores, topics, feedback, config.relevance.feedback_weight)
    return adjust


def judge_runner(config: Config) -> Any:
    """The LLM judge: scores borderline (or all kept) papers per topic, in batches."""
    rel, topics = config.relevance, {t.id: t for t in config.topic_list}

    def run(listings: list[Listing]) -> None:
        wanted = [(item.paper, [d for d in item.decisions
                                if (d.kept if rel.judge == "all" else relevance.borderline(d, rel.judge_margin))])
                  for item in listings]
        wanted = [(p, ds) for p, ds in wanted if ds]
        if not wanted:
            return
        analyzer = make_analyzer(config)
        if not hasattr(analyzer, "judge"):
            return
        batches = [wanted[i:i + rel.judge_batch] for i in range(0, len(wanted), rel.judge_batch)]

        async def go() -> list[Any]:
            try:
                return await asyncio.gather(*(analyzer.judge(
                    [{"id": p.arxiv_id, "title": p.title, "abstract": p.abstract[:1500],
                      "topics": [d.topic for d in ds]} for p, ds in batch],
                    [topics[d.topic] for d in {d.topic: d for _, ds in batch for d in ds}.values()])
                    for batch in batches), return_exceptions=True)
            finally:
                await analyzer.aclose()

        results = asyncio.run(go())
        for batch, result in zip(batches, results):
            if isinstance(result, BaseException):  # the ranker's decision stands
                log.warning("relevance judge: %s", result)
                continue
            for p, ds in batch:
                for d in ds:
                    if (p.arxiv_id, d.topic) in result:
                        score, reason = result[(p.arxiv_id, d.topic)]
                        relevance.apply_judge(d, score, reason, rel.judge_keep)
    return run
