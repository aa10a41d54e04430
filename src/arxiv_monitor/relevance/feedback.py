"""What a batch of papers is decided with, and the user's ratings that tune it.

* ``prepared``: the topics' example papers and libraries, the background of papers seen
  before, and each topic's calibration: the one shipped for an unchanged default topic, else
  the prior, moved by the user's ratings of the topic from the first one (``calibrate.tune``,
  along the directions in which the topic's closest papers differ: of their embeddings with
  the semantic ranker, of their hashed words with TF-IDF);
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
from arxiv_monitor.store import Store

if TYPE_CHECKING:
    from arxiv_monitor.sources.base import Sources

log = logging.getLogger(__name__)


BACKGROUND = 2000  # papers seen before that set each topic's similarity scale
ASK_BELOW = 0.5  # the papers asked about are those near this many log-odds below the cut-off (dev curve)
DIVERSITY = 0.25  # and the weight of unlikeness to the papers rated or chosen (chosen on the dev curve)
NEIGHBOURS = 100  # of those and the batch, the closest to a topic: the ratings' weights act on a
# paper's difference from their mean, along their widest directions (``calibrate.Neighbourhood``)


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
    before, and each topic's calibration (the one shipped for an unchanged default topic, else
    the prior; moved by the user's ratings of the topic)."""
    ctx = relevance.Context(ranker, config.topic_list, examples or {})
    if ranker.kind == "keywords":
        return ctx
    if ranker.kind == "semantic":  # their embeddings are cached: the background costs little
        ctx.background = store.papers.recent(BACKGROUND)
    ctx.prototype_scores = ranker.prototype_scores(ctx.topics, ctx.examples)
    if fitted := store.priors.get(ranker.name):  # the user's labels fitted a prior for this model
        ctx.prior = fitted[0]
    model = getattr(ranker, "model_name", "")
    for topic in ctx.topics:
        if ranker.kind == "semantic" and (found := calibrate.shipped(topic.id, topic.signature(), model)):
            ctx.calibrations[topic.id] = found
        tuned = _tuned(store, ctx, topic, batch or []) if ratings else None
        if tuned is not None:
            ctx.calibrations[topic.id] = tuned
    return ctx


@dataclass
class Rated:
    """A topic's rated papers, as its calibration sees them."""

    papers: list[Paper]
    labels: list[int]
    features: Any  # the evidence matrix (``decide.features``)
    embeddings: Any
    scale: calibrate.Scale


def rated_of(store: Store, ctx: relevance.Context, topic: Any, batch: list[Paper]) -> Rated:
    rated = [(store.papers.latest(r.paper_id), r.good) for r in store.ratings.all(topic.id)]
    papers = [p for p, _ in rated if p is not None]
    labels = [int(good) for p, good in rated if p is not None]
    feats, scale = relevance.topic_features(ctx, topic, papers, ctx.background + batch)
    return Rated(papers, labels, feats, ctx.ranker.embed_papers(papers) if papers else None, scale)


def _tuned(store: Store, ctx: relevance.Context, topic: Any, batch: list[Paper]) -> calibrate.Calibration | None:
    """The topic's calibration (shipped, else the prior) moved by the user's ratings of it, from
    the first rating on (``calibrate.tune``); None without ratings."""
    if not store.ratings.all(topic.id):
        return None
    rated = rated_of(store, ctx, topic, batch)
    if not rated.papers:
        return None
    base = ctx.calibrations.get(topic.id) or ctx.prior_for(rated.scale.coverage)
    import numpy as np

    seen, around = ctx.background + batch, None
    if seen:  # the topic's neighbourhood: how its papers differ is what a rating can say
        closest = np.argsort(-ctx.ranker.scores(seen, [topic], ctx.examples)[:, 0], kind="stable")[:NEIGHBOURS]
        around = calibrate.Neighbourhood.of(ctx.ranker.embed_papers([seen[i] for i in closest]))
    return calibrate.tune(base, rated.features, rated.embeddings, rated.labels, around)


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


@dataclass
class Question:
    """A paper whose rating would teach a topic most, with its probability now."""

    paper: Paper
    probability: float


def ask(ctx: relevance.Context, topic_id: str, candidates: list[Paper], rated: list[Paper],
        n: int = 8) -> list[Question]:
    """The ``n`` papers of ``candidates`` whose rating would teach the topic most: the closest
    to just below its cut-off (uncertainty sampling on the side where a paper the topic misses
    waits: a probability near 0.38 for the cut-off 0.5), each unlike the papers already rated or
    chosen (diversity), so a round covers several sub-areas. Papers already rated, and papers a
    title keyword keeps whatever their probability, are not asked about."""
    import numpy as np

    topic = next(t for t in ctx.topics if t.id == topic_id)
    if not candidates or ctx.ranker.kind == "keywords":
        return []
    # every candidate decided together, as a run decides them: the title hits left out of the
    # questions still set the topic's scale
    decided = relevance.decide(candidates, ctx.only(topic))
    skip = {p.id for p in rated} | {p.id for p in relevance.sure_keeps(candidates, [topic])}
    index = [i for i, p in enumerate(candidates) if p.id not in skip]
    if not index:
        return []
    pool = [candidates[i] for i in index]
    probs = np.array([decided[i][0].probability or 0.0 for i in index])
    p = np.clip(probs, 1e-6, 1 - 1e-6)
    cut = min(max(relevance.cutoff(topic), 1e-6), 1 - 1e-6)
    distance = np.abs(np.log(p / (1 - p)) - (np.log(cut / (1 - cut)) - ASK_BELOW))
    near = [int(i) for i in np.argsort(distance, kind="stable")[:max(4 * n, 20)]]
    vectors = ctx.ranker.embed_papers([pool[i] for i in near])
    seen = ctx.ranker.embed_papers(rated) if rated else None
    closest = np.zeros(len(near)) if seen is None else np.asarray((vectors @ seen.T).max(axis=1).ravel()
                                                                  if not hasattr(vectors, "tocsr") else
                                                                  (vectors @ seen.T).toarray().max(axis=1))
    chosen: list[int] = []
    while len(chosen) < min(n, len(near)):
        score = -distance[near] - DIVERSITY * closest
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        step = vectors @ vectors[best].T
        step = step.toarray().ravel() if hasattr(step, "toarray") else np.asarray(step).ravel()
        closest = np.maximum(closest, step)
    return [Question(pool[near[i]], float(probs[near[i]])) for i in chosen]
