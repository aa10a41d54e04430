"""What a batch of papers is decided with, and the user's ratings that tune it.

* ``prepared``: the topics' example papers and libraries, the background of papers seen
  before, and each topic's calibration: trained on the user's ratings once a topic has
  enough good and bad ones (``rate``), on the paper embeddings with the semantic ranker,
  on the keyword evidence and similarity with TF-IDF;
* ``rate``: store a rating, under the topic the user names or the paper's best topic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import Paper, TopicDecision
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.relevance import calibrate, library
from arxiv_monitor.relevance import decide as relevance
from arxiv_monitor.relevance.examples import example_papers
from arxiv_monitor.relevance.keywords import keyword_verdict
from arxiv_monitor.store import Store

if TYPE_CHECKING:
    from arxiv_monitor.sources.base import Sources

log = logging.getLogger(__name__)


BACKGROUND = 2000  # papers seen before that set each topic's similarity scale


def decision_key(config: Config, store: Store) -> str:
    """A digest of what a paper's decisions depend on besides the paper: the topics, the
    relevance settings (ranker, judge, cut-offs) and the ratings so far. A day stores it with
    its decisions: a rerun, or a paper page, with the same key shows them as they are."""
    import hashlib
    import json

    data = [[t.model_dump(mode="json") for t in config.topic_list], config.relevance.model_dump(mode="json"),
            store.ratings.latest()]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def prepared(config: Config, store: Store, ranker: Any, sources: Sources | None = None,
             client: PoliteClient | None = None, batch: list[Paper] | None = None,
             ratings: bool = True) -> tuple[relevance.Context, list[str]]:
    """Everything a batch is decided with, and warnings: the topics' example papers (fetched
    once; without sources, the stored ones), their libraries (``library.py``) and
    calibrations."""
    if ranker.kind == "keywords":
        return relevance.Context(ranker, config.topic_list), []
    examples = example_papers(config.topic_list, store, sources)
    topics, seeded, warnings = library.seed(config.topic_list, examples, store, sources, client,
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
    rated = [(store.papers.latest(r.paper_id), r.good) for r in store.ratings.all(topic.id)]
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


@dataclass
class RatingResult:
    """What ``rate`` stored, and the topic's counts of ratings so far."""

    paper: Paper
    topic: str
    verdict: str  # "good", "bad" or "clear"
    good: int
    bad: int
    chosen: str = ""  # why this topic, when the user named none


def best_topic_of(decisions: list[TopicDecision]) -> tuple[str, str] | None:
    """The topic a rating without ``--topic`` is for, and why: the topic that kept the paper,
    else the one whose keywords it hit with the highest probability, else the one it came
    closest to."""
    kept = [d for d in decisions if d.kept]
    if kept:
        best = max(kept, key=lambda d: d.probability if d.probability is not None else d.score)
        return best.topic, "the topic that kept it"
    hit = [d for d in decisions if d.verdict.hits or d.verdict.author_hits]
    pool, why = (hit, "a topic whose keywords it names") if hit else (decisions, "the topic it came closest to")
    if not pool:
        return None
    best = max(pool, key=lambda d: d.probability if d.probability is not None else d.score)
    return best.topic, why


def rate(config: Config, store: Store, paper: Paper, verdict: str, topic: str | None = None) -> RatingResult:
    """Store (or clear) a rating of a paper for a topic: the one named, else the paper's best
    topic on the latest day that listed it (``best_topic_of``)."""
    if verdict not in ("good", "bad", "clear"):
        raise MonitorError(f"The rating is `good`, `bad` or `clear`, not {verdict!r}.")
    ids = [t.id for t in config.topic_list]
    chosen = ""
    if topic is None:
        listed = store.days.listings_of(paper.id)
        found = best_topic_of([d for d in listed[0][1].decisions if d.topic in ids]) if listed else None
        if found is None:
            raise MonitorError(f"{paper.id} was never decided for a topic: say which with --topic "
                               f"({', '.join(ids)})")
        topic, chosen = found
    if topic not in ids:
        raise MonitorError(f"Unknown topic {topic!r}; topics: {', '.join(ids)}")
    if verdict == "clear":
        store.ratings.clear(paper.id, topic)
    else:
        store.ratings.set(paper.id, topic, verdict == "good")
    counts = store.ratings.all(topic)
    good = sum(r.good for r in counts)
    return RatingResult(paper, topic, verdict, good, len(counts) - good, chosen)


@dataclass
class Imported:
    """What ``rate --import`` did with a ratings file."""

    applied: int
    unchanged: int
    skipped: list[str]  # why each skipped line was skipped


def import_ratings(config: Config, store: Store, data: Any, where: str) -> Imported:
    """Apply a ratings file (the static site's export: ``{"ratings": [{"paper", "topic",
    "rating": good|bad|clear, "at"}]}``), oldest first, so the last word on a paper and topic
    wins; a line for a paper not stored or a topic not configured is skipped with its reason.
    Importing the same file again changes nothing."""
    rows = data.get("ratings") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise MonitorError(f"{where} is not a ratings file: it has no \"ratings\" list (the reading room's "
                           "\"Export ratings\" writes one)")
    topics = {t.id for t in config.topic_list}
    done = Imported(0, 0, [])
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sorted((r for r in rows if isinstance(r, dict)), key=lambda r: str(r.get("at", ""))):
        last[(str(row.get("paper", "")), str(row.get("topic", "")))] = row  # the last word on each
    for row in last.values():
        pid, topic, verdict = str(row.get("paper", "")), str(row.get("topic", "")), str(row.get("rating", ""))
        paper = store.papers.latest(pid)
        if paper is None or topic not in topics or verdict not in ("good", "bad", "clear"):
            done.skipped.append(f"{pid or '?'} / {topic or '?'}: " + (
                "not a stored paper" if paper is None else f"no topic {topic!r}" if topic not in topics
                else f"rating {verdict!r} is not good, bad or clear"))
            continue
        before = store.ratings.of_paper(paper.id).get(topic)
        after = None if verdict == "clear" else verdict == "good"
        if before == after:
            done.unchanged += 1
            continue
        if after is None:
            store.ratings.clear(paper.id, topic)
        else:
            store.ratings.set(paper.id, topic, after)
        done.applied += 1
    done.skipped += [f"line {n}: not an object" for n, r in enumerate(rows, start=1) if not isinstance(r, dict)]
    return done
