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
    kept_by: str | None  # "keywords", "semantic" or None
    hits: list[KeywordHit] = field(default_factory=list)
    none_hits: list[KeywordHit] = field(default_factory=list)
    missing_all: list[str] = field(default_factory=list)
    author_hits: list[str] = field(default_factory=list)
    category_ok: bool = True

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
           examples: dict[str, Paper] | None = None, mode: str = "combined") -> list[list[TopicDecision]]:
    """Every topic's decision on every paper."""
    scores = ranker.scores(papers, topics, examples) if papers else np.zeros((0, len(topics)))
    return [[decide_one(keyword_verdict(p, t), t, scores[i, j], ranker, mode)
             for j, t in enumerate(topics)] for i, p in enumerate(papers)]


def best(decisions: list[TopicDecision]) -> TopicDecision | None:
    """The kept topic a paper is listed under: keyword matches first, then score."""
    kept = [d for d in decisions if d.kept]
    return max(kept, key=lambda d: (d.kept_by == "keywords", d.score)) if kept else None


def select(papers: list[Paper], topics: list[TopicConfig], ranker: Ranker,
           examples: dict[str, Paper] | None = None) -> list[tuple[Paper, list[KeywordHit], list[TopicDecision]]]:
    """The kept papers, grouped by best topic and ordered by score within it."""
    kept = []
    for paper, decisions in zip(papers, decide(papers, topics, ranker, examples)):
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
