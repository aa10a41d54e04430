"""A lab server's commands, as library functions the CLI calls: copying a home's SQLite store
into PostgreSQL (``db migrate``) and the analysis worker (``worker``), several of which may
share one day's analyses.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field

from arxiv_monitor.analysis.base import needs_analysis
from arxiv_monitor.components import Parts
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import Listing
from arxiv_monitor.pipeline import NoProgress, Progress, RunStats, stage_read_and_analyze
from arxiv_monitor.store import StoreError, open_store
from arxiv_monitor.store.copy import TableCopy, copy_store


def migrate_db(config: Config, target: str, progress: Progress | None = None) -> list[TableCopy]:
    """``arxiv-monitor db migrate --to URL``: copy the configured store (a SQLite file) into the
    new database at ``target``; each table's counts and checksums, read back from both."""
    if not target.startswith(("postgresql://", "postgres://")):
        raise MonitorError(f"--to takes a PostgreSQL URL (postgresql://user@host:5432/dbname), not {target!r}")
    if config.database.startswith(("postgresql://", "postgres://")):
        raise MonitorError("paths.database already names a PostgreSQL server: db migrate copies a SQLite home "
                           "(run it with the config that names the SQLite file)")
    progress = progress or NoProgress()
    with open_store(config) as source, open_store(target) as dest:
        progress.stage("Tables", 0)
        try:
            return copy_store(source, dest, lambda table, rows: progress.advance(stage="Tables"))
        except ValueError as exc:
            raise StoreError(f"Cannot copy into {dest.where}: {exc}") from None


@dataclass
class WorkStats:
    day: str
    worker: str
    todo: int = 0  # papers of the day without an analysis when the worker began
    taken: int = 0  # claimed by this worker (and analysed, or failed)
    run: RunStats = field(default_factory=RunStats)


def claim_key(item: Listing, backend: str, language: str) -> str:
    return f"analysis:{item.paper.versioned_id}:{backend}:{language}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def work(config: Config, day: str | None = None, ttl: float = 900.0, batch: int | None = None,
         worker: str | None = None, progress: Progress | None = None) -> WorkStats:
    """``arxiv-monitor worker``: analyse the kept papers of ``day`` (the latest stored day) that
    have no analysis yet, a few at a time, each claimed first so that workers sharing the
    database never analyse one paper twice. A claim lasts ``ttl`` seconds: a killed worker's
    papers are taken by another once it runs out. Returns when every paper is analysed (or
    failed) by some worker."""
    worker = worker or worker_name()
    with open_store(config) as store, Parts(config, store, progress or NoProgress()) as parts:
        day = day or next(iter(store.days.all()), None)
        if day is None:
            raise MonitorError("The store holds no day yet: run `arxiv-monitor run` first.")
        backend, language = config.backend_name, config.language
        stats = WorkStats(day, worker)
        pending = {claim_key(i, backend, language): i for i in store.days.listings(day)
                   if needs_analysis(store, backend, language, i, config.reanalyze_replacements)}
        stats.todo = len(pending)
        while pending:
            keys = list(pending)
            taken = store.claims.take(keys, worker, ttl, batch or config.llm.concurrency)
            if not taken:
                if store.claims.held_by_others(keys, worker) is None:
                    break  # every paper is done (by this worker or another)
                time.sleep(1.0)  # another worker holds the rest: wait for it to finish or its claims to run out
                continue
            items = [pending[k] for k in taken if needs_analysis(store, backend, language, pending[k],
                                                                 config.reanalyze_replacements)]
            try:
                stage_read_and_analyze(parts, store, items, stats.run)
            except BaseException:
                store.claims.release(taken, worker)
                raise
            store.claims.finish(taken, worker)
            stats.taken += len(taken)
            for k in taken:
                pending.pop(k)
        return stats


