"""Stage 2: which papers are relevant to which topics, and why.

For each (paper, topic): the topic's keyword verdict (``topics.py``) and the
ranker's score (``rank.py``). A paper is kept for a topic when

* its keywords pass (an ``any`` keyword or author matches, every ``all``
  entry is met, no ``none`` keyword matches, the categories fit) and its
  score reaches the topic's keyword floor; or
* its score alone reaches the topic's threshold ("semantic match"), and no
  ``none`` keyword matches.

Every decision keeps its evidence, so ``arxiv-monitor explain`` can show it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .models import KeywordVerdict, Listing, Paper, TopicDecision, best_topic
from .rank import Ranker
from .topics import TopicConfig, hit_floor, keyword_verdict


def _limits(topic: TopicConfig, kind: str) -> tuple[float, float]:
    if kind == "semantic":
        return topic.threshold, topic.keyword_floor
    if kind == "tfidf":
        return topic.tfidf_threshold, topic.tfidf_floor
    return 2.0, -2.0  # keywords alone: no score keeps or drops a paper


def decide_one(verdict: KeywordVerdict, topic: TopicConfig, score: float, ranker: Ranker,
               mode: str = "combined") -> TopicDecision:
    """A topic's decision from the keyword verdict and the score (``mode`` for evaluation)."""
    threshold, floor = _limits(topic, ranker.kind)
    counted = [h for h in verdict.hits if mode == "keywords" or score >= hit_floor(h, floor)]
    by_keywords = verdict.passes and (bool(counted) or bool(verdict.author_hits))
    by_score = score >= threshold and not verdict.none_hits and verdict.category_ok
    kept_by = None
    if mode in ("combined", "keywords") and by_keywords:
        kept_by = "keywords"
    elif mode in ("combined", "semantic") and by_score:
        kept_by = "semantic"
    return TopicDecision(topic.id, topic.label, round(float(score), 4), threshold, ranker.name,
                         kept_by, verdict, floor=floor)


def decide(papers: list[Paper], topics: list[TopicConfig], ranker: Ranker,
           examples: dict[str, Paper] | None = None, mode: str = "combined",
           adjust: Any = None) -> list[list[TopicDecision]]:
    """Every topic's decision on every paper (``adjust`` may shift the scores first)."""
    scores = ranker.scores(papers, topics, examples) if papers else np.zeros((0, len(topics)))
    used: dict[str, int] = {}
    if adjust is not None and len(papers):
        scores, used = adjust(papers, scores)
    out = [[decide_one(keyword_verdict(p, t), t, scores[i, j], ranker, mode)
            for j, t in enumerate(topics)] for i, p in enumerate(papers)]
    for row in out:
        for d in row:
            d.adjusted_by = used.get(d.topic, 0)
    return out


def borderline(d: TopicDecision, margin: float) -> bool:
    """Near the threshold, or a keyword hit near its floor: a case for the judge."""
    near_threshold = abs(d.score - d.threshold) <= margin
    near_floor = bool(d.hits) and abs(d.score - d.floor) <= margin
    return near_threshold or near_floor


def apply_judge(d: TopicDecision, score: float, reason: str, keep: float) -> None:
    """Record the judge's verdict; it decides the paper for this topic."""
    d.judge, d.judge_reason = score, reason
    if score >= keep:
        d.kept_by = d.kept_by or "judge"
    elif d.kept_by != "keywords" or not any(h.field == "title" for h in d.hits):
        d.kept_by = None  # a title keyword hit is never overruled


def adjust_scores(scores: np.ndarray, topics: list[TopicConfig], feedback: dict[str, Any],
                  weight: float) -> tuple[np.ndarray, dict[str, int]]:
    """Shift each topic's scores by a classifier trained on the user's ratings.

    ``feedback[topic_id]`` is ``(probabilities, n_ratings)``: the classifier's
    probability that each paper is good. The score moves by
    ``weight * (p - 0.5)``.
    """
    out, used = scores.copy(), {}
    for j, t in enumerate(topics):
        if t.id in feedback:
            probs, n = feedback[t.id]
            out[:, j] = scores[:, j] + weight * (np.asarray(probs) - 0.5)
            used[t.id] = n
    return out, used


def train_feedback(vectors: np.ndarray, labels: list[int]) -> Any:
    """A small logistic-regression classifier on paper embeddings."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000, class_weight="balanced").fit(vectors, labels)


def select(listings: list[Listing], topics: list[TopicConfig], ranker: Ranker,
           examples: dict[str, Paper] | None = None, adjust: Any = None,
           judge: Any = None) -> list[Listing]:
    """Every listing with every topic's decision: kept ones first, grouped by best topic
    and ordered by score within it, then the rest in feed order.

    ``judge(listings)`` may revise decisions in place before the ordering.
    """
    papers = [item.paper for item in listings]
    for item, decisions in zip(listings, decide(papers, topics, ranker, examples, adjust=adjust)):
        item.decisions = decisions
    if judge is not None:
        judge(listings)
    order = {t.id: n for n, t in enumerate(topics)}

    def key(item: Listing) -> tuple:
        top = best_topic(item.decisions)
        return (0, order[top.topic], -top.score) if top else (1, 0, 0.0)
    return sorted(listings, key=key)
