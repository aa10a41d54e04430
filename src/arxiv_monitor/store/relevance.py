"""What relevance keeps: embeddings, the user's ratings, the topics' libraries and the priors
fitted for a model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.store.migrations import now


class Embeddings:
    """The ``embeddings`` table: vectors per (key, model), so nothing is embedded twice."""

    def __init__(self, db: Any):
        self.db = db

    def cached_vectors(self, keys: list[str], model: str) -> dict[str, Any]:
        """The stored vectors (numpy float32) of ``keys`` for ``model``; missing keys are absent."""
        import numpy as np

        out = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self.db.execute(
                    f"SELECT key, vector FROM embeddings WHERE model=? AND key IN ({marks})", [model, *chunk]):
                out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def count(self, model: str | None = None, papers_only: bool = False) -> int:
        """Stored vectors (of one model; only papers', not the topics' prototype lines)."""
        sql, args = "SELECT COUNT(*) FROM embeddings WHERE 1=1", []
        if model:
            sql, args = sql + " AND model=?", [model]
        if papers_only:
            sql += " AND key NOT LIKE 'proto:%'"
        return int(self.db.execute(sql, args).fetchone()[0])

    def save_vectors(self, vectors: dict[str, Any], model: str) -> None:
        import numpy as np

        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?)",
                                [(k, model, np.asarray(v, dtype=np.float32).tobytes())
                                 for k, v in vectors.items()])


@dataclass
class Rating:
    """A user's rating of a paper for a topic."""

    paper_id: str
    topic: str
    good: bool


class Ratings:
    """The ``ratings`` table: the user's good/bad ratings per paper and topic.

    A lab user's ratings of the lab's shared topics (``shared``) are also kept in
    ``lab_ratings``, with every other member's: those topics learn from them all (``all``
    with a topic, ``latest``), while the user's reading list and ratings stay their own."""

    def __init__(self, db: Any, login: str | None = None, shared: frozenset[str] = frozenset()):
        self.db, self.login, self.shared = db, login, shared

    def set(self, paper_id: str, topic: str, good: bool) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO ratings VALUES (?,?,?,?)",
                            (paper_id, topic, 1 if good else 0, now()))
            if topic in self.shared:
                self.db.execute("INSERT OR REPLACE INTO lab_ratings VALUES (?,?,?,?,?)",
                                (self.login, paper_id, topic, 1 if good else 0, now()))

    def clear(self, paper_id: str, topic: str) -> bool:
        """Remove a rating; True when there was one."""
        with self.db:
            cur = self.db.execute("DELETE FROM ratings WHERE paper_id=? AND topic=?", (paper_id, topic))
            if topic in self.shared:
                self.db.execute("DELETE FROM lab_ratings WHERE login=? AND paper_id=? AND topic=?",
                                (self.login, paper_id, topic))
        return cur.rowcount > 0

    def latest(self) -> str:
        """A fingerprint of the ratings: their count and the time of the last one."""
        row = self.db.execute("SELECT COUNT(*), MAX(created_at), SUM(rating) FROM ratings").fetchone()
        mine = f"{row[0]}:{row[1] or ''}:{row[2] or 0}"
        if not self.shared:
            return mine
        lab = self.db.execute("SELECT COUNT(*), MAX(created_at), SUM(rating) FROM lab_ratings").fetchone()
        return f"{mine}/{lab[0]}:{lab[1] or ''}:{lab[2] or 0}"

    def all(self, topic: str | None = None) -> list[Rating]:
        """The ratings (of one topic): a lab topic's by every member, the latest of each paper."""
        if topic in self.shared:
            rows = self.db.execute("SELECT paper_id, topic, rating, created_at FROM lab_ratings WHERE topic=? "
                                   "ORDER BY created_at", (topic,)).fetchall()
            latest = {r[0]: r for r in rows}  # a paper two members rated: the later rating
            return [Rating(r[0], r[1], bool(r[2])) for r in sorted(latest.values(), key=lambda r: r[3])]
        sql, args = "SELECT paper_id, topic, rating FROM ratings", ()
        if topic:
            sql, args = sql + " WHERE topic=?", (topic,)
        return [Rating(r[0], r[1], bool(r[2])) for r in self.db.execute(sql + " ORDER BY created_at", args)]

    def good(self) -> list[str]:
        """The papers rated good for some topic, the latest rating first."""
        return [r[0] for r in self.db.execute(
            "SELECT paper_id FROM ratings WHERE rating=1 GROUP BY paper_id ORDER BY MAX(created_at) DESC")]

    def of_paper(self, paper_id: str) -> dict[str, bool]:
        """The paper's ratings by topic id."""
        return {r[0]: bool(r[1]) for r in
                self.db.execute("SELECT topic, rating FROM ratings WHERE paper_id=?", (paper_id,))}


class Libraries:
    """The ``libraries`` table: each topic library's resolved items (JSON), newest first."""

    def __init__(self, db: Any):
        self.db = db

    def get(self, source: str) -> tuple[list[dict[str, Any]], int, str] | None:
        """(items, items skipped for want of an abstract, when it was read), or None."""
        row = self.db.execute("SELECT items, skipped, fetched_at FROM libraries WHERE source=?",
                              (source,)).fetchone()
        return (json.loads(row["items"]), row["skipped"], row["fetched_at"]) if row else None

    def sources(self) -> list[str]:
        """The libraries stored, by name."""
        return [r[0] for r in self.db.execute("SELECT source FROM libraries ORDER BY source")]

    def save(self, source: str, items: list[dict[str, Any]], skipped: int) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO libraries VALUES (?,?,?,?)",
                            (source, json.dumps(items, ensure_ascii=False), skipped, now()))


class Priors:
    """The ``priors`` table: a ranker model's relevance prior, fitted on the user's labels (a
    model the shipped prior was not fitted for), by ranker name."""

    def __init__(self, db: Any):
        self.db = db

    def get(self, ranker: str) -> tuple[dict[str, Any], str, str] | None:
        """(the weights, the label file they were fitted on, when), or None."""
        row = self.db.execute("SELECT weights, source, fitted_at FROM priors WHERE ranker=?", (ranker,)).fetchone()
        return (json.loads(row["weights"]), row["source"], row["fitted_at"]) if row else None

    def save(self, ranker: str, weights: dict[str, Any], source: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO priors VALUES (?,?,?,?)",
                            (ranker, json.dumps(weights), source, now()))

    def forget(self, ranker: str) -> bool:
        """Go back to the shipped prior; True when there was a fitted one."""
        with self.db:
            return self.db.execute("DELETE FROM priors WHERE ranker=?", (ranker,)).rowcount > 0
