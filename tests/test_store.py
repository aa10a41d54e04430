"""The store: numbered migrations, idempotent saves, the run lock, tables as objects."""

import multiprocessing
import sqlite3

import pytest

from arxiv_monitor.core.errors import RunLocked
from arxiv_monitor.core.models import (
    Analysis,
    FullText,
    KeywordHit,
    KeywordVerdict,
    Listing,
    Paper,
    Section,
    TopicDecision,
)
from arxiv_monitor.store import Store, StoreError, open_store
from arxiv_monitor.store.migrations import MIGRATIONS

P = Paper("2601.22586", 1, "Title", "Abstract", ["A B"], ["cs.AI"])
HIT = KeywordHit("vla", "title", "x VLA y", "VLA")


def listing(paper: Paper = P, kept: bool = True, kind: str = "replace") -> Listing:
    decision = TopicDecision("VLA", "VLA", 0.7, 0.6, "keywords", "keywords" if kept else None,
                             KeywordVerdict([HIT] if kept else []))
    return Listing(paper, kind, [decision])


def test_migrations_are_numbered_and_run_once(tmp_path):
    path = tmp_path / "db.sqlite"
    s = Store(path)
    assert s.migrate() == []  # already applied
    s.close()
    with sqlite3.connect(path) as db:
        applied = db.execute("SELECT id, name FROM _migrations ORDER BY id").fetchall()
    assert [a[0] for a in applied] == list(range(1, len(MIGRATIONS) + 1))
    assert applied[0][1] == "m001_initial"


def _open(path: str) -> None:
    Store(path).close()


def test_concurrent_first_opens_apply_each_migration_once(tmp_path):
    """Two processes creating one new database at once (both used to crash on a duplicate column)."""
    for n in range(4):
        path = str(tmp_path / f"db{n}.sqlite")
        procs = [multiprocessing.get_context("fork").Process(target=_open, args=(path,)) for _ in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        assert [p.exitcode for p in procs] == [0, 0, 0]
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


def test_a_failing_migration_leaves_nothing_half_done(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite"
    Store(path).close()
    def m999_broken(db):
        db.execute("ALTER TABLE papers ADD COLUMN broken_extra TEXT")
        db.execute("ALTER TABLE nowhere ADD COLUMN x")

    monkeypatch.setattr("arxiv_monitor.store.db.MIGRATIONS", MIGRATIONS + [m999_broken])
    with pytest.raises(StoreError, match="db.sqlite"):
        Store(path)
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(papers)")]
        assert "broken_extra" not in columns  # the first statement was rolled back with the second
        assert db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)


def test_saves_are_idempotent(database):
    s = Store(database)
    for _ in range(2):
        s.papers.save([P])
        s.days.save("2026-02-02", ["cs.AI"], ["vla"], 10, [listing()])
        s.fulltexts.save(P, FullText("html", [Section("Abstract", "x")]), "ok")
        s.analyses.save(P, Analysis("openai", "m", "p1", "zh", "ok", {"summary": "s"}))
    assert [s.count(t) for t in ("papers", "day_papers", "fulltexts", "analyses")] == [1, 1, 1, 1]
    (item,) = s.days.listings("2026-02-02")
    assert item.announce_type == "replace" and item.hits[0].matched == "VLA"
    assert item.decisions[0].verdict.hits == [HIT]
    assert s.analyses.find(P, "openai", "m", "p1", "zh").sections == {"summary": "s"}
    assert s.analyses.find(P, "openai", "m", "p2", "zh") is None
    assert s.fulltexts.get(P).status == "ok"


def test_every_listing_is_kept_with_its_decision(database):
    s = Store(database)
    other = Paper("2601.00002", 1, "Other", "Not on topic")
    s.papers.save([P, other])
    s.days.save("2026-02-02", ["cs.AI"], [], 2, [listing(), listing(other, kept=False, kind="new")])
    assert [i.paper.id for i in s.days.listings("2026-02-02")] == [P.id]
    everything = s.days.listings("2026-02-02", kept_only=False)
    assert [(i.paper.id, i.kept) for i in everything] == [(P.id, True), ("2601.00002", False)]
    assert [day for day, _ in s.days.listings_of("2601.00002")] == ["2026-02-02"]
    assert [r.versioned_id for r in s.days.paper_rows()] == ["2601.22586v1"]


def test_old_flat_decisions_still_read(database):
    """Rows written before decisions held a KeywordVerdict (m005) are read the same."""
    s = Store(database)
    s.papers.save([P])
    flat = ('[{"topic": "VLA", "label": "V", "score": 0.5, "threshold": 0.6, "floor": 0.2, "ranker": "tfidf",'
            ' "kept_by": "keywords", "hits": [{"keyword": "vla", "field": "title", "snippet": "s", "matched": "VLA"}],'
            ' "none_hits": [], "missing_all": [], "author_hits": [], "category_ok": true, "judge": null,'
            ' "judge_reason": "", "adjusted_by": 0}]')
    s.db.execute("INSERT INTO days (day, categories, keywords, items, updated_at) VALUES ('2026-01-01', '[]', '[]', 1, 'x')")
    s.db.execute("INSERT INTO day_papers (day, paper_id, version, announce_type, position, hits, topics)"
                 " VALUES ('2026-01-01', ?, 1, 'new', 0, '[]', ?)", (P.id, flat))
    s.db.commit()
    (item,) = s.days.listings("2026-01-01")
    assert item.best.kept_by == "keywords" and item.hits[0].matched == "VLA" and item.best.threshold == 0.6
    assert item.best.probability is None  # decided before calibrated probabilities


def test_earlier_analysed_version(database):
    s = Store(database)
    s.analyses.save(P, Analysis("openai", "m", "p1", "zh", "ok", {"summary": "s"}))
    v3 = Paper(P.id, 3, "Title", "Abstract")
    assert s.analyses.earlier_version(v3) == 1
    assert s.analyses.earlier_version(P) is None


def test_ratings_set_clear_and_read(database):
    s = Store(database)
    s.ratings.set(P.id, "VLA", True)
    s.ratings.set(P.id, "TRAFFIC_ST", False)
    assert s.ratings.of_paper(P.id) == {"VLA": True, "TRAFFIC_ST": False}
    assert s.ratings.clear(P.id, "VLA") and not s.ratings.clear(P.id, "VLA")
    assert [(r.topic, r.good) for r in s.ratings.all()] == [("TRAFFIC_ST", False)]


def test_a_killed_run_is_marked_when_the_next_one_starts(database):
    s = Store(database)
    s.runs.start()
    s.runs.start()
    assert [r.status for r in s.runs.all()] == ["killed", "running"]


def test_run_lock_refuses_a_second_holder(database):
    a, b = Store(database), Store(database)
    with a.run_lock():
        with pytest.raises(RunLocked, match="Another arxiv-monitor run"):
            with b.run_lock():
                pass
    with b.run_lock():  # released
        pass


def test_corrupt_database_is_a_clear_error(tmp_path):
    path = tmp_path / "db.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError) as info:
        with open_store(path):
            pass
    assert str(path) in str(info.value) and "damaged" in str(info.value)
    assert path.read_bytes() == b"this is not a database at all" * 100  # not touched
