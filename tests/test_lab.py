"""A lab server on PostgreSQL: a SQLite home copied into it without loss, and analysis workers
sharing one day (claims taken FOR UPDATE SKIP LOCKED, a killed worker's claims taken over)."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from arxiv_monitor.core.models import FullText, KeywordHit, KeywordVerdict, Listing, Paper, Section, TopicDecision
from arxiv_monitor.store import Store
from arxiv_monitor.store.copy import checksum, columns
from tests.conftest import postgres_schema
from tests.helpers import cli, cli_popen

FIXTURE = Path(__file__).parent / "data" / "stores" / "main-m013.db"
DAY = "2026-03-02"


@pytest.fixture
def pg(request):
    url = postgres_schema(request.node.name)
    yield url
    from arxiv_monitor.store.engine import close_pools

    close_pools()


def test_a_sqlite_home_is_copied_into_postgresql_with_matching_counts_and_checksums(home, pg):
    home.mkdir(parents=True)
    shutil.copyfile(FIXTURE, home / "arxiv-monitor.db")
    done = cli("db", "migrate", "--to", pg, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "every count and checksum matches" in done.stderr
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in done.stdout.splitlines() if "│" in line]
    lines = {r[0]: r for r in rows if r[-1] == "ok" and r[1] == r[2] and r[3] == r[4]}
    for table in ("papers", "day_papers", "analyses", "ratings", "embeddings", "deliveries", "runs"):
        assert table in lines  # each table printed with its counts, "ok"
    with _both(home / "arxiv-monitor.db", pg) as (a, b):
        for table in ("papers", "analyses", "embeddings"):
            names = columns(a, table)
            assert checksum(a, table, names) == checksum(b, table, names) and checksum(b, table, names)[0] > 0
        # the copy is a working store: papers, days, search and new rows with new ids
        assert b.papers.latest("2601.22586").title == a.papers.latest("2601.22586").title
        assert b.days.all() == a.days.all()
        assert [h.paper_id for h in b.search.query("WED-Net")] == [h.paper_id for h in a.search.query("WED-Net")]
        assert b.search.query("WED-Net")
        assert b.runs.start() > max(r.id for r in a.runs.all())
    again = cli("db", "migrate", "--to", pg)  # into a database that holds data: refused, nothing written
    assert again.returncode == 1 and "already holds" in again.stderr and "Traceback" not in again.stderr


class _both:
    def __init__(self, a, b):
        self.stores = (Store(a), Store(b))

    def __enter__(self):
        return self.stores

    def __exit__(self, *_):
        for s in self.stores:
            s.close()


def test_a_changed_row_changes_the_checksum(database):
    store = Store(database)
    store.papers.save([Paper("2601.00001", 1, "T", "A"), Paper("2601.00002", 1, "U", "B")])
    names = columns(store, "papers")
    before = checksum(store, "papers", names)
    with store.db:
        store.db.execute("UPDATE papers SET abstract='A.' WHERE paper_id='2601.00001'")
    assert checksum(store, "papers", names)[0] == before[0] and checksum(store, "papers", names) != before
    store.close()


def test_claims_are_taken_once_and_expire(database):
    a, b = Store(database), Store(database)
    keys = [f"k{n}" for n in range(10)]
    first = a.claims.take(keys, "A", ttl=60, limit=4)
    second = b.claims.take(keys, "B", ttl=60, limit=10)
    assert len(first) == 4 and len(second) == 6 and not set(first) & set(second)
    assert a.claims.take(keys, "A", ttl=60, limit=10) == []  # all claimed
    assert b.claims.held_by_others(keys, "B") is not None  # A holds four
    a.claims.finish(first[:2], "A")
    a.claims.release(first[2:], "A")  # given back undone: B takes them at once
    assert sorted(b.claims.take(keys, "B", ttl=0, limit=10)) == sorted(first[2:])
    time.sleep(1.1)  # B's claims (ttl 0) ran out: A may take them, never the finished ones
    assert set(a.claims.take(keys, "A", ttl=60, limit=10)) == set(first[2:])
    a.close()
    b.close()


def _day_of(n: int, url: str) -> list[Paper]:
    """A stored day of ``n`` kept papers with their full texts (what a run leaves for the workers)."""
    store = Store(url)
    papers = [Paper(f"2603.{i:05d}", 1, f"Vision-language-action policy {i}",
                    f"We study VLA policy {i} for robot manipulation.", ["A. Author"], ["cs.RO"]) for i in range(n)]
    store.papers.save(papers)
    hit = KeywordHit("vla", "title", "VLA", "VLA")
    store.days.save(DAY, ["cs.RO"], ["vla"], n, [
        Listing(p, "new", [TopicDecision("VLA", "VLA", 0.9, 0.5, "keywords", "keywords", KeywordVerdict([hit]))])
        for p in papers])
    for p in papers:
        store.fulltexts.save(p, FullText("html", [Section("Abstract", p.abstract),
                                                  Section("Method", "We train the policy on robot data. " * 20)]), "ok")
    store.close()
    return papers


def _worker_env(url: str) -> dict[str, str]:
    return {"ARXIV_MONITOR_PATHS_DATABASE": url, "ARXIV_MONITOR_LLM_CONCURRENCY": "3"}


def _analyses(url: str) -> list[tuple[str, str]]:
    store = Store(url)
    rows = [(r[0], r[1]) for r in store.db.execute("SELECT paper_id, status FROM analyses")]
    store.close()
    return rows


def test_two_workers_share_a_day_and_analyse_each_paper_once(pg, llm):
    llm.latency = 0.05
    papers = _day_of(60, pg)
    workers = [cli_popen("worker", "--date", DAY, env=_worker_env(pg)) for _ in range(2)]
    assert [w.wait(240) for w in workers] == [0, 0]
    assert llm.analysis_calls() == 60  # counted at the LLM: no paper twice
    assert sorted(pid for pid, _ in _analyses(pg)) == sorted(p.id for p in papers)
    assert all(llm.calls_for(p.id) == 1 for p in papers)
    done = cli("worker", "--date", DAY, env=_worker_env(pg))  # a third finds nothing left
    assert done.returncode == 0 and "0 paper(s) needed an analysis" in done.stderr


def test_a_killed_workers_claims_are_taken_over_when_they_run_out(pg, llm):
    llm.latency = 8  # the first worker's requests hang until it is killed
    papers = _day_of(12, pg)
    first = cli_popen("worker", "--date", DAY, "--ttl", "3", "--batch", "3", env=_worker_env(pg))
    deadline = time.monotonic() + 60
    while llm.analysis_calls() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert llm.analysis_calls() == 3  # it claimed three and is analysing them
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    llm.latency = 0.0
    second = cli("worker", "--date", DAY, "--ttl", "3", env=_worker_env(pg))
    assert second.returncode == 0, second.stderr
    assert "took 12" in second.stderr  # its own nine, and the killed worker's three once their claims ran out
    assert sorted(pid for pid, status in _analyses(pg) if status == "ok") == sorted(p.id for p in papers)
