"""The store: numbered migrations, idempotent saves, the run lock."""

import sqlite3

import pytest

from arxiv_monitor import store as store_mod
from arxiv_monitor.errors import RunLocked
from arxiv_monitor.models import Analysis, FullText, KeywordHit, Paper, Section
from arxiv_monitor.store import Store

P = Paper("2601.22586", 1, "Title", "Abstract", ["A B"], ["cs.AI"], "replace")


def test_migrations_are_numbered_and_run_once(tmp_path):
    path = tmp_path / "db.sqlite"
    s = Store(path)
    assert s.migrate() == []  # already applied
    s.close()
    with sqlite3.connect(path) as db:
        applied = db.execute("SELECT id, name FROM _migrations ORDER BY id").fetchall()
    assert [a[0] for a in applied] == list(range(1, len(store_mod.MIGRATIONS) + 1))
    assert applied[0][1] == "m001_initial"


def test_saves_are_idempotent(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    for _ in range(2):
        s.save_papers([P])
        s.save_day("2026-02-02", ["cs.AI"], ["vla"], 10, [(P, [KeywordHit("vla", "title", "x VLA y", "VLA")])])
        s.save_fulltext(P, FullText("html", [Section("Abstract", "x")]), "ok")
        s.save_analysis(P, Analysis("openai", "m", "p1", "zh", "ok", {"summary": "s"}))
    assert [s.count(t) for t in ("papers", "day_papers", "fulltexts", "analyses")] == [1, 1, 1, 1]
    (paper, hits, code), = s.day_papers("2026-02-02")
    assert paper.announce_type == "replace" and hits[0].matched == "VLA"
    assert s.find_analysis(P, "openai", "m", "p1", "zh").sections == {"summary": "s"}
    assert s.find_analysis(P, "openai", "m", "p2", "zh") is None


def test_earlier_analysed_version(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    s.save_analysis(P, Analysis("openai", "m", "p1", "zh", "ok", {"summary": "s"}))
    v3 = Paper(P.arxiv_id, 3, "Title", "Abstract", announce_type="replace")
    assert s.earlier_analysed_version(v3) == 1
    assert s.earlier_analysed_version(P) is None


def test_run_lock_refuses_a_second_holder(tmp_path):
    a, b = Store(tmp_path / "db.sqlite"), Store(tmp_path / "db.sqlite")
    with a.run_lock():
        with pytest.raises(RunLocked, match="Another arxiv-monitor run"):
            with b.run_lock():
                pass
    with b.run_lock():  # released
        pass
