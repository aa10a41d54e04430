"""Runs and the days a run could not finish (catch-up days to try again)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.store.migrations import now


@dataclass
class RunRecord:
    """One run: its status and the counts it stored."""

    id: int
    day: str | None
    status: str  # "running", "ok", "errors", "failed" or "killed"
    stats: dict[str, Any]


class Runs:
    """The ``runs`` table: one row per run, with its counts."""

    def __init__(self, db: Any):
        self.db = db

    def start(self) -> int:
        """Record a new run; a run still marked running was killed (the run lock is held)."""
        with self.db:
            self.db.execute("UPDATE runs SET status='killed', finished_at=? WHERE status='running'", (now(),))
            run_id = self.db.execute("INSERT INTO runs (started_at, status) VALUES (?, 'running') RETURNING id",
                                     (now(),)).fetchone()[0]
        return int(run_id)

    def finish(self, run_id: int, day: str | None, status: str, stats: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET day=?, finished_at=?, status=?, stats=? WHERE id=?",
                            (day, now(), status, json.dumps(stats, ensure_ascii=False), run_id))

    def latest(self) -> RunRecord | None:
        """The latest run, or None."""
        row = self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return _run(row) if row else None

    def all(self) -> list[RunRecord]:
        """Every run, oldest first."""
        return [_run(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]


def _run(row: Any) -> RunRecord:
    return RunRecord(row["id"], row["day"], row["status"], json.loads(row["stats"] or "{}"))


class PendingDays:
    """The ``pending_days`` table: days whose catch-up failed, tried again by the next runs."""

    def __init__(self, db: Any):
        self.db = db

    def failed(self, day: str, error: str) -> int:
        """Record a failed attempt at ``day``; return the attempts so far."""
        with self.db:
            self.db.execute("""INSERT INTO pending_days VALUES (?, ?, 1, ?) ON CONFLICT (day) DO UPDATE SET
                               error=excluded.error, attempts=pending_days.attempts+1, updated_at=excluded.updated_at""",
                            (day, error, now()))
        return int(self.db.execute("SELECT attempts FROM pending_days WHERE day=?", (day,)).fetchone()[0])

    def done(self, day: str) -> None:
        with self.db:
            self.db.execute("DELETE FROM pending_days WHERE day=?", (day,))

    def all(self) -> dict[str, int]:
        """The days still to do, with their attempts so far."""
        return {r[0]: r[1] for r in self.db.execute("SELECT day, attempts FROM pending_days ORDER BY day")}
