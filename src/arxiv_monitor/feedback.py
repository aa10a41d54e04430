"""Relevance beyond the ranker: the user's ratings, the optional LLM judge, explanations.

* ``feedback_adjuster``: once a topic has enough good and bad ratings
  (``arxiv-monitor rate``), a logistic-regression classifier on the paper
  embeddings shifts that topic's scores.
* ``judge_runner``: asks the LLM for 0-10 relevance scores of borderline (or
  all kept) papers, in batches, and lets them decide.
* ``explain``: every topic's decision on a stored paper, with its evidence.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from . import relevance
from .analyze import make_analyzer
from .config import Config
from .errors import MonitorError
from .models import Paper
from .rank import make_ranker
from .relevance import TopicDecision
from .store import Store

log = logging.getLogger(__name__)


def explain(config: Config, arxiv_id: str) -> tuple[Paper, list[TopicDecision], dict[str, int]]:
    """``arxiv-monitor explain``: every topic's decision on a stored paper, with its evidence."""
    store = Store(config.db_path)
    try:
        paper = store.latest_paper(arxiv_id)
        if paper is None:
            raise MonitorError(f"Paper {arxiv_id} is not stored; run the day that lists it first")
        ranker = make_ranker(config, store)
        decisions = relevance.decide([paper], config.topic_list, ranker,
                                     adjust=feedback_adjuster(config, store, ranker))
        if config.relevance.judge != "off":
            judge_runner(config)([(paper, decisions[0])])
        rated = {t: r for pid, t, r in store.ratings() if pid == paper.arxiv_id}
        return paper, decisions[0], rated
    finally:
        store.close()


def feedback_adjuster(config: Config, store: Store, ranker: Any) -> Any:
    """Once a topic has enough good and bad ratings, a classifier on embeddings adjusts its scores."""
    if getattr(ranker, "kind", "") != "semantic":
        return None
    topics, models = config.topic_list, {}
    for t in topics:
        rated = [(store.latest_paper(pid), r) for pid, _, r in store.ratings(t.id)]
        rated = [(p, r) for p, r in rated if p is not None]
        good = sum(r for _, r in rated)
        if min(good, len(rated) - good) >= config.relevance.feedback_min:
            vectors = ranker.embed_papers([p for p, _ in rated])
            models[t.id] = (relevance.train_feedback(vectors, [r for _, r in rated]), len(rated))
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

    def run(pairs: list[tuple[Paper, list[TopicDecision]]]) -> None:
        wanted = [(p, [d for d in ds if (d.kept if rel.judge == "all" else relevance.borderline(d, rel.judge_margin))])
                  for p, ds in pairs]
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
            if isinstance(result, BaseException):
                log.warning("%s", result)
                continue
            for p, ds in batch:
                for d in ds:
                    if (p.arxiv_id, d.topic) in result:
                        score, reason = result[(p.arxiv_id, d.topic)]
                        relevance.apply_judge(d, score, reason, rel.judge_keep)
    return run
