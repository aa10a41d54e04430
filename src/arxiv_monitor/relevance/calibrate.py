"""Calibrated relevance: the probability that a paper is relevant to a topic.

A raw cosine similarity means different things for different topics (0.45 is
high for one, low for another), so it is turned into evidence that means the
same thing for every topic, fitted per topic without labels:

* ``u``, the similarity normalised by the topic's own scale: 0 at the mean
  score of the background (the day's papers and the papers seen before), 1 at
  the typical score of the papers the topic's keywords name in their titles
  (its strong positives; without enough of them, its example papers and
  description lines, the papers its keywords name anywhere, or two standard
  deviations above the background);
* the keyword evidence: a keyword in the title, one only in the abstract, a
  weak (``kw@x``) keyword, an author.

A logistic model turns that evidence into a probability. Its topic-agnostic
weights (``prior``) were fitted once on the labelled dev set, pooled over
both default topics, and are the same for every topic; with enough labels
(the user's ratings, or the labelled set shipped for the default topics) a
topic gets its own model, trained on the paper embeddings and the same
evidence (``fit``). The default decision is "probability ≥ 0.5"; a topic's
``cutoff`` overrides it.

The user's ratings move a topic's calibration from the first one (``tune``):
the calibration's log-odds stay as a fixed offset, and a weight per direction
in which the topic's closest papers differ (``Neighbourhood``; plus, once both
kinds are rated, a bias) is fitted on the ratings with an L2 prior that holds
it near zero, so one rating moves the papers like it a little and many ratings
move the topic as far as they agree.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from arxiv_monitor.core.models import KeywordVerdict
from arxiv_monitor.core.topics import split_floor

MIN_ANCHORS = 5
SPREAD = 2.0  # a topic with nothing to anchor its scale on (one description line, no keyword hit): the
# typical relevant paper this many SDs above the background. On the dev set, four such topics got mean
# F1 0.154 at 3, 0.465 at 2, 0.578 at 1.5; but its topics are 6-11 % of the papers and a real day's
# about 1 %, where 1.5 would keep about 7 % of a day for a niche topic, 2 about 2 %.


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    """``data/relevance-calibration.json``, written by ``bench/relevance_fit.py`` from the labelled set."""
    path = resources.files("arxiv_monitor.relevance").joinpath("data", "relevance-calibration.json")
    return json.loads(path.read_text("utf-8"))


def prior(kind: str = "semantic", coverage: float = 1.0, fitted: dict[str, Any] | None = None) -> Calibration:
    """The topic-agnostic calibration for a ranker kind, for a topic whose keywords name
    ``coverage`` of the papers its similarity ranks high: the ``fitted`` weights (``fit_prior``
    on the user's labels, for their model), else the shipped ones (both default topics pooled,
    with the bundled model)."""
    weights = fitted or _shipped()["prior"].get(kind) or _shipped()["prior"]["semantic"]
    alone = weights["similarity"]
    return Calibration("fitted" if fitted else "prior", list(weights["coef"]), float(weights["intercept"]),
                       similarity=[float(alone["coef"]), float(alone["intercept"])], coverage=coverage)


def fit_prior(features: np.ndarray, labels: list[int]) -> dict[str, Any]:
    """Prior weights from labelled evidence (every topic's rows pooled): the model of all the
    evidence and the model of the similarity alone (``prior`` blends them by coverage)."""
    X = np.asarray(features, dtype=float)
    full, alone = fit(X, labels), fit(X[:, :1], labels)
    return {"coef": [round(c, 4) for c in full.coef], "intercept": round(full.intercept, 4),
            "similarity": {"coef": round(alone.coef[0], 4), "intercept": round(alone.intercept, 4)}}


def shipped_model() -> str:
    """The embedding model the shipped prior and topic calibrations were fitted with."""
    return str(_shipped().get("model", ""))


@dataclass
class Scale:
    """A topic's similarity scale: the background mean and the strong-positive anchor, and
    how much of what the similarity ranks high its keywords name."""

    mean: float
    anchor: float
    source: str  # where the anchor came from: "title keywords", "examples", "keywords", "spread"
    coverage: float = 1.0  # of the papers at or above the anchor, the share a keyword names

    def u(self, scores: np.ndarray) -> np.ndarray:
        return (np.asarray(scores) - self.mean) / max(self.anchor - self.mean, 1e-3)


def scale(background: np.ndarray, strong: np.ndarray, prototype_scores: np.ndarray | None = None,
          named: np.ndarray | None = None) -> Scale:
    """The scale of one topic from its background scores and the scores of its strong positives
    (title keyword hits); with too few of those, ``prototype_scores`` (examples, description
    lines, each against the others), else ``named`` (the papers a keyword names anywhere), else
    ``SPREAD`` standard deviations above the background. (For a topic whose keywords seldom
    name a paper and whose description is one line, the last one kept a tenth of what the
    keyword anchor keeps: recall 0.06 against 0.69 on the dev set.)"""
    background = np.asarray(background, dtype=float)
    mean = float(background.mean()) if background.size else 0.0
    spread = float(background.std()) if background.size > 1 else 0.1
    if np.asarray(strong).size >= MIN_ANCHORS:
        return Scale(mean, float(np.median(strong)), "title keywords")
    if prototype_scores is not None and np.asarray(prototype_scores).size:
        return Scale(mean, max(float(np.median(prototype_scores)), mean + spread), "examples")
    if named is not None and np.asarray(named).size >= MIN_ANCHORS:
        return Scale(mean, max(float(np.median(named)), mean + spread), "keywords")
    return Scale(mean, mean + SPREAD * spread, "spread")


def coverage(topic_scale: Scale, scores: np.ndarray, named: np.ndarray) -> float:
    """Of the papers the similarity puts at or above the anchor, the share a keyword names
    (``named``: a keyword in the title or abstract); 0 when none is that close."""
    close = topic_scale.u(scores) >= 1.0
    return float(np.asarray(named)[close].mean()) if close.any() else 0.0


def evidence(verdict: KeywordVerdict) -> list[float]:
    """The keyword features of one decision (a vetoed or incomplete match counts nothing)."""
    if verdict.none_hits or verdict.missing_all or not verdict.category_ok or not (verdict.hits or
                                                                                   verdict.author_hits):
        return [0.0, 0.0, 0.0, 0.0]
    strong = [h for h in verdict.hits if split_floor(h.keyword)[1] is None]
    weak = [h for h in verdict.hits if split_floor(h.keyword)[1] is not None]
    title = any(h.field == "title" for h in strong)
    return [float(title), float(bool(strong) and not title), float(bool(weak)), float(bool(verdict.author_hits))]


def evidence_matrix(verdicts: list[KeywordVerdict]) -> np.ndarray:
    """``evidence`` of many verdicts, one row each (a verdict that names nothing is all zeros)."""
    out = np.zeros((len(verdicts), 4))
    for i, verdict in enumerate(verdicts):
        if verdict.hits or verdict.author_hits:
            out[i] = evidence(verdict)
    return out


@dataclass
class Calibration:
    """A topic's probability model: the prior's weights, or its own (with embedding weights)."""

    kind: str  # "prior" (topic-agnostic, shipped), "fitted" (a prior fitted for the user's model),
    # "shipped" (a default topic's, from the labelled set) or "ratings"
    coef: list[float]
    intercept: float
    embedding_coef: list[float] = field(default_factory=list)  # trained only
    labels: int = 0  # labels it was trained on
    similarity: list[float] = field(default_factory=list)  # prior only: (coef, intercept) of u alone
    coverage: float = 1.0  # prior only: the weight of the full model against similarity alone
    tuned: list[float] = field(default_factory=list)  # the ratings' embedding weights (``tune``)
    tuned_bias: float = 0.0  # and their shift of the log-odds (0 until both kinds are rated)

    def probability(self, features: np.ndarray, embeddings: np.ndarray | None = None) -> np.ndarray:
        """P(relevant). The prior blends its model of all the evidence with its model of the
        similarity alone, by the topic's keyword coverage: a topic whose keywords name few of
        its close papers (or that has none) is decided more by similarity."""
        X = np.asarray(features, dtype=float)
        z = X @ np.asarray(self.coef) + self.intercept
        if self.embedding_coef and embeddings is not None and embeddings.shape[0]:
            z = z + np.asarray(embeddings @ np.asarray(self.embedding_coef)).ravel()
        p = _sigmoid(z)
        if self.similarity and self.coverage < 1.0:
            alone = _sigmoid(X[:, 0] * self.similarity[0] + self.similarity[1])
            p = self.coverage * p + (1 - self.coverage) * alone
        if self.tuned and embeddings is not None and embeddings.shape[0]:
            p = _sigmoid(_logit(p) + np.asarray(embeddings @ np.asarray(self.tuned)).ravel() + self.tuned_bias)
        return p

    def untuned(self) -> Calibration:
        """The calibration as it was before any rating moved it."""
        return dataclasses.replace(self, tuned=[], tuned_bias=0.0, labels=0 if self.tuned else self.labels)

    @property
    def embedded(self) -> bool:
        """Whether its probability needs the papers' embeddings."""
        return bool(self.embedding_coef or self.tuned)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fit(features: np.ndarray, labels: list[int], embeddings: np.ndarray | None = None,
        c: float | None = None, balanced: bool = False) -> Calibration:
    """A topic's own model from labels (ratings): logistic regression on the evidence and,
    when given, the paper embeddings (L2-regularised with inverse strength ``c``)."""
    from sklearn.linear_model import LogisticRegression

    X: Any = np.asarray(features, dtype=float)
    if embeddings is not None:  # dense (sentence embeddings) or sparse (hashed TF-IDF words)
        from scipy import sparse

        X = sparse.hstack([sparse.csr_matrix(X), embeddings]).tocsr() if sparse.issparse(embeddings) \
            else np.hstack([X, np.asarray(embeddings, dtype=float)])
    c = c if c is not None else (3.0 if embeddings is not None else 1.0)  # as cross-validated on the dev set
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if balanced else None).fit(X, labels)
    coef = model.coef_[0].tolist()
    k = np.asarray(features).shape[1]
    return Calibration("ratings", coef[:k], float(model.intercept_[0]), coef[k:] if embeddings is not None else [],
                       len(labels))


STRENGTH = 0.1  # the L2 prior on the ratings' weights in the neighbourhood's directions (dev learning curve)
DIRECTIONS = 30  # how many of those directions, the widest first (dev learning curve: 20-50 alike)
FLAT_STRENGTH = 0.015  # without a neighbourhood (no papers seen), per embedding dimension
BIAS_STRENGTH = 0.5  # and on their bias


@dataclass
class Neighbourhood:
    """The papers closest to a topic, as its ratings' prior sees them: their mean embedding
    and their widest directions of difference (principal components, from their Gram matrix,
    so sparse hashed words work as dense embeddings do), each scaled by its spread. A rating
    then moves a paper by how it differs from the topic's field along the ways the field's
    papers differ (sub-areas), not along directions none of them vary in."""

    papers: Any  # their embeddings, n × d (dense or sparse)
    center: np.ndarray  # d
    mix: np.ndarray  # n × k: a paper's coordinates are ((x - center) · (papers - center)ᵀ) @ mix

    @classmethod
    def of(cls, embeddings: Any, k: int | None = None) -> Neighbourhood | None:
        E = embeddings
        if E.shape[0] < 2:  # one paper has no direction to differ in
            return None
        center = np.asarray(E.mean(axis=0), dtype=float).ravel()
        G = E @ E.T
        G = np.asarray(G.toarray() if hasattr(G, "toarray") else G, dtype=float)
        Ec = np.asarray(E @ center, dtype=float).ravel()
        gram = G - Ec[:, None] - Ec[None, :] + float(center @ center)
        values, vectors = np.linalg.eigh(gram)
        keep = np.argsort(-values)[:k or DIRECTIONS]
        keep = keep[values[keep] > 1e-9 * max(float(values.max()), 1e-12)]
        if not keep.size:
            return None
        values, vectors = values[keep], vectors[:, keep]
        spread = np.sqrt(values / values.mean())  # each direction's share of the field's spread
        return cls(E, center, vectors * (spread / np.sqrt(values)))

    def coordinates(self, X: Any) -> np.ndarray:
        """Papers' coordinates in the neighbourhood's scaled directions, n × k."""
        cross = X @ self.papers.T
        cross = np.asarray(cross.toarray() if hasattr(cross, "toarray") else cross, dtype=float)
        xc = np.asarray(X @ self.center, dtype=float).ravel()
        ec = np.asarray(self.papers @ self.center, dtype=float).ravel()
        centred = cross - xc[:, None] - ec[None, :] + float(self.center @ self.center)
        return centred @ self.mix

    def weights(self, v: np.ndarray) -> tuple[np.ndarray, float]:
        """The embedding weights and bias of coordinate weights ``v``: x·w + bias = coordinates(x)·v."""
        y = self.mix @ v
        w = np.asarray(self.papers.T @ y, dtype=float).ravel() - self.center * float(y.sum())
        return w, -float(self.center @ w)


def tune(base: Calibration, features: np.ndarray, embeddings: Any, labels: list[int],
         neighbourhood: Neighbourhood | None = None, strength: float | None = None) -> Calibration:
    """``base`` moved by ratings (``labels`` 1 good, 0 bad, of papers with these ``features``
    and ``embeddings``): the base log-odds are a fixed offset; the ratings fit a weight per
    direction of the topic's ``neighbourhood`` (without one, per embedding dimension), held
    near zero by an L2 prior of ``strength``, and a bias once both kinds are rated (a single
    kind says which papers are near, not where the cut-off lies). A paper is measured from the
    neighbourhood's mean: a bad rating then moves down the papers like it, not every paper of
    the field it shares with the good ones."""
    from scipy.optimize import minimize

    y = np.asarray(labels, dtype=float)
    if not y.size:
        return base
    strength = strength if strength is not None else STRENGTH if neighbourhood else FLAT_STRENGTH
    offset = _logit(base.untuned().probability(features, embeddings if base.embedding_coef else None))
    X = neighbourhood.coordinates(embeddings) if neighbourhood else embeddings
    both = 0 < y.sum() < y.size
    d = X.shape[1]

    def loss(wb: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = wb[:d], (wb[d] if both else 0.0)
        p = _sigmoid(offset + np.asarray(X @ w).ravel() + b)
        g = p - y
        value = -float(np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        value += strength * float(w @ w) + BIAS_STRENGTH * b * b
        grad = np.asarray(X.T @ g).ravel() + 2 * strength * w
        return value, np.concatenate([grad, [g.sum() + 2 * BIAS_STRENGTH * b] if both else []])
    found = minimize(loss, np.zeros(d + int(both)), jac=True, method="L-BFGS-B").x
    w, bias = found[:d], (float(found[d]) if both else 0.0)
    if neighbourhood:  # kept as x·w + bias
        w, shift = neighbourhood.weights(w)
        bias += shift
    return dataclasses.replace(base, tuned=w.tolist(), tuned_bias=bias, labels=int(y.size))


def shipped(topic_id: str, signature: str, model: str) -> Calibration | None:
    """The calibration shipped for a default topic (trained on its labelled set), when the
    topic is unchanged and ranked with the model it was trained for."""
    data = _shipped()
    entry = data.get("topics", {}).get(topic_id)
    if not entry or entry.get("signature") != signature or data.get("model") != model:
        return None
    return Calibration(**{**entry["calibration"], "kind": "shipped"})


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))
