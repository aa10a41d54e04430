"""Stage 2: which papers are relevant to which topics, and why.

For each (paper, topic): the topic's keyword verdict (``topics.py``), the
ranker's raw similarity (``rank.py``) and, from both, a calibrated
probability of relevance (``calibrate.py``). A paper is kept for a topic when

* no negative keyword matches, every ``all`` entry is met and the categories
  fit, and
* a keyword of the topic is in its title, or its probability reaches the
  topic's cut-off (0.5 unless ``cutoff`` says otherwise).

With no ranker (``relevance.ranker = "keywords"``) the keywords decide alone.
Every decision keeps its evidence, so ``arxiv-monitor explain`` can show it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arxiv_monitor.core.models import KeywordVerdict, Listing, Paper, TopicDecision, best_topic
from arxiv_monitor.core.topics import TopicConfig, split_floor
from arxiv_monitor.relevance import calibrate
from arxiv_monitor.relevance.calibrate import Calibration, Scale, evidence, evidence_matrix, scale
from arxiv_monitor.relevance.keywords import EMPTY, keyword_verdict, verdicts
from arxiv_monitor.relevance.rank import Ranker

DEFAULT_CUTOFF = 0.5


@dataclass
class Context:
    """What one batch's decisions are made with."""

    ranker: Ranker
    topics: list[TopicConfig]
    examples: dict[str, Paper] = field(default_factory=dict)
    background: list[Paper] = field(default_factory=list)  # papers seen before, besides the batch
    calibrations: dict[str, Calibration] = field(default_factory=dict)  # trained, by topic id
    prototype_scores: dict[str, np.ndarray] = field(default_factory=dict)
    prior: dict | None = None  # the prior fitted for the ranker's model (``store.priors``), else the shipped one

    def only(self, topic: TopicConfig, **changes: Any) -> Context:
        """The same context for one topic (and ``changes``: background, calibrations)."""
        return dataclasses.replace(self, topics=[topic], **changes)

    def prior_for(self, coverage: float) -> Calibration:
        """The prior calibration of a topic with this keyword coverage."""
        return calibrate.prior(self.ranker.kind, coverage, self.prior)


def cutoff(topic: TopicConfig) -> float:
    return topic.cutoff if topic.cutoff is not None else DEFAULT_CUTOFF


def scales(ctx: Context, papers: list[Paper], scores: np.ndarray,
           columns: list[list[KeywordVerdict]] | None = None) -> list[Scale]:
    """Each topic's similarity scale, from the batch and the background (``columns``: the
    batch's keyword verdicts, per topic, when the caller has them)."""
    batch = {q.id for q in papers}
    extra = [p for p in ctx.background if p.id not in batch]
    all_scores = np.vstack([scores, ctx.ranker.scores(extra, ctx.topics, ctx.examples)]) if extra else scores
    columns = columns if columns is not None else verdicts(papers, ctx.topics)
    background = verdicts(extra, ctx.topics)
    out = []
    for j, topic in enumerate(ctx.topics):
        found = evidence_matrix(columns[j] + background[j])[:, :2]
        named = found.sum(axis=1) > 0
        one = scale(all_scores[:, j], all_scores[found[:, 0] > 0, j], ctx.prototype_scores.get(topic.id),
                    all_scores[named, j])
        one.coverage = calibrate.coverage(one, all_scores[:, j], named)
        out.append(one)
    return out


def decide(papers: list[Paper], ctx: Context, mode: str = "combined") -> list[list[TopicDecision]]:
    """Every topic's decision on every paper. ``mode`` (for evaluation): ``combined``,
    ``keywords`` (the keyword rules alone) or ``semantic`` (the probability from the
    similarity alone)."""
    if not papers:
        return []
    topics, ranker = ctx.topics, ctx.ranker
    scores = ranker.scores(papers, topics, ctx.examples)
    columns = verdicts(papers, topics)
    ranked = ranker.kind != "keywords" and any(t.rank for t in topics)
    topic_scales = scales(ctx, papers, scores, columns) if ranked else []
    embeddings = ranker.embed_papers(papers) if any(c.embedded for c in ctx.calibrations.values()) else None
    by_topic = []
    for j, topic in enumerate(topics):
        if not ranked or not topic.rank:  # the keywords decide alone
            by_topic.append([TopicDecision(topic.id, topic.label, 0.0, cutoff(topic), "keywords",
                                           "keywords" if v.passes and mode != "semantic" else None, v)
                             for v in columns[j]])
            continue
        cal = ctx.calibrations.get(topic.id) or ctx.prior_for(topic_scales[j].coverage)
        if mode == "semantic":  # the similarity alone, whatever the topic's calibration
            cal = ctx.prior_for(0.0)
        feats = features(topic_scales[j], scores[:, j], columns[j])
        if mode == "semantic":
            feats[:, 1:] = 0.0
        probs = cal.probability(feats, embeddings if cal.embedded else None)
        by_topic.append(_decisions(topic, columns[j], scores[:, j], probs, ranker, cal, mode))
    return [list(row) for row in zip(*by_topic)]


def sure_keeps(papers: list[Paper], topics: list[TopicConfig]) -> list[Paper]:
    """The papers kept whatever the ranker says, known as soon as the feed is read: a topic's
    keyword in the title, not vetoed by its negatives, required words or categories (a title
    hit is never overruled). Their full texts can be fetched while the ranker works."""
    columns = verdicts(papers, topics)
    return [paper for i, paper in enumerate(papers)
            if any(evidence(column[i])[0] > 0 or (not topic.rank and column[i].passes)
                   for topic, column in zip(topics, columns))]


def features(topic_scale: Scale, scores: np.ndarray, verdicts: list[KeywordVerdict]) -> np.ndarray:
    """The evidence matrix of one topic: normalised similarity, then the keyword features."""
    return np.column_stack([topic_scale.u(scores), evidence_matrix(verdicts)]).reshape(len(verdicts), 5)


def topic_features(ctx: Context, topic: TopicConfig, papers: list[Paper],
                   background: list[Paper]) -> tuple[np.ndarray, Scale]:
    """One topic's evidence matrix on ``papers`` (``features``), on the scale those papers and
    ``background`` set, and that scale: what ratings and labels are fitted on."""
    one = ctx.only(topic, background=list(background), calibrations={})
    scores = ctx.ranker.scores(papers, [topic], ctx.examples)
    topic_scale = scales(one, papers, scores)[0]
    return features(topic_scale, scores[:, 0], [keyword_verdict(p, topic) for p in papers]), topic_scale


def _decisions(topic: TopicConfig, column: list[KeywordVerdict], scores: np.ndarray, probs: np.ndarray,
               ranker: Ranker, cal: Calibration, mode: str) -> list[TopicDecision]:
    """One ranked topic's decisions on a batch. A paper no keyword rule touched (most of a
    day) is kept by its probability alone, decided for all at once."""
    limit = cutoff(topic)
    alone = ((probs >= limit) & (mode != "keywords")).tolist()
    adjusted = cal.labels if cal.kind == "ratings" or cal.tuned else 0
    rounded_scores, rounded_probs = np.round(scores, 4).tolist(), np.round(probs, 4).tolist()
    return [TopicDecision(topic.id, topic.label, rounded_scores[i], limit, ranker.name,
                          ("semantic" if alone[i] else None) if v is EMPTY else _kept_by(topic, v, probs[i], mode),
                          v, probability=rounded_probs[i], adjusted_by=adjusted, calibration=cal.kind)
            for i, v in enumerate(column)]


def _kept_by(topic: TopicConfig, verdict: KeywordVerdict, probability: float, mode: str) -> str | None:
    """What keeps a paper for a ranked topic, if anything: its keywords, or its probability."""
    if mode == "keywords":
        return "keywords" if verdict.passes else None
    blocked = bool(verdict.none_hits or verdict.missing_all or not verdict.category_ok)
    title_hit = evidence(verdict)[0] > 0
    named = bool(verdict.hits or verdict.author_hits)
    floors = [f for h in verdict.hits if (f := split_floor(h.keyword)[1]) is not None]
    weak = mode == "combined" and bool(floors) and probability >= min(floors)  # a weak keyword's own floor
    if not blocked and ((title_hit and mode == "combined") or weak or probability >= cutoff(topic)):
        return "keywords" if named and mode == "combined" else "semantic"
    return None


def borderline(d: TopicDecision, margin: float) -> bool:
    """Near the cut-off: a case for the judge."""
    value = d.probability if d.probability is not None else d.score
    return abs(value - d.threshold) <= margin


def apply_judge(d: TopicDecision, score: float, reason: str, keep: float) -> None:
    """Record the judge's verdict; it decides the paper for this topic."""
    d.judge, d.judge_reason = score, reason
    if score >= keep:
        d.kept_by = d.kept_by or "judge"
    elif d.kept_by != "keywords" or not any(h.field == "title" for h in d.hits):
        d.kept_by = None  # a title keyword hit is never overruled


def select(listings: list[Listing], ctx: Context, judge: Any = None,
           tiebreak: Callable[[str], int] | None = None) -> list[Listing]:
    """Every listing with every topic's decision: kept ones first, grouped by best topic
    and ordered by probability within it, then the rest in feed order.

    ``judge(listings)`` may revise decisions in place before the ordering. ``tiebreak(paper
    id)`` (a community signal's weight) orders papers of equal probability (to the second
    decimal), more first; it never changes which papers are kept.
    """
    papers = [item.paper for item in listings]
    for item, decisions in zip(listings, decide(papers, ctx)):
        item.decisions = decisions
    if judge is not None:
        judge(listings)
    order = {t.id: n for n, t in enumerate(ctx.topics)}

    def key(item: Listing) -> tuple:
        top = best_topic(item.decisions)
        if top is None:
            return (1, 0, 0.0)
        value = top.probability if top.probability is not None else top.score
        return (0, order[top.topic], -round(value, 2), -(tiebreak(item.paper.id) if tiebreak else 0))
    return sorted(listings, key=key)
