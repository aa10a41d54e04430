"""The ``claims`` table: which worker is doing which piece of shared work.

Several workers (processes, machines) may run the analysis stage against one database.
Each takes a few keys at a time: the keys not done and not claimed, or whose claim has
expired (a killed worker's work is taken over once its claim runs out). On PostgreSQL
the rows are read ``FOR UPDATE SKIP LOCKED``, so two workers claiming at the same moment
take different keys and neither waits; on SQLite the claim is one write transaction
(``BEGIN IMMEDIATE``: one writer at a time), which is as exclusive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

from arxiv_monitor.store.engine import writing
from arxiv_monitor.store.migrations import now

CLAIM_TTL = 900.0  # seconds a claim lasts unless finished: longer than one paper's analysis takes


def analysis_key(versioned_id: str, backend: str, language: str) -> str:
    """The claim of one paper version's analysis by one backend in one language."""
    return f"analysis:{versioned_id}:{backend}:{language}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _later(seconds: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)).isoformat(timespec="seconds")


class Claims:
    """Leases on shared work, by key."""

    def __init__(self, db: Any):
        self.db = db

    def take(self, keys: list[str], worker: str, ttl: float, limit: int) -> list[str]:
        """Claim up to ``limit`` of ``keys`` for ``worker`` for ``ttl`` seconds (those it holds
        already included, their claims renewed); return those taken, in the order given."""
        if not keys or limit <= 0:
            return []
        stamp = now()
        with writing(self.db):
            self.db.executemany("INSERT OR IGNORE INTO claims (key, updated_at) VALUES (?, ?)",
                                [(k, stamp) for k in keys])
        among, listed = self._among(keys)
        lock = "" if self.db.dialect == "sqlite" else " FOR UPDATE SKIP LOCKED"
        with writing(self.db):
            free = [r[0] for r in self.db.execute(
                f"""SELECT key FROM claims WHERE done=0 AND (worker IS NULL OR worker=? OR expires_at < ?)
                    AND {among} ORDER BY key LIMIT ?{lock}""", (worker, stamp, listed, limit))]
            self.db.executemany("UPDATE claims SET worker=?, expires_at=?, updated_at=? WHERE key=?",
                                [(worker, _later(ttl), stamp, k) for k in free])
        order = {k: n for n, k in enumerate(keys)}
        return sorted(free, key=order.__getitem__)

    def _among(self, keys: list[str]) -> tuple[str, Any]:
        """The condition "key is one of ``keys``", and its parameter."""
        if self.db.dialect == "sqlite":
            return "key IN (SELECT value FROM json_each(?))", json.dumps(keys)
        return "key = ANY(?)", keys

    def finish(self, keys: list[str], worker: str) -> None:
        """Mark the keys done (their work is stored)."""
        with self.db:
            self.db.executemany("UPDATE claims SET done=1, worker=?, expires_at=NULL, updated_at=? WHERE key=?",
                                [(worker, now(), k) for k in keys])

    def release(self, keys: list[str], worker: str) -> None:
        """Give the keys back undone (a worker stopping early): another may take them at once."""
        with self.db:
            self.db.executemany("UPDATE claims SET worker=NULL, expires_at=NULL, updated_at=? "
                                "WHERE key=? AND worker=? AND done=0", [(now(), k, worker) for k in keys])

    @contextlib.contextmanager
    def shared_work(self, keys: list[str], ttl: float) -> Iterator[list[str]]:
        """Claim ``keys`` for this process and yield those it holds. Leaving the block, they are
        finished, and the keys other workers hold are waited for (their work is then stored);
        on an error or a stop, they are released at once for another to take."""
        worker = worker_name()
        mine = self.take(keys, worker, ttl, len(keys))
        try:
            yield mine
        except BaseException:
            self.release(mine, worker)
            raise
        self.finish(mine, worker)
        self.wait_for_others(keys, worker)

    def wait_for_others(self, keys: list[str], worker: str, poll: float = 1.0) -> None:
        """Return once no other worker holds any of ``keys`` (done, or their claims ran out)."""
        while self.held_by_others(keys, worker) is not None:
            time.sleep(poll)

    def held_by_others(self, keys: list[str], worker: str) -> str | None:
        """When the first of ``keys`` that another worker holds runs out (None: no such claim)."""
        among, listed = self._among(keys)
        row = self.db.execute(f"""SELECT MIN(expires_at) FROM claims WHERE done=0 AND worker IS NOT NULL
                                  AND worker != ? AND expires_at >= ? AND {among}""",
                              (worker, now(), listed)).fetchone()
        self.db.commit()
        return row[0]
