"""The SQLite connection: opening, migrations, the run lock and clear errors.

This package is the only code that imports ``sqlite3``. A database problem
(read-only file, corrupt file, full disk) raised inside ``open_store`` is
turned into one ``StoreError`` that names the file and what to do.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_monitor.core.errors import MonitorError, RunLocked
from arxiv_monitor.store.ledger import Deliveries, Embeddings, Endpoints, Libraries, Ratings, Runs
from arxiv_monitor.store.search import Search, search_text
from arxiv_monitor.store.papers import Days, Papers
from arxiv_monitor.store.results import Analyses, FullTexts, Overviews
from arxiv_monitor.store.schema import MIGRATIONS, now

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config

TABLES = {"papers", "days", "day_papers", "fulltexts", "analyses", "runs", "deliveries",
          "overviews", "embeddings", "ratings", "llm_endpoints"}


class StoreError(MonitorError):
    """The database cannot be used: the message names the file and what to do."""


def _advice(exc: sqlite3.Error, path: Path) -> str:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return f"The database {path} is read-only: make it (and its folder) writable for this user."
    if "full" in text:
        return f"The disk holding {path} is full: free some space and run again (nothing was lost)."
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (f"The database {path} is damaged ({exc}). Move it aside and run again to start "
                "a new one, or restore it from a backup.")
    if "unable to open" in text:
        return f"Cannot open the database {path}: check that its folder exists and is writable."
    if "locked" in text or "busy" in text:
        return f"The database {path} is busy: another program holds it; try again shortly."
    return f"The database {path} cannot be used: {exc}"


class Store:
    """A SQLite database of papers, days, full texts, analyses, deliveries and runs.

    Each table has its own small object: ``store.papers``, ``store.days``,
    ``store.fulltexts``, ``store.analyses``, ``store.overviews``,
    ``store.deliveries``, ``store.embeddings``, ``store.ratings``, ``store.runs``,
    ``store.endpoints``, ``store.libraries``, ``store.search``.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        memory = str(path) == ":memory:"
        try:
            if not memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.create_function("search_text", 1, search_text, deterministic=True)  # the search index's triggers
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            with self._migration_lock(memory):
                self.migrate()
        except sqlite3.Error as exc:
            raise StoreError(_advice(exc, self.path)) from None
        except OSError as exc:
            raise StoreError(f"Cannot create the database folder {self.path.parent}: {exc.strerror}") from None
        self.papers = Papers(self.db)
        self.days = Days(self.db)
        self.fulltexts = FullTexts(self.db)
        self.analyses = Analyses(self.db)
        self.overviews = Overviews(self.db)
        self.deliveries = Deliveries(self.db)
        self.embeddings = Embeddings(self.db)
        self.ratings = Ratings(self.db)
        self.runs = Runs(self.db)
        self.endpoints = Endpoints(self.db)
        self.libraries = Libraries(self.db)
        self.search = Search(self.db)

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def _migration_lock(self, memory: bool) -> Iterator[None]:
        if memory:
            yield
            return
        with open(self.path.with_name(self.path.name + ".migrate.lock"), "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied, each in one transaction; return their names."""
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
        self.db.commit()
        applied = []
        for number, (name, statements) in enumerate(MIGRATIONS, start=1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if self.db.execute("SELECT 1 FROM _migrations WHERE id=?", (number,)).fetchone():
                    self.db.rollback()
                    continue
                for statement in statements:
                    self.db.execute(statement)
                self.db.execute("INSERT INTO _migrations VALUES (?, ?, ?)", (number, name, now()))
                self.db.commit()
            except BaseException:
                self.db.rollback()
                raise
            applied.append(name)
        return applied

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold an exclusive lock for one run; a second run gets RunLocked."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunLocked(
                    f"Another arxiv-monitor run is using {self.path} (lock {lock_path}); "
                    "wait for it to finish."
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def count(self, table: str) -> int:
        """Row count of one of this store's tables (for summaries and tests)."""
        if table not in TABLES:
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@contextlib.contextmanager
def open_store(config: Config | Path | str) -> Iterator[Store]:
    """Open the configured database for the length of a ``with`` block.

    A database error inside the block becomes a StoreError naming the file.
    """
    path = config if isinstance(config, (str, Path)) else config.db_path
    store = Store(path)
    try:
        yield store
    except sqlite3.Error as exc:
        raise StoreError(_advice(exc, store.path)) from None
    finally:
        store.close()
