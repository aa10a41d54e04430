"""How fast a topic learns from ratings: F1 after 0, 5, 10, 20 and 40 ratings per topic.

    .venv/bin/python bench/learning_curve.py [--labels LABELS.jsonl] [--config TOPICS.toml] [--splits 24]

Starts from the zero-configuration topics (``bench/zero_config_topics.toml``: a name, a
paragraph and a few keywords, written without the labels) and the bundled embedding model.
The labelled papers are split in halves: a user rates papers of the first half, F1 is measured
on the second. Two users per topic:

* **asked**: rates the papers the tool asks about (``feedback.ask``, as ``arxiv-monitor tune``
  and the reading room's "help me tune" view show them), five at a time;
* **random**: rates papers of the first half in random order, five at a time.

Each rating is the label, stored with ``store.ratings.set`` in a real store, and every figure
comes from the code a run decides with (``feedback.context`` and ``decide``). The figures are
averaged over ``--splits`` random halvings. The last column, **all**, is the ceiling of this
way of learning: every paper of the first half rated (about 800 ratings).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arxiv_monitor.core.config import load_config  # noqa: E402
from arxiv_monitor.relevance import evaluate, feedback  # noqa: E402
from arxiv_monitor.relevance.decide import decide  # noqa: E402
from arxiv_monitor.relevance.rank import make_ranker  # noqa: E402
from arxiv_monitor.store import Store  # noqa: E402

STEPS = [0, 5, 10, 20, 40]
ROUND = 1  # the reading room asks again after each rating


class Vectors:
    """The embedding cache a store gives a ranker, in memory: each paper is embedded once."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], object] = {}

    def cached_vectors(self, keys: list[str], model: str) -> dict[str, object]:
        return {k: v for k in keys if (v := self.known.get((k, model))) is not None}

    def save_vectors(self, vectors: dict[str, object], model: str) -> None:
        self.known.update({(k, model): v for k, v in vectors.items()})


def f1(config, store, ranker, test, gold, topic_id: str) -> float:
    """F1 on the measured half, decided as a run decides with the ratings stored so far."""
    ctx = feedback.context(config, store, ranker, batch=[r.paper for r in test])
    ti = next(j for j, t in enumerate(ctx.topics) if t.id == topic_id)
    return evaluate.prf([d[ti].kept for d in decide([r.paper for r in test], ctx)], gold)["f1"]


def halves(records, topic_id: str, rng: random.Random):
    """The rated half, the measured half, the labels and the measured half's gold labels."""
    index = list(range(len(records)))
    rng.shuffle(index)
    pool = [records[i] for i in index[: len(index) // 2]]
    test = [records[i] for i in index[len(index) // 2:]]
    label = {r.paper.id: r.labels.get(topic_id, 0) for r in records}
    return pool, test, label, [label[r.paper.id] for r in test]


def ceiling(config, ranker, records, topic_id: str, seed: int) -> float:
    """F1 on the measured half with every paper of the rated half rated."""
    pool, test, label, gold = halves(records, topic_id, random.Random(seed))
    with tempfile.TemporaryDirectory() as home:
        store = Store(Path(home) / "db.sqlite3")
        store.papers.save([r.paper for r in records])
        for r in pool:
            store.ratings.set(r.paper.id, topic_id, bool(label[r.paper.id]))
        found = f1(config, store, ranker, test, gold, topic_id)
        store.close()
    return found


def curve(config, ranker, records, topic_id: str, order: str, seed: int) -> list[float]:
    """F1 on the measured half after each step of ratings, for one topic and one user."""
    rng = random.Random(seed)
    pool, test, label, gold = halves(records, topic_id, rng)
    with tempfile.TemporaryDirectory() as home:
        store = Store(Path(home) / "db.sqlite3")
        store.papers.save([r.paper for r in records])
        candidates = [r.paper for r in pool]
        rated: list = []
        out = []
        while True:
            if len(rated) in STEPS:
                out.append(f1(config, store, ranker, test, gold, topic_id))
            if len(rated) >= STEPS[-1]:
                break
            ctx = feedback.context(config, store, ranker, batch=[r.paper for r in test])
            if order == "asked":
                chosen = [q.paper for q in feedback.ask(ctx, topic_id, candidates, rated, ROUND)]
            else:
                done = {p.id for p in rated}
                left = [p for p in candidates if p.id not in done
                        and not feedback.relevance.sure_keeps([p], [t for t in ctx.topics if t.id == topic_id])]
                chosen = rng.sample(left, ROUND)
            for paper in chosen:
                store.ratings.set(paper.id, topic_id, bool(label[paper.id]))
            rated += chosen
        store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=Path, default=ROOT.parent / "shared" / "data" / "relevance" / "dev.jsonl")
    ap.add_argument("--config", type=Path, default=ROOT / "bench" / "zero_config_topics.toml")
    ap.add_argument("--splits", type=int, default=24)
    ap.add_argument("--topic", action="append", help="only this topic (repeatable)")
    args = ap.parse_args()
    config = load_config(args.config)
    records = evaluate.load_labels(args.labels)
    topics, _ = evaluate.check_topics(records, config.topic_list, args.labels)
    config = config.model_copy(update={"topics": topics})
    ranker = make_ranker(config, Vectors())
    started = time.perf_counter()
    ranker.embed_papers([r.paper for r in records])  # once, cached for every step
    print(f"{len(records)} labelled papers ({args.labels.name}), topics from {args.config.name}, "
          f"ranker {ranker.name}; F1 on the other half after N ratings, mean of {args.splits} splits")
    print(f"{'topic':11} {'order':7} " + " ".join(f"{n:>6}" for n in STEPS) + f" {'all':>6}")
    for topic in [t for t in topics if not args.topic or t.id in args.topic]:
        top = sum(ceiling(config, ranker, records, topic.id, seed) for seed in range(args.splits)) / args.splits
        for order in ("asked", "random"):
            runs = [curve(config, ranker, records, topic.id, order, seed) for seed in range(args.splits)]
            mean = [sum(r[k] for r in runs) / len(runs) for k in range(len(STEPS))]
            print(f"{topic.id:11} {order:7} " + " ".join(f"{v:6.3f}" for v in mean) + f" {top:6.3f}", flush=True)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
