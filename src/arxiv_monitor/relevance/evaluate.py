"""``arxiv-monitor eval relevance``: precision, recall and F1 on labelled papers.

* By mode: the keyword rules alone, the ranker's calibrated probability alone,
  and the two combined (what a run does).
* ``--cv K``: K-fold cross-validation of a topic's own calibration: trained on
  the labels of K-1 folds (as ratings would train it), measured on the last.
* ``--sweep``: the combined figures over probability cut-offs, to choose one.
* ``--fit-prior``: the prior (the topic-agnostic weights that turn a similarity and keyword
  evidence into a probability) fitted for the ranker's model on the labels, every topic
  pooled, with its K-fold figures (fitted on K-1 folds, measured on the last); the store keeps
  it for every later run with that model (the shipped prior was fitted with the bundled one).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import Paper
from arxiv_monitor.core.topics import TopicConfig
from arxiv_monitor.relevance import calibrate
from arxiv_monitor.relevance import decide as relevance

SWEEP = [round(0.1 * k, 1) for k in range(1, 10)]


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


def check_topics(records: list[Labelled], topics: list[TopicConfig], path: Path
                 ) -> tuple[list[TopicConfig], list[str]]:
    """The configured topics the label file labels, and warnings about the others; stop when
    there are none (every figure would be 0)."""
    labelled = sorted({k for r in records for k in r.labels})
    configured = [t.id for t in topics]
    if not set(labelled) & set(configured):
        raise MonitorError(f"{path} labels the topics {', '.join(labelled) or '(none)'}, but the "
                           f"configured topics are {', '.join(configured)}: every figure would be 0. "
                           "Use a config whose [[topics]] ids match the labels.")
    warnings = []
    if extra := [t for t in configured if t not in labelled]:
        warnings.append(f"{path} has no labels for {', '.join(extra)}: not evaluated")
    if unknown := [t for t in labelled if t not in configured]:
        warnings.append(f"{path} labels {', '.join(unknown)}, which the config does not define: not evaluated")
    return [t for t in topics if t.id in labelled], warnings


def prf(pred: list[bool], gold: list[int]) -> dict[str, float]:
    """Precision, recall, F1 and the confusion counts."""
    tp = sum(bool(p) and bool(g) for p, g in zip(pred, gold))
    fp = sum(bool(p) and not g for p, g in zip(pred, gold))
    fn = sum(bool(g) and not p for p, g in zip(pred, gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}


def _kept(decisions: list[list], j: int) -> list[bool]:
    return [row[j].kept for row in decisions]


PRIOR_FOLDS = 5


def evaluate(records: list[Labelled], ctx: relevance.Context, cv: int = 0, sweep: bool = False,
             evidence: Evidence | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Figures per topic and mode (``keywords``, ``semantic``, ``combined``; ``cv``, ``cutoff
    0.x`` rows when asked, and with the topics' ``evidence`` (``prior_evidence``) the
    cross-validated fitted prior's). The label file's papers are their own background."""
    papers = [r.paper for r in records]
    ctx.background = []
    fitted = cross_validate_prior(papers, ctx, evidence, PRIOR_FOLDS) if evidence is not None else {}
    modes = ["keywords"] if ctx.ranker.kind == "keywords" else ["keywords", "semantic", "combined"]
    runs = {mode: relevance.decide(papers, ctx, mode) for mode in modes}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for j, topic in enumerate(ctx.topics):
        gold = [r.labels.get(topic.id, 0) for r in records]
        out[topic.id] = {mode: prf(_kept(runs[mode], j), gold) for mode in modes}
        if sweep and ctx.ranker.kind != "keywords":
            for cut in SWEEP:
                one = ctx.only(topic.model_copy(update={"cutoff": cut}))
                out[topic.id][f"cutoff {cut}"] = prf(_kept(relevance.decide(papers, one), 0), gold)
        if cv and ctx.ranker.kind != "keywords":
            out[topic.id][f"cv {cv}-fold"] = prf(cross_validate(papers, gold, ctx, topic, cv), gold)
        if topic.id in fitted:
            out[topic.id][f"fitted prior, {PRIOR_FOLDS}-fold"] = prf(fitted[topic.id], gold)
    return out


MIN_LABELS = 10  # of each kind (relevant, not), pooled over the topics, to fit a prior
Evidence = list[tuple[np.ndarray, np.ndarray]]  # each topic's evidence matrix and labels


def prior_evidence(records: list[Labelled], ctx: relevance.Context) -> Evidence:
    """Each topic's evidence matrix (the labelled papers their own background) and labels."""
    papers = [r.paper for r in records]
    return [(relevance.topic_features(ctx, t, papers, papers)[0], np.array([r.labels.get(t.id, 0) for r in records]))
            for t in ctx.topics]


def fit_prior(evidence: Evidence, where: str = "the label file") -> dict:
    """Prior weights for the context's ranker (``calibrate.fit_prior``) from the labelled
    papers' evidence for every topic, pooled."""
    return _fitted(evidence, np.arange(len(evidence[0][1]) if evidence else 0), where)


def cross_validate_prior(papers: list[Paper], ctx: relevance.Context, evidence: Evidence,
                         folds: int) -> dict[str, list[bool]]:
    """Kept or not, for each paper and topic, with a prior fitted on the other folds' labels
    (every topic pooled): what ``--fit-prior`` gives papers it was not fitted on."""
    fold = np.random.RandomState(0).permutation(len(papers)) % folds
    kept = {t.id: [False] * len(papers) for t in ctx.topics}
    for k in range(folds):
        prior = _fitted(evidence, np.where(fold != k)[0], "a fold of the label file")
        decisions = relevance.decide(papers, dataclasses.replace(ctx, prior=prior))
        for j, topic in enumerate(ctx.topics):
            for i in np.where(fold == k)[0]:
                kept[topic.id][i] = decisions[i][j].kept
    return kept


def _fitted(evidence: Evidence, rows: np.ndarray, where: str) -> dict:
    X = np.vstack([x[rows] for x, _ in evidence])
    y = np.concatenate([labels[rows] for _, labels in evidence]).tolist()
    if min(sum(y), len(y) - sum(y)) < MIN_LABELS:
        raise MonitorError(f"{where} has {sum(y)} relevant and {len(y) - sum(y)} other labels for the configured "
                           f"topics: fitting a prior needs at least {MIN_LABELS} of each")
    return calibrate.fit_prior(X, y)


def cross_validate(papers: list[Paper], gold: list[int], ctx: relevance.Context, topic: TopicConfig,
                   folds: int) -> list[bool]:
    """Kept or not, for each paper, by a calibration trained on the other folds' labels."""
    one = ctx.only(topic, background=list(papers), calibrations={})
    feats = relevance.topic_features(ctx, topic, papers, papers)[0]
    embeddings = ctx.ranker.embed_papers(papers) if ctx.ranker.kind != "keywords" else None
    fold = np.random.RandomState(0).permutation(len(papers)) % folds
    kept = [False] * len(papers)
    y = np.asarray(gold)
    for k in range(folds):
        train, test = np.where(fold != k)[0], np.where(fold == k)[0]
        if len(set(y[train])) < 2:
            continue
        trained = calibrate.fit(feats[train], y[train].tolist(), embeddings[train] if embeddings is not None else None)
        one.calibrations = {topic.id: trained}
        for i, row in zip(test, relevance.decide([papers[i] for i in test], one)):
            kept[i] = row[0].kept
    return kept
