"""Migrations: a store written by an earlier arxiv-monitor opens with every row intact, opening
takes no write lock, and the reading room answers while a run holds the writer's lock.

These tests read the database with raw SQL on purpose: they check the schema itself.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from arxiv_monitor.core.config import load_config
from arxiv_monitor.store import Store
from arxiv_monitor.store.migrations import MIGRATIONS
from tests.helpers import free_port

FIXTURE = Path(__file__).parent / "data" / "stores" / "main-m013.db"
RENAMED = {"arxiv_id": "paper_id"}


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every ordinary table, columns by name (renamed columns under their new name)."""
    out = {}
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                                           "'search_index%' AND name NOT LIKE 'sqlite_%' AND name != '_migrations'")]
        for table in tables:
            rows = db.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            out[table] = sorted((tuple(sorted((RENAMED.get(k, k), r[k]) for k in r.keys())) for r in rows), key=repr)
    return out


def test_a_store_written_by_main_opens_with_every_row_intact(tmp_path):
    path = tmp_path / "arxiv-monitor.db"
    shutil.copyfile(FIXTURE, path)
    before = _rows(path)
    assert all(before[t] for t in ("papers", "day_papers", "analyses", "ratings", "deliveries", "libraries",
                                   "embeddings", "overviews", "runs", "fulltexts", "llm_endpoints"))
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    after = _rows(path)
    columns = {t: {k for k, _ in rows[0]} for t, rows in before.items() if rows}
    kept = {t: sorted((tuple((k, v) for k, v in row if k in columns[t]) for row in rows), key=repr)
            for t, rows in after.items() if t in columns}
    assert kept == {t: rows for t, rows in before.items() if rows}  # every row, every value of every column
    assert all(dict(row)["extra"] == "{}" for row in after["papers"])  # columns added with their defaults
    assert after["pending_days"] == []
    # and the store reads them as today's code does
    wed = store.papers.latest("2601.22586")
    assert wed.title.startswith("WED-Net") and wed.version == 2 and wed.source == "arxiv"
    assert wed.abs_url == "https://arxiv.org/abs/2601.22586v2"
    assert [r.paper_id for r in store.ratings.all()] == ["2602.00001", "2602.00005"]
    assert store.days.all() == ["2026-02-03", "2026-02-02"] and len(store.days.listings("2026-02-02")) == 4
    assert {a.paper_id for a in store.analyses.list(status="ok")} >= {"2601.22586", "2602.00001"}
    assert store.deliveries.record_of("2026-02-02", "sink").status == "sent"
    assert [h.paper_id for h in store.search.query("Weather-Effect")] == ["2601.22586"]
    assert store.overviews.get("2026-02-02") is not None and store.libraries.sources()
    store.close()


def test_the_fixture_is_the_old_schema():
    """The fixture is a store of schema m013 (paper ids named arxiv_id), as main wrote it."""
    with sqlite3.connect(FIXTURE) as db:
        assert db.execute("SELECT MAX(id) FROM _migrations").fetchone()[0] == 13
        assert "arxiv_id" in [r[1] for r in db.execute("PRAGMA table_info(papers)")]


@contextmanager
def writer(path: Path):
    """A run's write transaction, held open."""
    db = sqlite3.connect(path, timeout=0.05)
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO runs (started_at, status) VALUES ('now', 'running')")
    try:
        yield db
    finally:
        db.rollback()
        db.close()


def test_opening_a_current_store_takes_no_write_lock(tmp_path):
    path = tmp_path / "db.sqlite"
    Store(path).close()
    with writer(path):
        started = time.perf_counter()
        store = Store(path)
        assert time.perf_counter() - started < 0.5  # the schema is read, not migrated under a lock
        assert store.days.all() == []
        store.close()


def test_a_read_of_the_web_app_during_a_write_answers_within_100_ms(tmp_path, home):
    import uvicorn

    from arxiv_monitor.web.app import create_app

    path = home / "arxiv-monitor.db"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURE, path)
    Store(path).close()  # migrated once, as the run before did
    config = load_config()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/search", params={"q": "weather"}).status_code == 200  # warm
            with writer(path):
                for target in ("/search?q=weather", "/", "/paper/2601.22586", "/day/2026-02-02"):
                    started = time.perf_counter()
                    answer = client.get(target)
                    elapsed = time.perf_counter() - started
                    assert answer.status_code == 200, target
                    assert elapsed < 0.1, f"{target} took {elapsed * 1000:.0f} ms behind a writer"
    finally:
        server.should_exit = True
        thread.join(5)
