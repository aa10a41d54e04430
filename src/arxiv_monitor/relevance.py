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

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .models import KeywordHit, Paper
from .rank import Ranker
from .topics import KeywordVerdict, hit_floor, keyword_verdict

if TYPE_CHECKING:
    from .config import TopicConfig


@dataclass
class TopicDecision:
    """One topic's decision on one paper, with its evidence."""

    topic: str
    label: str
    score: float
    threshold: float
    floor: float
    ranker: str
    kept_by: str | None  # "keywords", "semantic", "judge" or None
    hits: list[KeywordHit] = field(default_factory=list)
    none_hits: list[KeywordHit] = field(default_factory=list)
    missing_all: list[str] = field(default_factory=list)
    author_hits: list[str] = field(default_factory=list)
    category_ok: bool = True
    judge: float | None = None  # the LLM judge's 0-10 score
    judge_reason: str = ""
    adjusted_by: int = 0  # ratings that adjusted the score

    @property
    def kept(self) -> bool:
        return self.kept_by is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopicDecision:
        data = dict(data)
        for key in ("hits", "none_hits"):
            data[key] = [KeywordHit(**h) for h in data.get(key, [])]
        return cls(**data)


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
    return TopicDecision(topic.id, topic.label, round(float(score), 4), threshold, floor, ranker.name,
                         kept_by, verdict.hits, verdict.none_hits, verdict.missing_all,
                         verdict.author_hits, verdict.category_ok)


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


def best(decisions: list[TopicDecision]) -> TopicDecision | None:
    """The kept topic a paper is listed under: keyword matches first, then score."""
    kept = [d for d in decisions if d.kept]
    return max(kept, key=lambda d: (d.kept_by == "keywords", d.score)) if kept else None


def select(papers: list[Paper], topics: list[TopicConfig], ranker: Ranker,
           examples: dict[str, Paper] | None = None, adjust: Any = None,
           judge: Any = None) -> list[tuple[Paper, list[KeywordHit], list[TopicDecision]]]:
    """The kept papers, grouped by best topic and ordered by score within it.

    ``judge(pairs)`` may revise decisions in place before selection.
    """
    kept = []
    all_decisions = decide(papers, topics, ranker, examples, adjust=adjust)
    if judge is not None:
        judge(list(zip(papers, all_decisions)))
    for paper, decisions in zip(papers, all_decisions):
        top = best(decisions)
        if top is not None:
            hits = [h for d in decisions if d.kept for h in d.hits]
            kept.append((paper, hits, [d for d in decisions if d.kept]))
    order = {t.id: n for n, t in enumerate(topics)}
    kept.sort(key=lambda item: (order[best(item[2]).topic], -best(item[2]).score))
    return kept


# -- evaluation --------------------------------------------------------------
def load_labels(path: Path) -> list[tuple[Paper, dict[str, int]]]:
    """LABELS.jsonl: one paper a line, with id, title, abstract, categories and labels."""
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        paper = Paper(str(data["id"]), 1, data["title"], " ".join(data.get("abstract", "").split()),
                      data.get("authors", []), data.get("categories", []))
        records.append((paper, {k: int(v) for k, v in data.get("labels", {}).items()}))
    return records


def _prf(pred: list[bool], gold: list[int]) -> dict[str, float]:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(records: list[tuple[Paper, dict[str, int]]], topics: list[TopicConfig],
             ranker: Ranker) -> dict[str, dict[str, dict[str, float]]]:
    """Precision, recall and F1 per topic, for keywords only, the ranker only, and combined."""
    papers = [p for p, _ in records]
    scores = ranker.scores(papers, topics)
    verdicts = [[keyword_verdict(p, t) for t in topics] for p in papers]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for j, topic in enumerate(topics):
        gold = [labels.get(topic.id, 0) for _, labels in records]
        out[topic.id] = {}
        for mode in ("keywords", "semantic", "combined"):
            if mode != "keywords" and ranker.kind == "keywords":
                continue
            pred = [decide_one(verdicts[i][j], topic, scores[i, j], ranker, mode).kept
                    for i in range(len(papers))]
            out[topic.id][mode] = _prf(pred, gold)
    return out
