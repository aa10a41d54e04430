"""Bookkeeping: deliveries, embeddings, ratings, runs, LLM endpoints and topic libraries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.store.schema import now


@dataclass
class DeliveryRecord:
    """One (day, target) row of the delivery ledger.

    ``report_key`` and ``parts_sent`` describe the latest attempt; ``sent_key``
    and ``sent_quality`` the last version of the report the target received whole.
    """

    day: str
    target: str
    status: str  # "sent" or "failed"
    error: str | None
    attempts: int
    messages: int
    report_key: str = ""
    parts_sent: int = 0
    sent_key: str = ""
    sent_quality: str = ""


class Deliveries:
    """The ``deliveries`` table: what was sent where, so nothing is sent twice."""

    def __init__(self, db: Any):
        self.db = db

    def status(self, day: str, target: str) -> str | None:
        record = self.record_of(day, target)
        return record.status if record else None

    def record_of(self, day: str, target: str) -> DeliveryRecord | None:
        row = self.db.execute("SELECT * FROM deliveries WHERE day=? AND target=?", (day, target)).fetchone()
        return _delivery(row) if row else None

    def record(self, day: str, target: str, status: str, error: str | None = None, messages: int = 0,
               key: str = "", parts_sent: int = 0, quality: str = "") -> None:
        """Record one attempt to send version ``key`` of a day's report to ``target``.

        ``parts_sent`` messages of that version went through; when ``status`` is
        ``sent`` the target has it whole, with ``quality`` (entries and good analyses).
        """
        sent = status == "sent"
        with self.db:
            self.db.execute(
                """INSERT INTO deliveries (day, target, status, error, attempts, messages, updated_at,
                       report_key, parts_sent, sent_key, sent_quality)
                   VALUES (?,?,?,?,1,?,?,?,?,?,?) ON CONFLICT (day, target) DO UPDATE SET
                   status=excluded.status, error=excluded.error, attempts=attempts+1,
                   messages=excluded.messages, updated_at=excluded.updated_at,
                   report_key=excluded.report_key, parts_sent=excluded.parts_sent,
                   sent_key=CASE WHEN excluded.status='sent' THEN excluded.sent_key ELSE sent_key END,
                   sent_quality=CASE WHEN excluded.status='sent' THEN excluded.sent_quality ELSE sent_quality END""",
                (day, target, status, error, messages, now(), key, parts_sent,
                 key if sent else "", quality if sent else ""))

    def records(self, day: str | None = None) -> list[DeliveryRecord]:
        sql, args = "SELECT * FROM deliveries", ()
        if day:
            sql, args = sql + " WHERE day=?", (day,)
        return [_delivery(r) for r in self.db.execute(sql + " ORDER BY day, target", args)]

    def failed_days(self, since: str, before: str) -> list[str]:
        """Days in [since, before) whose delivery to some target failed."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT day FROM deliveries WHERE status='failed' AND day>=? AND day<? ORDER BY day",
            (since, before))]


def _delivery(row: Any) -> DeliveryRecord:
    return DeliveryRecord(row["day"], row["target"], row["status"], row["error"], row["attempts"],
                          row["messages"], row["report_key"], row["parts_sent"], row["sent_key"],
                          row["sent_quality"])


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

    def save_vectors(self, vectors: dict[str, Any], model: str) -> None:
        import numpy as np

        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?)",
                                [(k, model, np.asarray(v, dtype=np.float32).tobytes())
                                 for k, v in vectors.items()])


@dataclass
class Rating:
    """A user's rating of a paper for a topic."""

    arxiv_id: str
    topic: str
    good: bool


class Ratings:
    """The ``ratings`` table: the user's good/bad ratings per paper and topic."""

    def __init__(self, db: Any):
        self.db = db

    def set(self, arxiv_id: str, topic: str, good: bool) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO ratings VALUES (?,?,?,?)",
                            (arxiv_id, topic, 1 if good else 0, now()))

    def clear(self, arxiv_id: str, topic: str) -> bool:
        """Remove a rating; True when there was one."""
        with self.db:
            cur = self.db.execute("DELETE FROM ratings WHERE arxiv_id=? AND topic=?", (arxiv_id, topic))
        return cur.rowcount > 0

    def all(self, topic: str | None = None) -> list[Rating]:
        sql, args = "SELECT arxiv_id, topic, rating FROM ratings", ()
        if topic:
            sql, args = sql + " WHERE topic=?", (topic,)
        return [Rating(r[0], r[1], bool(r[2])) for r in self.db.execute(sql + " ORDER BY created_at", args)]

    def good(self) -> list[str]:
        """The papers rated good for some topic, the latest rating first."""
        return [r[0] for r in self.db.execute(
            "SELECT arxiv_id FROM ratings WHERE rating=1 GROUP BY arxiv_id ORDER BY MAX(created_at) DESC")]

    def of_paper(self, arxiv_id: str) -> dict[str, bool]:
        """The paper's ratings by topic id."""
        return {r[0]: bool(r[1]) for r in
                self.db.execute("SELECT topic, rating FROM ratings WHERE arxiv_id=?", (arxiv_id,))}


class Runs:
    """The ``runs`` table: one row per run, with its counts."""

    def __init__(self, db: Any):
        self.db = db

    def start(self) -> int:
        """Record a new run; a run still marked running was killed (the run lock is held)."""
        with self.db:
            self.db.execute("UPDATE runs SET status='killed', finished_at=? WHERE status='running'", (now(),))
            cur = self.db.execute("INSERT INTO runs (started_at, status) VALUES (?, 'running')", (now(),))
        return int(cur.lastrowid)

    def finish(self, run_id: int, day: str | None, status: str, stats: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET day=?, finished_at=?, status=?, stats=? WHERE id=?",
                            (day, now(), status, json.dumps(stats, ensure_ascii=False), run_id))


class Libraries:
    """The ``libraries`` table: each topic library's resolved items (JSON), newest first."""

    def __init__(self, db: Any):
        self.db = db

    def get(self, source: str) -> tuple[list[dict[str, Any]], int, str] | None:
        """(items, items skipped for want of an abstract, when it was read), or None."""
        row = self.db.execute("SELECT items, skipped, fetched_at FROM libraries WHERE source=?",
                              (source,)).fetchone()
        return (json.loads(row["items"]), row["skipped"], row["fetched_at"]) if row else None

    def save(self, source: str, items: list[dict[str, Any]], skipped: int) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO libraries VALUES (?,?,?,?)",
                            (source, json.dumps(items, ensure_ascii=False), skipped, now()))


class Endpoints:
    """The ``llm_endpoints`` table: the reply mode that works for each endpoint and model."""

    def __init__(self, db: Any):
        self.db = db

    def reply_mode(self, base_url: str, model: str) -> str | None:
        row = self.db.execute("SELECT reply_mode FROM llm_endpoints WHERE base_url=? AND model=?",
                              (base_url, model)).fetchone()
        return row[0] if row else None

    def remember(self, base_url: str, model: str, mode: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO llm_endpoints VALUES (?,?,?,?)",
                            (base_url, model, mode, now()))
