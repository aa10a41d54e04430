"""A lab server on PostgreSQL: a SQLite home copied into it without loss, and analysis workers
sharing one day (claims taken FOR UPDATE SKIP LOCKED, a killed worker's claims taken over)."""

from __future__ import annotations

import os
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
    assert a.claims.take(keys, "C", ttl=60, limit=10) == []  # all claimed
    assert sorted(a.claims.take(keys, "A", ttl=60, limit=10)) == sorted(first)  # its own, renewed
    assert b.claims.held_by_others(keys, "B") is not None  # A holds four
    a.claims.finish(first[:2], "A")
    a.claims.release(first[2:], "A")  # given back undone: B takes them at once
    assert sorted(b.claims.take(keys, "B", ttl=0, limit=10)) == sorted(first[2:] + second)  # and its own
    time.sleep(1.1)  # B's claims (ttl 0) ran out: A may take them, never the finished ones
    assert set(a.claims.take(keys, "A", ttl=60, limit=10)) == set(first[2:] + second)
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


TOPICS = {
    "lab": '[[topics]]\nid = "VLA"\nname = "VLA"\nany = ["vision-language-action"]\nrank = false\n',
    "alice": '[[topics]]\nid = "FLOW"\nname = "Urban flow"\nany = ["urban flow", "traffic prediction"]\nrank = false\n',
    "carol": '[[topics]]\nid = "TS"\nname = "Time series"\nany = ["time series forecasting", "traffic prediction"]\n'
             'rank = false\n',
}


def test_three_users_each_get_their_own_report_and_shared_papers_are_analysed_once(tmp_path, home, pg, arxiv, llm):
    from tests.helpers import NOTEXT, OFFTOPIC, PDFONLY, VLA, WED, invoke, serve_day, write_feed

    serve_day(arxiv)
    os.environ["ARXIV_MONITOR_PATHS_DATABASE"] = pg  # the in-process CLI reads the environment
    try:
        for login in ("alice", "bob", "carol"):
            assert invoke("users", "add", login, "--email", f"{login}@lab.example").exit_code == 0
        for owner, text in TOPICS.items():
            path = tmp_path / f"{owner}.toml"
            path.write_text(text, encoding="utf-8")
            args = ["lab", "topics", "add", str(path)] + ([] if owner == "lab" else ["--owner", owner])
            assert invoke(*args).exit_code == 0
        for login in ("alice", "bob"):
            assert invoke("lab", "follow", login, "VLA").exit_code == 0
        result = invoke("lab", "run", "--feed", str(write_feed(tmp_path)))
        assert result.exit_code == 0, result.output
    finally:
        del os.environ["ARXIV_MONITOR_PATHS_DATABASE"]
    wanted = {"alice": {VLA.arxiv_id, WED.arxiv_id, PDFONLY.arxiv_id}, "bob": {VLA.arxiv_id},
              "carol": {PDFONLY.arxiv_id, NOTEXT.arxiv_id}}
    for login, papers in wanted.items():
        report = (home / "reports" / login / "2026-02-02.md").read_text(encoding="utf-8")
        for paper in (VLA, WED, PDFONLY, NOTEXT, OFFTOPIC):
            assert (paper.arxiv_id in report) == (paper.arxiv_id in papers), (login, paper.arxiv_id)
    # each kept paper analysed once for all three (counted at the LLM), each text downloaded once
    assert llm.analysis_calls() == 4
    assert all(llm.calls_for(p.arxiv_id) == 1 for p in (VLA, WED, PDFONLY, NOTEXT))
    fetched = [r["path"] for r in arxiv.requests if r["path"].startswith(("/html/", "/pdf/"))]
    assert len(fetched) == len(set(fetched))
    assert "4 papers kept for 3 users; 4 analyses, where separate copies would make 6" in result.output
    # each user's days and ratings are their own
    stores = {login: Store(pg, user=login) for login in wanted}
    stores["alice"].ratings.set(WED.arxiv_id, "FLOW", True)
    assert [r.paper_id for r in stores["alice"].ratings.all()] == [WED.arxiv_id]
    assert stores["bob"].ratings.all() == [] and stores["carol"].ratings.all() == []
    assert {i.paper.id for i in stores["bob"].days.listings("2026-02-02")} == {VLA.arxiv_id}
    assert stores["carol"].search.query("prediction", topic="FLOW") == []  # alice's private topic
    assert [h.paper_id for h in stores["alice"].search.query("prediction", topic="FLOW")] != []
    for s in stores.values():
        s.close()


def test_accounts_passwords_and_tokens(pg):
    store = Store(pg)
    token = store.users.add("dana", "Dana", "dana@lab.example", "member", password="correct horse", language="en")
    assert store.users.by_token(token).login == "dana" and store.users.by_token(token + "x") is None
    assert store.users.check_password("dana", "correct horse").language == "en"
    assert store.users.check_password("dana", "wrong") is None
    stored = store.db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert token not in str(store.db.execute("SELECT * FROM tokens").fetchall())  # only its hash is kept
    store.users.disable("dana")
    assert store.users.by_token(token) is None and store.users.check_password("dana", "correct horse") is None
    with pytest.raises(ValueError, match="exists already"):
        store.users.add("dana")
    with pytest.raises(ValueError, match="role"):
        store.users.add("erin", role="owner")
    store.close()


def test_lab_commands_need_postgresql(home):
    done = cli("users", "list")
    assert done.returncode == 1 and "needs PostgreSQL" in done.stderr and "Traceback" not in done.stderr


def test_a_lab_topic_learns_from_every_members_ratings_and_a_private_one_from_its_owners(pg, tmp_path):
    store = Store(pg)
    for login in ("alice", "bob"):
        store.users.add(login)
    store.lab_topics.save("", {"id": "VLA", "any": ["vla"]})
    store.lab_topics.save("alice", {"id": "MINE", "any": ["mine"]})
    for login in ("alice", "bob"):
        store.lab_topics.follow(login, "VLA")
    store.close()
    alice, bob = Store(pg, user="alice"), Store(pg, user="bob")
    before = bob.ratings.latest()
    alice.ratings.set("2601.00001", "VLA", True)
    alice.ratings.set("2601.00002", "MINE", True)
    bob.ratings.set("2601.00003", "VLA", False)
    assert [(r.paper_id, r.good) for r in bob.ratings.all("VLA")] == [("2601.00001", True), ("2601.00003", False)]
    assert bob.ratings.latest() != before  # bob's decisions are made again with alice's rating
    assert [r.paper_id for r in bob.ratings.all()] == ["2601.00003"]  # his own ratings and reading list
    assert bob.ratings.all("MINE") == [] and [r.paper_id for r in alice.ratings.all("MINE")] == ["2601.00002"]
    assert alice.ratings.clear("2601.00001", "VLA")
    assert [r.paper_id for r in bob.ratings.all("VLA")] == ["2601.00003"]
    alice.close()
    bob.close()


def test_a_server_that_cannot_be_reached_is_one_line_without_its_password(monkeypatch):
    from arxiv_monitor.store import StoreError, engine

    monkeypatch.setattr(engine, "OPEN_TIMEOUT", 1.0)
    with pytest.raises(StoreError) as info:
        Store("postgresql://monitor:s3cret-pw@127.0.0.1:9/arxiv_monitor")
    message = str(info.value)
    assert "s3cret-pw" not in message and "monitor:***@127.0.0.1:9" in message and "paths.database" in message
    engine.close_pools()


def test_a_proxy_header_signs_in_only_from_this_machine(pg, monkeypatch):
    from arxiv_monitor.core.config import load_config
    from arxiv_monitor.web.accounts import Accounts

    store = Store(pg)
    store.users.add("alice")
    store.close()
    for key, value in {"PATHS_DATABASE": pg, "WEB_ACCOUNTS": "true", "WEB_TOKEN": "k",
                       "WEB_USER_HEADER": "X-Forwarded-User"}.items():
        monkeypatch.setenv(f"ARXIV_MONITOR_{key}", value)
    accounts = Accounts(load_config())
    header = {"x-forwarded-user": "alice"}
    assert accounts.reader(header, {}, "127.0.0.1").login == "alice"
    assert accounts.reader(header, {}, "10.0.0.5") is None  # anyone could send the header from elsewhere
    assert accounts.reader({"x-forwarded-user": "nobody"}, {}, "127.0.0.1") is None


def test_serve_runs_the_lab_day_and_each_users_trends_through_their_own_targets(tmp_path, home, pg, arxiv, llm,
                                                                                  monkeypatch):
    """`serve` on a lab (web.accounts) runs the lab's day, not the home's: each user's report and
    their week's trends go to the chat targets that name them, and to no one else's."""
    import datetime as dt
    import json

    from arxiv_monitor import lab
    from arxiv_monitor.core.config import load_config
    from tests.arxiv_data import rss
    from tests.fakes import GoldenServer, Reply
    from tests.helpers import PAPERS, PDFONLY, VLA, WED, invoke, serve_day

    serve_day(arxiv)
    arxiv.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = Reply(200, rss(PAPERS))
    monkeypatch.setenv("ARXIV_MONITOR_PATHS_DATABASE", pg)
    monkeypatch.setenv("ARXIV_MONITOR_WEB_ACCOUNTS", "true")
    monkeypatch.setenv("ARXIV_MONITOR_WEB_TOKEN", "lab-session-key")
    with GoldenServer() as chat:
        chat.handle_any = lambda *_: Reply(200, b"ok")
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text("".join(
            f'[[webhooks]]\nname = "{name}"\nkind = "generic"\nurl = "{chat.url}/{name}"\nusers = {users}\n\n'
            for name, users in (("alice", '["alice"]'), ("bob", '["bob"]'), ("lab", "[]"))), encoding="utf-8")
        for login in ("alice", "bob"):
            assert invoke("users", "add", login).exit_code == 0
        for owner in ("lab", "alice"):
            (tmp_path / f"{owner}.toml").write_text(TOPICS[owner], encoding="utf-8")
            assert invoke("lab", "topics", "add", str(tmp_path / f"{owner}.toml"),
                          *([] if owner == "lab" else ["--owner", owner])).exit_code == 0
        for login in ("alice", "bob"):
            assert invoke("lab", "follow", login, "VLA").exit_code == 0
        # `serve` runs the lab's day (its loop stands in for one scheduled run)
        monkeypatch.setattr("arxiv_monitor.serve.serve", lambda cfg, job, **kw: job())
        assert invoke("serve").exit_code == 0
        assert (home / "reports" / "alice" / "2026-02-02.md").exists()
        stats = lab.scheduled_run(load_config(), today=dt.date(2026, 2, 9))  # the week of 2026-02-02 is complete
        sent = {}
        for r in chat.requests:
            sent.setdefault(r["path"], []).append(json.loads(r["body"]))
    assert stats.day == "2026-02-02" and not stats.errors, stats  # (the day stored, its reports sent once)
    assert "lab" not in {p.strip("/") for p in sent}  # a target that names nobody: no user's report
    days = {login: [m for m in sent[f"/{login}"] if m.get("day") == "2026-02-02"] for login in ("alice", "bob")}
    ids = {login: {p["id"] for m in found for p in m["papers"]} for login, found in days.items()}
    assert ids == {"alice": {VLA.arxiv_id, WED.arxiv_id, PDFONLY.arxiv_id}, "bob": {VLA.arxiv_id}}
    for login in ("alice", "bob"):
        trends = [m for m in sent[f"/{login}"] if m.get("kind") == "week"]
        assert len(trends) == 1, sent[f"/{login}"]
        assert any(n.startswith(f"{login}: trends 2026-W06") for n in stats.notes)
        assert list((home / "reports" / login / "trends").glob("*.md"))
        own = Store(pg, user=login)
        assert own.trends.get("2026-W06") is not None
        own.close()
