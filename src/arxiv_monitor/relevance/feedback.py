"""Relevance beyond the ranker: the user's ratings and the optional LLM judge.

* ``context``: what a batch is decided with; once a topic has enough good and
  bad ratings (``arxiv-monitor rate``), its calibration is trained on them (on
  the paper embeddings with the semantic ranker, on the keyword evidence and
  similarity with TF-IDF).
* ``judge_runner``: asks the LLM for 0-10 relevance scores of borderline (or
  all kept) papers, in batches, and lets them decide.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arxiv_monitor.sources.arxiv import catchup as backfill
from arxiv_monitor.relevance import calibrate, library
from arxiv_monitor.relevance import decide as relevance
from arxiv_monitor.analysis.base import make_analyzer
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.models import Listing, Paper
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.store import Store
from arxiv_monitor.core.topics import keyword_verdict

log = logging.getLogger(__name__)


BACKGROUND = 2000  # papers seen before that set each topic's similarity scale


def prepared(config: Config, store: Store, ranker: Any, client: PoliteClient | None = None,
             batch: list[Paper] | None = None, ratings: bool = True) -> tuple[relevance.Context, list[str]]:
    """Everything a batch is decided with, and warnings: the topics' example papers (fetched
    once; without a client, the stored ones), their libraries (``library.py``) and
    calibrations."""
    if ranker.kind == "keywords":
        return relevance.Context(ranker, config.topic_list), []
    examples = backfill.example_papers(config, store, client)
    topics, seeded, warnings = library.seed(config.topic_list, examples, store, client, config.arxiv.api_url,
                                            config.relevance.crossref_url)
    return context(config.model_copy(update={"topics": topics}), store, ranker, seeded, batch, ratings), warnings


def context(config: Config, store: Store, ranker: Any, examples: dict[str, Paper] | None = None,
            batch: list[Paper] | None = None, ratings: bool = True) -> relevance.Context:
    """What a batch's decisions are made with: the topics, the background of papers seen
    before, and each topic's calibration (trained on the user's ratings, else the one shipped
    for an unchanged default topic, else the prior)."""
    ctx = relevance.Context(ranker, config.topic_list, examples or {})
    if ranker.kind == "keywords":
        return ctx
    if ranker.kind == "semantic":  # their embeddings are cached: the background costs little
        ctx.background = store.papers.recent(BACKGROUND)
    ctx.prototype_scores = ranker.prototype_scores(ctx.topics, ctx.examples)
    model = getattr(ranker, "model_name", "")
    for topic in ctx.topics:
        trained = _from_ratings(config, store, ctx, topic, batch or []) if ratings else None
        if trained is not None:
            ctx.calibrations[topic.id] = trained
        elif ranker.kind == "semantic" and (found := calibrate.shipped(topic.id, topic.signature(), model)):
            ctx.calibrations[topic.id] = found
    return ctx


def _from_ratings(config: Config, store: Store, ctx: relevance.Context, topic: Any,
                  batch: list[Paper]) -> calibrate.Calibration | None:
    """A topic's own calibration, once it has enough good and bad ratings."""
    rated = [(store.papers.latest(r.arxiv_id), r.good) for r in store.ratings.all(topic.id)]
    rated = [(p, good) for p, good in rated if p is not None]
    good = sum(g for _, g in rated)
    if min(good, len(rated) - good) < config.relevance.feedback_min:
        return None
    papers = [p for p, _ in rated]
    one = relevance.Context(ctx.ranker, [topic], ctx.examples, ctx.background + batch, {}, ctx.prototype_scores)
    scores = ctx.ranker.scores(papers, [topic], ctx.examples)
    scale = relevance.scales(one, papers, scores)[0]
    feats = relevance.features(scale, scores[:, 0], [keyword_verdict(p, topic) for p in papers])
    embeddings = ctx.ranker.embed_papers(papers) if ctx.ranker.kind != "keywords" else None
    return calibrate.fit(feats, [int(g) for _, g in rated], embeddings)


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
