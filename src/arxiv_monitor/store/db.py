"""The SQLite store: opening, migrations, the run lock and clear errors.

This package is the only code that imports ``sqlite3``. A database problem (read-only
file, damaged file, full disk) raised inside ``open_store`` becomes one ``StoreError``
that names the file and what to do.

Opening is cheap and takes no write lock: the schema version is read, and the
migration lock and a write transaction are taken only when a migration is due. So the
reading room's requests open the store beside a run that is writing, and wait for
nothing (SQLite's WAL lets readers read while one writer writes).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_monitor.core.errors import MonitorError, RunLocked
from arxiv_monitor.store.days import Days
from arxiv_monitor.store.deliveries import Deliveries
from arxiv_monitor.store.migrations import MIGRATIONS, now
from arxiv_monitor.store.papers import Papers
from arxiv_monitor.store.relevance import Embeddings, Libraries, Ratings
from arxiv_monitor.store.results import Analyses, Endpoints, FullTexts, Overviews
from arxiv_monitor.store.runs import PendingDays, Runs
from arxiv_monitor.store.search import Search, search_text
from arxiv_monitor.store.signals import Signals
from arxiv_monitor.store.site import SiteChanges
from arxiv_monitor.store.trends import TrendReports

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config


TABLES = {"papers", "days", "day_papers", "fulltexts", "analyses", "runs", "deliveries", "overviews",
          "embeddings", "ratings", "llm_endpoints", "libraries", "pending_days"}


class StoreError(MonitorError):
    """The database cannot be used: the message names the file and what to do."""


def _companions(path: Path) -> list[Path]:
    """The database and the files SQLite keeps beside it in WAL mode."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _writable(path: Path) -> bool:
    """Writable by this user (for root, whose access is not checked, by its mode bits)."""
    return os.access(path, os.W_OK) and (os.geteuid() != 0 or bool(path.stat().st_mode & 0o222))


def _mend_companions(path: Path) -> None:
    """A ``-wal`` or ``-shm`` left read-only (0444) beside a writable database, and owned by
    this user, is made writable like the database: after ``chmod 644`` on the database alone,
    runs work again."""
    if not _writable(path):
        return
    mode = path.stat().st_mode & 0o777
    for extra in _companions(path)[1:]:
        with contextlib.suppress(OSError):
            if extra.exists() and not _writable(extra) and extra.stat().st_uid == os.getuid():
                extra.chmod(mode)


def _read_only_files(path: Path) -> str:
    stuck = [str(f) for f in _companions(path) if f.exists() and not _writable(f)]
    if path.parent.exists() and not _writable(path.parent):
        stuck.append(f"{path.parent} (the folder)")
    return ", ".join(stuck) or str(path)


def _advice(exc: sqlite3.Error, path: Path) -> str:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return (f"The database {path} is read-only: make these writable for this user: "
                f"{_read_only_files(path)} (chmod u+w).")
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


def damaged(exc: BaseException) -> bool:
    """The error says the database file is damaged: nothing more may be written to it."""
    if isinstance(exc, StoreError):
        return " is damaged " in str(exc)
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and ("malformed" in text or "not a database" in text)


class Store:
    """A SQLite database of papers, days, full texts, analyses, deliveries and runs.

    Each table has its own small object: ``store.papers``, ``store.days``,
    ``store.fulltexts``, ``store.analyses``, ``store.overviews``, ``store.deliveries``,
    ``store.embeddings``, ``store.ratings``, ``store.libraries``, ``store.runs``,
    ``store.pending_days``, ``store.endpoints``, ``store.search``, ``store.site``.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        memory = str(path) == ":memory:"
        try:
            if not memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists():
                    _mend_companions(self.path)
            self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.create_function("search_text", 1, search_text, deterministic=True)  # the search index's triggers
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if self.schema_version() < len(MIGRATIONS):
                with self._migration_lock(memory):
                    self.migrate()
        except sqlite3.Error as exc:
            raise StoreError(_advice(exc, self.path)) from None
        except OSError as exc:
            raise StoreError(f"Cannot create the database folder {self.path.parent}: {exc.strerror}") from None
        db = self.db
        self.papers, self.days = Papers(db), Days(db)
        self.fulltexts, self.analyses, self.overviews, self.endpoints = FullTexts(db), Analyses(db), Overviews(db), \
            Endpoints(db)
        self.deliveries = Deliveries(db)
        self.embeddings, self.ratings, self.libraries = Embeddings(db), Ratings(db), Libraries(db)
        self.runs, self.pending_days = Runs(db), PendingDays(db)
        self.search, self.site = Search(db), SiteChanges(db)
        self.signals, self.trends = Signals(db), TrendReports(db)

    def close(self) -> None:
        self.db.close()

    def snapshot(self, target: Path) -> None:
        """A consistent copy of the database in ``target`` (``VACUUM INTO``: compacted, readable
        while a run writes), for backups and the Actions state branch."""
        target.unlink(missing_ok=True)
        self.db.execute("VACUUM INTO ?", (str(target),))

    def count(self, table: str) -> int:
        """Row count of one of this store's tables (for summaries and tests)."""
        if table not in TABLES:
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def schema_version(self) -> int:
        """How many migrations the database has had (a read; 0 for a new database)."""
        try:
            row = self.db.execute("SELECT MAX(id) FROM _migrations").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return 0
            raise
        return int(row[0] or 0)

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
        for number, step in enumerate(MIGRATIONS, start=1):
            if number <= self.schema_version():  # another process applied it while this one waited
                continue
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if self.db.execute("SELECT 1 FROM _migrations WHERE id=?", (number,)).fetchone():
                    self.db.rollback()
                    continue
                step(self.db)
                self.db.execute("INSERT INTO _migrations VALUES (?, ?, ?)", (number, step.__name__, now()))
                self.db.commit()
            except BaseException:
                self.db.rollback()
                raise
            applied.append(step.__name__)
        return applied

    def check_intact(self) -> None:
        """Raise StoreError when the file is damaged (``PRAGMA quick_check``, one read of the
        file), before a run writes anything: a damaged store is left exactly as it is."""
        try:
            verdict = [r[0] for r in self.db.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as exc:
            raise StoreError(_advice(exc, self.path)) from None
        if verdict != ["ok"]:
            raise StoreError(_advice(sqlite3.DatabaseError(f"malformed: {verdict[0]}"), self.path))

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold an exclusive lock for one run; a second run gets RunLocked. A damaged file is
        refused first (``check_intact``)."""
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
                self.check_intact()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): for tests and tools
        that hold the writer's lock as a run does."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        self.db.commit()


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
