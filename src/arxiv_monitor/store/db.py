"""The store: opening (a SQLite file, or a PostgreSQL server by URL), migrations, the run
lock and clear errors.

This package is the only code that talks to a database (``engine.py`` holds the two
connections). A database problem (read-only file, damaged file, full disk, a server that
refuses) raised inside ``open_store`` becomes one ``StoreError`` that names the file or
the server (never its password) and what to do.

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
from arxiv_monitor.store.claims import Claims
from arxiv_monitor.store.days import Days
from arxiv_monitor.store.deliveries import Deliveries
from arxiv_monitor.store.engine import (
    CURRENT as _CURRENT,
)
from arxiv_monitor.store.engine import (
    SqliteConnection,
    advisory_lock,
    connect_postgres,
    errors,
    is_postgres,
    redacted,
    writing,
)
from arxiv_monitor.store.migrations import MIGRATIONS, now
from arxiv_monitor.store.papers import Papers
from arxiv_monitor.store.relevance import Embeddings, Libraries, Priors, Ratings
from arxiv_monitor.store.results import Analyses, Endpoints, FullTexts, Overviews
from arxiv_monitor.store.runs import PendingDays, Runs
from arxiv_monitor.store.search import Search, search_text
from arxiv_monitor.store.search_pg import PgSearch
from arxiv_monitor.store.signals import Signals
from arxiv_monitor.store.site import SiteChanges
from arxiv_monitor.store.trends import TrendReports
from arxiv_monitor.store.users import LabTopics, Users, ensure_user_schema

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config


TABLES = {"papers", "days", "day_papers", "fulltexts", "analyses", "runs", "deliveries", "overviews",
          "embeddings", "ratings", "llm_endpoints", "libraries", "pending_days", "claims", "priors"}


MIGRATION_LOCK, RUN_LOCK = 0x61726D01, 0x61726D02  # PostgreSQL advisory lock keys ("arm" 1 and 2)


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


def _server_advice(exc: BaseException, where: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "connect" in text.lower() or "timeout" in type(exc).__name__.lower():
        return (f"Cannot reach the PostgreSQL server {where} (paths.database): {text}. Check that it runs, "
                "that the URL's host, port, user and database are right, and that this user may connect.")
    return f"The PostgreSQL database {where} (paths.database) cannot be used: {text}"


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
    ``store.pending_days``, ``store.endpoints``, ``store.search``, ``store.site``, ``store.signals``,
    ``store.trends``, ``store.claims``, ``store.users``, ``store.lab_topics``, ``store.priors``.
    """

    def __init__(self, path: Path | str, user: str | None = None):
        self.postgres = is_postgres(str(path))
        self.user = user
        if user and not self.postgres:
            raise StoreError("A lab's users need a PostgreSQL store: set paths.database to a postgresql:// URL "
                             "(arxiv-monitor db migrate --to copies this home into one).")
        if self.postgres:
            self.url, self.path, self.where = str(path), None, redacted(str(path))
            self._open_postgres()
        else:
            self.url, self.path = None, Path(path)
            self.where = str(self.path)
            self._open_sqlite(str(path) == ":memory:")
        db = self.db
        self.dialect = db.dialect
        self.papers, self.days = Papers(db), Days(db)
        self.fulltexts, self.analyses, self.overviews, self.endpoints = FullTexts(db), Analyses(db), Overviews(db), \
            Endpoints(db)
        self.deliveries = Deliveries(db)
        shared = self._shared_topics() if user else frozenset()
        self.embeddings, self.ratings, self.libraries = Embeddings(db), Ratings(db, user, shared), Libraries(db)
        self.runs, self.pending_days = Runs(db), PendingDays(db)
        self.search, self.site = (PgSearch if self.postgres else Search)(db), SiteChanges(db)
        self.signals, self.trends, self.claims = Signals(db), TrendReports(db), Claims(db)
        self.users, self.lab_topics, self.priors = Users(db), LabTopics(db), Priors(db)

    def _open_sqlite(self, memory: bool) -> None:
        try:
            if not memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists():
                    _mend_companions(self.path)
            self.db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, factory=SqliteConnection)
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

    def _open_postgres(self) -> None:
        try:
            self.db = connect_postgres(self.url)
        except ImportError:
            raise StoreError("paths.database names a PostgreSQL server, and its driver is not installed: "
                             "pip install 'arxiv-monitor[lab]'") from None
        except errors() as exc:
            raise StoreError(_server_advice(exc, self.where)) from None
        try:
            if self.url not in _CURRENT:  # (once a process has seen the schema current, it stays so)
                if self.schema_version() < len(MIGRATIONS):
                    with self._migration_lock(False):
                        self.migrate()
                _CURRENT.add(self.url)
            if self.user:  # the shared tables are migrated: now the user's own, on a connection that sees them first
                self.db.close()
                self.db = connect_postgres(self.url, self.user)
                if (self.url, self.user) not in _CURRENT:
                    ensure_user_schema(self.db, self.db.user_schema, self.db.base[0])
                    _CURRENT.add((self.url, self.user))
        except errors() as exc:
            self.db.close()
            raise StoreError(_server_advice(exc, self.where)) from None

    def _shared_topics(self) -> frozenset[str]:
        """The lab's shared topics (their ratings are every member's)."""
        found = frozenset(r[0] for r in self.db.execute("SELECT id FROM lab_topics WHERE owner=''"))
        self.db.commit()
        return found

    def advice(self, exc: BaseException) -> str:
        """What a database error inside a ``with open_store(...)`` block means for the user."""
        return _server_advice(exc, self.where) if self.postgres else _advice(exc, self.path)

    def close(self) -> None:
        self.db.close()

    def snapshot(self, target: Path) -> None:
        """A consistent copy of the database in ``target`` (``VACUUM INTO``: compacted, readable
        while a run writes), for backups and the Actions state branch."""
        if self.postgres:
            raise StoreError(f"A copy of the PostgreSQL database {self.where} is made with pg_dump, not by "
                             "arxiv-monitor.")
        target.unlink(missing_ok=True)
        self.db.execute("VACUUM INTO ?", (str(target),))

    def count(self, table: str) -> int:
        """Row count of one of this store's tables (for summaries and tests)."""
        if table not in TABLES:
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def schema_version(self) -> int:
        """How many migrations the database has had (a read; 0 for a new database)."""
        if not self.db.has_table("_migrations"):
            return 0
        row = self.db.execute("SELECT MAX(id) FROM _migrations").fetchone()
        if self.postgres:
            self.db.commit()  # end the read's transaction: a reader holds no snapshot open
        return int(row[0] or 0)

    @contextlib.contextmanager
    def _migration_lock(self, memory: bool) -> Iterator[None]:
        if memory:
            yield
            return
        if self.postgres:  # a session lock of the server: one process migrates, the others wait
            with advisory_lock(self.db, MIGRATION_LOCK, wait=True):
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
            with writing(self.db):
                if self.db.execute("SELECT 1 FROM _migrations WHERE id=?", (number,)).fetchone():
                    continue  # (committing nothing)
                step(self.db)
                self.db.execute("INSERT INTO _migrations VALUES (?, ?, ?)", (number, step.__name__, now()))
                applied.append(step.__name__)
        return applied

    def check_intact(self) -> None:
        """Raise StoreError when the file is damaged (``PRAGMA quick_check``, one read of the
        file), before a run writes anything: a damaged store is left exactly as it is. (A
        PostgreSQL server checks its own pages.)"""
        if self.postgres:
            return
        try:
            verdict = [r[0] for r in self.db.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as exc:
            raise StoreError(_advice(exc, self.path)) from None
        if verdict != ["ok"]:
            raise StoreError(_advice(sqlite3.DatabaseError(f"malformed: {verdict[0]}"), self.path))

    @contextlib.contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold an exclusive lock for one run; a second run gets RunLocked. A damaged file is
        refused first (``check_intact``). On PostgreSQL, a session lock of the server."""
        if self.postgres:
            with advisory_lock(self.db, RUN_LOCK, wait=False) as held:
                if not held:
                    raise RunLocked(f"Another arxiv-monitor run is using {self.where}; wait for it to finish.")
                yield
            return
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

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): for tests and tools
        that hold the writer's lock as a run does."""
        return writing(self.db)


@contextlib.contextmanager
def open_store(config: Config | Path | str, user: str | None = None) -> Iterator[Store]:
    """Open the configured database for the length of a ``with`` block (as a lab ``user``:
    with their own tables).

    A database error inside the block becomes a StoreError naming the file.
    """
    store = Store(config if isinstance(config, (str, Path)) else config.database, user)
    try:
        yield store
    except errors() as exc:
        raise StoreError(store.advice(exc)) from None
    finally:
        store.close()
