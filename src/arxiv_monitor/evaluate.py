"""``arxiv-monitor eval relevance``: precision, recall and F1 on labelled papers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import MonitorError
from .models import Paper
from .rank import Ranker
from .relevance import decide_one
from .topics import TopicConfig, keyword_verdict


@dataclass
class Labelled:
    """One labelled paper: 0/1 per topic id."""

    paper: Paper
    labels: dict[str, int]


def load_labels(path: Path) -> list[Labelled]:
    """LABELS.jsonl: one paper a line, with id, title, abstract, categories and labels."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise MonitorError(f"Cannot read the label file {path}: {exc.strerror}") from None
    records = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            paper = Paper(str(data["id"]), 1, data["title"], " ".join(data.get("abstract", "").split()),
                          data.get("authors", []), data.get("categories", []))
            labels = {k: int(v) for k, v in data.get("labels", {}).items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MonitorError(f"{path} line {n}: not a labelled paper ({exc}); each line needs "
                               "id, title, abstract, categories and labels") from None
        records.append(Labelled(paper, labels))
    return records


def check_topics(records: list[Labelled], topics: list[TopicConfig], path: Path) -> None:
    """Stop when the label file's topics and the configured topics do not overlap."""
    labelled = sorted({k for r in records for k in r.labels})
    configured = [t.id for t in topics]
    if not set(labelled) & set(configured):
        raise MonitorError(f"{path} labels the topics {', '.join(labelled) or '(none)'}, but the "
                           f"configured topics are {', '.join(configured)}: every figure would be 0. "
                           "Use a config whose [[topics]] ids match the labels.")


def prf(pred: list[bool], gold: list[int]) -> dict[str, float]:
    """Precision, recall, F1 and the confusion counts."""
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(records: list[Labelled], topics: list[TopicConfig],
             ranker: Ranker) -> dict[str, dict[str, dict[str, float]]]:
    """Precision, recall and F1 per topic, for keywords only, the ranker only, and combined."""
    papers = [r.paper for r in records]
    scores = ranker.scores(papers, topics)
    verdicts = [[keyword_verdict(p, t) for t in topics] for p in papers]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for j, topic in enumerate(topics):
        gold = [r.labels.get(topic.id, 0) for r in records]
        out[topic.id] = {}
        for mode in ("keywords", "semantic", "combined"):
            if mode != "keywords" and ranker.kind == "keywords":
                continue
            pred = [decide_one(verdicts[i][j], topic, scores[i, j], ranker, mode).kept
                    for i in range(len(papers))]
            out[topic.id][mode] = prf(pred, gold)
    return out
