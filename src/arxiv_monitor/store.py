"""The only module that talks to SQLite.

State is keyed by arXiv id and version, so every stage is idempotent: a rerun
finds what is done and skips it. The schema is built by numbered migrations
(``MIGRATIONS``); each runs once, in order, in its own transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import RunLocked
from .models import Analysis, FullText, KeywordHit, Paper, Section

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    """Register ``fn`` as the next numbered migration."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE papers (
            arxiv_id TEXT NOT NULL, version INTEGER NOT NULL,
            title TEXT NOT NULL, abstract TEXT NOT NULL, authors TEXT NOT NULL,
            categories TEXT NOT NULL, primary_category TEXT, comments TEXT,
            doi TEXT, journal_ref TEXT, published TEXT, code_url TEXT,
            enriched INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
            PRIMARY KEY (arxiv_id, version)
        );
        CREATE TABLE days (
            day TEXT PRIMARY KEY, categories TEXT NOT NULL, keywords TEXT NOT NULL,
            items INTEGER NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE TABLE day_papers (
            day TEXT NOT NULL, arxiv_id TEXT NOT NULL, version INTEGER NOT NULL,
            announce_type TEXT NOT NULL, position INTEGER NOT NULL,
            hits TEXT NOT NULL, PRIMARY KEY (day, arxiv_id)
        );
        CREATE TABLE fulltexts (
            arxiv_id TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL,
            status TEXT NOT NULL, error TEXT, sections TEXT NOT NULL,
            fetched_at TEXT NOT NULL, PRIMARY KEY (arxiv_id, version)
        );
        CREATE TABLE analyses (
            id INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL, version INTEGER NOT NULL,
            backend TEXT NOT NULL, model TEXT NOT NULL, prompt_version TEXT NOT NULL,
            language TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
            sections TEXT NOT NULL, source TEXT NOT NULL,
            tokens_in INTEGER NOT NULL DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (arxiv_id, version, backend, model, prompt_version, language)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY, day TEXT, started_at TEXT NOT NULL,
            finished_at TEXT, status TEXT NOT NULL, stats TEXT
        );
        CREATE INDEX analyses_paper ON analyses (arxiv_id, version);
        """
    )


@migration
def m002_deliveries(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE deliveries (
            day TEXT NOT NULL, target TEXT NOT NULL, status TEXT NOT NULL,
            error TEXT, attempts INTEGER NOT NULL DEFAULT 0, messages INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL, PRIMARY KEY (day, target)
        );
        """
    )


@migration
def m003_analysis_checks(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        ALTER TABLE analyses ADD COLUMN claims_total INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE analyses ADD COLUMN unsupported TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE analyses ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
        """
    )


@migration
def m004_overviews(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE overviews (
            day TEXT PRIMARY KEY, key TEXT NOT NULL, backend TEXT NOT NULL,
            data TEXT NOT NULL, created_at TEXT NOT NULL
        );
        """
    )


@migration
def m005_relevance(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        ALTER TABLE day_papers ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
        CREATE TABLE embeddings (
            key TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
            PRIMARY KEY (key, model)
        );
        CREATE TABLE ratings (
            arxiv_id TEXT NOT NULL, topic TEXT NOT NULL, rating INTEGER NOT NULL,
            created_at TEXT NOT NULL, PRIMARY KEY (arxiv_id, topic)
        );
        """
    )


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _paper(row: sqlite3.Row) -> Paper:
    return Paper(
        arxiv_id=row["arxiv_id"], version=row["version"], title=row["title"],
        abstract=row["abstract"], authors=json.loads(row["authors"]),
        categories=json.loads(row["categories"]),
        announce_type=row["announce_type"] if "announce_type" in row.keys() else "new",
        published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
        primary_category=row["primary_category"], comments=row["comments"],
        doi=row["doi"], journal_ref=row["journal_ref"],
    )


def _analysis(row: sqlite3.Row) -> Analysis:
    return Analysis(
        backend=row["backend"], model=row["model"], prompt_version=row["prompt_version"],
        language=row["language"], status=row["status"], sections=json.loads(row["sections"]),
        error=row["error"], tokens_in=row["tokens_in"], tokens_out=row["tokens_out"],
        source=row["source"], version=row["version"], claims_total=row["claims_total"],
        unsupported=json.loads(row["unsupported"]), warnings=json.loads(row["warnings"]),
    )


class Store:
    """A SQLite database of papers, days, full texts, analyses and runs."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def close(self) -> None:
        self.db.close()

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; return their names."""
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
        )
        done = {r[0] for r in self.db.execute("SELECT id FROM _migrations")}
        applied = []
        for number, fn in enumerate(MIGRATIONS, start=1):
            if number in done:
                continue
            with self.db:
                fn(self.db)
                self.db.execute(
                    "INSERT INTO _migrations VALUES (?, ?, ?)", (number, fn.__name__, _now())
                )
            applied.append(fn.__name__)
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

    # -- papers and days ----------------------------------------------------
    def save_papers(self, papers: list[Paper]) -> None:
        """Insert or update paper metadata (keyed by id and version)."""
        with self.db:
            for p in papers:
                self.db.execute(
                    """INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories,
                        primary_category, comments, doi, journal_ref, published, updated_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT (arxiv_id, version) DO UPDATE SET title=excluded.title,
                        abstract=excluded.abstract, authors=excluded.authors,
                        categories=excluded.categories,
                        primary_category=COALESCE(excluded.primary_category, primary_category),
                        comments=COALESCE(excluded.comments, comments),
                        doi=COALESCE(excluded.doi, doi),
                        journal_ref=COALESCE(excluded.journal_ref, journal_ref),
                        published=excluded.published, updated_at=excluded.updated_at""",
                    (p.arxiv_id, p.version, p.title, p.abstract, json.dumps(p.authors),
                     json.dumps(p.categories), p.primary_category, p.comments, p.doi,
                     p.journal_ref, p.published.isoformat() if p.published else None, _now()),
                )

    def mark_enriched(self, papers: list[Paper]) -> None:
        with self.db:
            self.db.executemany(
                "UPDATE papers SET enriched=1 WHERE arxiv_id=? AND version=?",
                [(p.arxiv_id, p.version) for p in papers],
            )

    def load_enrichment(self, papers: list[Paper]) -> list[Paper]:
        """Fill stored API metadata into ``papers``; return those not yet enriched."""
        missing = []
        for p in papers:
            row = self.db.execute(
                "SELECT * FROM papers WHERE arxiv_id=? AND version=?", (p.arxiv_id, p.version)
            ).fetchone()
            if row is None or not row["enriched"]:
                missing.append(p)
                continue
            p.primary_category = row["primary_category"]
            p.comments, p.doi, p.journal_ref = row["comments"], row["doi"], row["journal_ref"]
        return missing

    def save_day(self, day: str, categories: list[str], keywords: list[str], items: int,
                 selected: list[tuple[Paper, list[KeywordHit]]],
                 topics: list[list[dict[str, Any]]] | None = None) -> None:
        """Record a day's selection (replacing any earlier selection of that day)."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO days VALUES (?,?,?,?,?)",
                (day, json.dumps(categories), json.dumps(keywords), items, _now()),
            )
            self.db.execute("DELETE FROM day_papers WHERE day=?", (day,))
            for position, (p, hits) in enumerate(selected):
                self.db.execute(
                    "INSERT INTO day_papers VALUES (?,?,?,?,?,?,?)",
                    (day, p.arxiv_id, p.version, p.announce_type, position,
                     json.dumps([h.__dict__ for h in hits], ensure_ascii=False),
                     json.dumps(topics[position] if topics else [], ensure_ascii=False)),
                )

    def day_info(self, day: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM days WHERE day=?", (day,)).fetchone()
        if row is None:
            return None
        return {"day": day, "categories": json.loads(row["categories"]),
                "keywords": json.loads(row["keywords"]), "items": row["items"]}

    def days(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT day FROM days ORDER BY day DESC")]

    def day_papers(self, day: str) -> list[tuple[Paper, list[KeywordHit], str | None]]:
        """The selected papers of ``day`` in report order, with hits and code URL."""
        rows = self.db.execute(
            """SELECT p.*, d.announce_type, d.hits FROM day_papers d
               JOIN papers p ON p.arxiv_id=d.arxiv_id AND p.version=d.version
               WHERE d.day=? ORDER BY d.position""",
            (day,),
        ).fetchall()
        return [(_paper(r), [KeywordHit(**h) for h in json.loads(r["hits"])], r["code_url"])
                for r in rows]

    def list_papers(self, day: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Stored papers, newest first, with their analysis status."""
        sql = """SELECT d.day, p.arxiv_id, p.version, p.title, d.announce_type, p.code_url,
                   (SELECT status FROM analyses a WHERE a.arxiv_id=p.arxiv_id AND a.version=p.version
                    ORDER BY a.id DESC LIMIT 1) AS analysis
                 FROM day_papers d JOIN papers p ON p.arxiv_id=d.arxiv_id AND p.version=d.version"""
        args: tuple = ()
        if day:
            sql += " WHERE d.day=?"
            args = (day,)
        sql += " ORDER BY d.day DESC, d.position LIMIT ?"
        return [dict(r) for r in self.db.execute(sql, args + (limit,))]

    def set_code_url(self, paper: Paper, url: str | None) -> None:
        with self.db:
            self.db.execute(
                "UPDATE papers SET code_url=? WHERE arxiv_id=? AND version=?",
                (url, paper.arxiv_id, paper.version),
            )

    # -- full texts ---------------------------------------------------------
    def get_fulltext(self, paper: Paper) -> tuple[FullText, str] | None:
        """The stored full text of this paper version and its status, if any."""
        row = self.db.execute(
            "SELECT * FROM fulltexts WHERE arxiv_id=? AND version=?", (paper.arxiv_id, paper.version)
        ).fetchone()
        if row is None:
            return None
        sections = [Section(**s) for s in json.loads(row["sections"])]
        return FullText(row["source"], sections, row["error"], from_cache=True), row["status"]

    def save_fulltext(self, paper: Paper, text: FullText, status: str) -> None:
        """Store a full text with status ``ok``, ``missing`` (404s) or ``failed`` (retry)."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO fulltexts VALUES (?,?,?,?,?,?,?)",
                (paper.arxiv_id, paper.version, text.source, status, text.error,
                 json.dumps([s.__dict__ for s in text.sections], ensure_ascii=False), _now()),
            )

    # -- analyses -----------------------------------------------------------
    def find_analysis(self, paper: Paper, backend: str, model: str, prompt_version: str,
                      language: str) -> Analysis | None:
        """The stored analysis with exactly this key, whatever its status."""
        row = self.db.execute(
            """SELECT * FROM analyses WHERE arxiv_id=? AND version=? AND backend=? AND model=?
               AND prompt_version=? AND language=?""",
            (paper.arxiv_id, paper.version, backend, model, prompt_version, language),
        ).fetchone()
        return _analysis(row) if row else None

    def analyses_for(self, paper: Paper, version: int | None = None) -> list[Analysis]:
        """All analyses of one version of a paper, newest first."""
        rows = self.db.execute(
            "SELECT * FROM analyses WHERE arxiv_id=? AND version=? ORDER BY id DESC",
            (paper.arxiv_id, version or paper.version),
        ).fetchall()
        return [_analysis(r) for r in rows]

    def earlier_analysed_version(self, paper: Paper) -> int | None:
        """The latest earlier version of this paper that has a good analysis."""
        row = self.db.execute(
            """SELECT MAX(version) FROM analyses WHERE arxiv_id=? AND version<? AND status='ok'""",
            (paper.arxiv_id, paper.version),
        ).fetchone()
        return row[0] if row else None

    def save_analysis(self, paper: Paper, a: Analysis) -> None:
        """Insert or replace the analysis with this key."""
        with self.db:
            self.db.execute(
                """INSERT OR REPLACE INTO analyses (arxiv_id, version, backend, model,
                    prompt_version, language, status, error, sections, source, tokens_in,
                    tokens_out, created_at, claims_total, unsupported, warnings)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (paper.arxiv_id, paper.version, a.backend, a.model, a.prompt_version, a.language,
                 a.status, a.error, json.dumps(a.sections, ensure_ascii=False), a.source,
                 a.tokens_in, a.tokens_out, _now(), a.claims_total,
                 json.dumps(a.unsupported, ensure_ascii=False),
                 json.dumps(a.warnings, ensure_ascii=False)),
            )

    # -- relevance ----------------------------------------------------------
    def get(self, keys: list[str], model: str) -> dict[str, Any]:
        """Cached embeddings (numpy float32 vectors) by key, for ``model``."""
        import numpy as np

        out = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, blob in self.db.execute(
                    f"SELECT key, vector FROM embeddings WHERE model=? AND key IN ({marks})", [model, *chunk]):
                out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put(self, vectors: dict[str, Any], model: str) -> None:
        import numpy as np

        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?)",
                                [(k, model, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()])

    def rate(self, arxiv_id: str, topic: str, good: bool) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO ratings VALUES (?,?,?,?)",
                            (arxiv_id, topic, 1 if good else 0, _now()))

    def ratings(self, topic: str | None = None) -> list[tuple[str, str, int]]:
        sql, args = "SELECT arxiv_id, topic, rating FROM ratings", ()
        if topic:
            sql, args = sql + " WHERE topic=?", (topic,)
        return [tuple(r) for r in self.db.execute(sql, args)]

    def latest_paper(self, arxiv_id: str) -> Paper | None:
        row = self.db.execute(
            "SELECT *, 'new' AS announce_type FROM papers WHERE arxiv_id=? ORDER BY version DESC LIMIT 1",
            (arxiv_id.split("v")[0] if "." in arxiv_id else arxiv_id,)).fetchone()
        return _paper(row) if row else None

    def day_topics_for(self, arxiv_id: str) -> list[list[dict[str, Any]]]:
        """The stored topic decisions of a paper, newest day first."""
        return [json.loads(r[0]) for r in self.db.execute(
            "SELECT topics FROM day_papers WHERE arxiv_id=? ORDER BY day DESC", (arxiv_id,))]

    def day_topics(self, day: str) -> dict[str, list[dict[str, Any]]]:
        return {r[0]: json.loads(r[1]) for r in
                self.db.execute("SELECT arxiv_id, topics FROM day_papers WHERE day=?", (day,))}

    # -- overviews ----------------------------------------------------------
    def get_overview(self, day: str) -> tuple[str, str, str] | None:
        """(key, backend, data JSON) of the day's stored overview."""
        row = self.db.execute("SELECT key, backend, data FROM overviews WHERE day=?", (day,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def save_overview(self, day: str, key: str, backend: str, data: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO overviews VALUES (?,?,?,?,?)",
                            (day, key, backend, data, _now()))

    # -- deliveries ---------------------------------------------------------
    def delivery_status(self, day: str, target: str) -> str | None:
        row = self.db.execute(
            "SELECT status FROM deliveries WHERE day=? AND target=?", (day, target)).fetchone()
        return row[0] if row else None

    def record_delivery(self, day: str, target: str, status: str, error: str | None = None,
                        messages: int = 0) -> None:
        """Record one delivery attempt to ``target`` (``sent`` or ``failed``)."""
        with self.db:
            self.db.execute(
                """INSERT INTO deliveries (day, target, status, error, attempts, messages, updated_at)
                   VALUES (?,?,?,?,1,?,?) ON CONFLICT (day, target) DO UPDATE SET
                   status=excluded.status, error=excluded.error, attempts=attempts+1,
                   messages=excluded.messages, updated_at=excluded.updated_at""",
                (day, target, status, error, messages, _now()),
            )

    def deliveries(self, day: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM deliveries", ()
        if day:
            sql, args = sql + " WHERE day=?", (day,)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY day, target", args)]

    def undelivered_days(self, targets: list[str], since: str) -> list[str]:
        """Days since ``since`` with a report that some target has not received."""
        out = []
        for day in self.db.execute("SELECT day FROM days WHERE day>=? ORDER BY day", (since,)):
            if any(self.delivery_status(day[0], t) != "sent" for t in targets):
                out.append(day[0])
        return out

    # -- runs ---------------------------------------------------------------
    def start_run(self) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO runs (started_at, status) VALUES (?, 'running')", (_now(),)
            )
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, day: str | None, status: str, stats: dict[str, Any]) -> None:
        with self.db:
            self.db.execute(
                "UPDATE runs SET day=?, finished_at=?, status=?, stats=? WHERE id=?",
                (day, _now(), status, json.dumps(stats, ensure_ascii=False), run_id),
            )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))]

    def count(self, table: str) -> int:
        """Row count of one of this store's tables (for summaries and tests)."""
        if table not in {"papers", "days", "day_papers", "fulltexts", "analyses", "runs", "deliveries", "overviews", "embeddings", "ratings"}:
            raise ValueError(table)
        return int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
