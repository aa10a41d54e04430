"""Fit the relevance calibrations shipped with the package, from a labelled set.

    .venv/bin/python bench/relevance_fit.py ../shared/data/relevance/dev.jsonl

Writes ``src/arxiv_monitor/data/relevance-calibration.json``:

* ``prior[kind]`` (kind: semantic, tfidf): the topic-agnostic weights of the
  evidence (normalised similarity, title keyword, abstract keyword, weak
  keyword, author), fitted on both default topics pooled, and
  ``prior[kind].similarity``, the weights of the normalised similarity alone;
  every topic without its own calibration blends the two by its keyword
  coverage;
* ``topics[id]``: for each default topic, a calibration of its own, trained on
  the labels with the paper embeddings (semantic ranker, the bundled MiniLM on ONNX Runtime), used
  while the topic is unchanged (its signature) and ranked by that model.

It prints 5-fold cross-validated F1 of both, so the shipped figures are known
before they ship.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arxiv_monitor.core.topics import default_topics  # noqa: E402
from arxiv_monitor.relevance import calibrate  # noqa: E402
from arxiv_monitor.relevance import decide as relevance  # noqa: E402
from arxiv_monitor.relevance.evaluate import load_labels, prf  # noqa: E402
from arxiv_monitor.relevance.keywords import keyword_verdict  # noqa: E402
from arxiv_monitor.relevance.rank import SemanticRanker, TfidfRanker  # noqa: E402
from arxiv_monitor.store import Store  # noqa: E402

OUT = ROOT / "src" / "arxiv_monitor" / "relevance" / "data" / "relevance-calibration.json"


def evidence_matrix(ranker, papers, topic):
    ctx = relevance.Context(ranker, [topic], {}, list(papers), {}, ranker.prototype_scores([topic]))
    scores = ranker.scores(papers, [topic])
    scale = relevance.scales(ctx, papers, scores)[0]
    return relevance.features(scale, scores[:, 0], [keyword_verdict(p, topic) for p in papers])


EMBEDDING_C = 3.0  # inverse regularisation of a topic's own model (embeddings); the prior uses 1


def cv_f1(X, y, E=None, folds=5):
    fold = np.random.RandomState(0).permutation(len(y)) % folds
    pred = np.zeros(len(y), dtype=bool)
    for k in range(folds):
        tr, te = fold != k, fold == k
        cal = calibrate.fit(X[tr], y[tr].tolist(), None if E is None else E[tr], c=1.0 if E is None else EMBEDDING_C)
        p = cal.probability(X[te], None if E is None else E[te])
        pred[te] = (p >= 0.5) | (X[te][:, 1] > 0)  # a title keyword always counts
    return prf(pred.tolist(), y.tolist())


def main(labels: Path) -> None:
    records = load_labels(labels)
    papers = [r.paper for r in records]
    topics = default_topics()
    store = Store(Path("/tmp/arxiv-monitor-fit-cache.db"))
    semantic = SemanticRanker("", store.embeddings)
    out = {"model": semantic.model_name, "labels": labels.name, "prior": {}, "topics": {}}
    for kind, ranker in (("semantic", semantic), ("tfidf", TfidfRanker())):
        Xs, ys = [], []
        for topic in topics:
            Xs.append(evidence_matrix(ranker, papers, topic))
            ys.append(np.array([r.labels.get(topic.id, 0) for r in records]))
        X, y = np.vstack(Xs), np.concatenate(ys)
        out["prior"][kind] = calibrate.fit_prior(X, y.tolist())
        for topic, Xt, yt in zip(topics, Xs, ys):
            print(f"{kind:8} {topic.id:10} evidence only, 5-fold CV: {cv_f1(Xt, yt)}")
        if kind == "semantic":
            E = ranker.embed_papers(papers)
            for topic, Xt, yt in zip(topics, Xs, ys):
                print(f"{kind:8} {topic.id:10} own calibration with embeddings (5-fold CV): {cv_f1(Xt, yt, E)}")
                own = calibrate.fit(Xt, yt.tolist(), E, c=EMBEDDING_C)
                own.coef = [round(c, 5) for c in own.coef]
                own.embedding_coef = [round(c, 5) for c in own.embedding_coef]
                out["topics"][topic.id] = {"signature": topic.signature(), "calibration": own.to_dict()}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
