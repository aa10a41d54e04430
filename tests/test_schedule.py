"""Catch-up, backfill and the scheduled service."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.serve import next_run
from arxiv_monitor.sources.arxiv.api import fetch_day, submission_window, window_query
from tests.arxiv_data import FakePaper, api_atom, latexml_html, rss
from tests.fakes import GoldenServer, Reply
from tests.helpers import free_port, invoke, read, stored_text

MON = FakePaper("2602.01001", "Monday VLA: Vision-Language-Action Policies", "A VLA for robots.")
TUE = FakePaper("2602.02002", "Tuesday Traffic Prediction Network", "We study traffic prediction.",
                categories=["stat.ML", "cs.LG"])
WED = FakePaper("2602.03003", "Wednesday Spatio-Temporal Prediction", "Spatio-temporal prediction of flows.")
THU = FakePaper("2602.04004", "Thursday Traffic Forecasting with Graphs", "Traffic forecasting on road graphs.")


def test_submission_window_follows_arxiv_cutoffs():
    start, end = submission_window(dt.date(2026, 2, 2))  # a Monday: Thu 14:00 to Fri 14:00 ET
    assert (start.isoformat(), end.isoformat()) == ("2026-01-29T19:00:00+00:00", "2026-01-30T19:00:00+00:00")
    start, end = submission_window(dt.date(2026, 2, 3))  # a Tuesday: Fri 14:00 to Mon 14:00 ET
    assert (start.date(), end.date()) == (dt.date(2026, 1, 30), dt.date(2026, 2, 2))
    assert window_query(["cs.AI", "cs.LG"], dt.date(2026, 2, 3)) == (
        "(cat:cs.AI OR cat:cs.LG) AND submittedDate:[202601301900 TO 202602021900]")


def test_fetch_day_pages_through_the_api():
    pages = [Reply(200, api_atom([MON, TUE], total=3)), Reply(200, api_atom([WED], total=3))]
    with GoldenServer({"/api": pages}) as server, PoliteClient("t", interval=0) as client:
        batch = fetch_day(client, f"{server.url}/api", ["cs.AI"], dt.date(2026, 2, 3),
                          ["new", "cross"], page_size=2)
        queries = [urllib.parse.parse_qs(r["query"]) for r in server.requests]
    assert [q["start"] for q in queries] == [["0"], ["2"]]
    assert "submittedDate:[" in queries[0]["search_query"][0]
    assert [p.id for p in [i.paper for i in batch.listings]] == [MON.arxiv_id, TUE.arxiv_id, WED.arxiv_id]
    assert [item.announce_type for item in batch.listings] == ["new", "cross", "new"]
    assert [i.paper for i in batch.listings][0].published == dt.date(2026, 2, 3)


def api_route(by_day: dict[str, list[FakePaper]], everything: list[FakePaper]):
    """The export API: id_list enrichment, or a submittedDate window per day."""
    def route(query: str) -> Reply:
        q = urllib.parse.parse_qs(query)
        if "id_list" in q:
            return Reply(200, api_atom([p for p in everything if p.arxiv_id in q["id_list"][0]]))
        for day, papers in by_day.items():
            if window_query(["cs.AI", "cs.LG", "cs.RO", "cs.CV"], dt.date.fromisoformat(day)) == q["search_query"][0]:
                return Reply(200, api_atom(papers))
        return Reply(200, api_atom([]))
    return route


def test_missed_day_is_caught_up_on_the_next_run(home, arxiv):
    feed_path = "/rss/cs.AI+cs.LG+cs.RO+cs.CV"
    arxiv.routes["/api/query"] = api_route({"2026-02-03": [TUE]}, [MON, TUE, WED])
    arxiv.routes[feed_path] = Reply(200, rss([MON], pub="Mon, 02 Feb 2026 00:00:00 -0500"))
    assert invoke("run").exit_code == 0
    # the service is down on Tuesday; Wednesday's run must also produce Tuesday
    arxiv.routes[feed_path] = Reply(200, rss([WED], pub="Wed, 04 Feb 2026 00:00:00 -0500"))
    result = invoke("run")
    assert result.exit_code == 0 and "2026-02-03" in result.output
    reports = sorted(p.name for p in (home / "reports").glob("*.md"))
    assert reports == ["2026-02-02.md", "2026-02-03.md", "2026-02-04.md"]
    assert TUE.title in (home / "reports" / "2026-02-03.md").read_text(encoding="utf-8")
    assert read(home, lambda s: [(d, i.paper.id) for d in sorted(s.days.all()) for i in s.days.listings(d)]) == [
        ("2026-02-02", MON.arxiv_id), ("2026-02-03", TUE.arxiv_id), ("2026-02-04", WED.arxiv_id)]
    assert "- **公告类型**: 交叉列出（cross）" in (home / "reports" / "2026-02-03.md").read_text(encoding="utf-8")


def test_a_failed_catch_up_day_is_tried_again_by_the_next_runs(home, arxiv):
    """Tuesday's catch-up fails on Wednesday (the export API is down for it); Thursday's run
    catches it up, though Wednesday is stored by then."""
    feed_path = "/rss/cs.AI+cs.LG+cs.RO+cs.CV"
    answer = api_route({"2026-02-03": [TUE]}, [MON, TUE, WED, THU])
    down = {"on": False}

    def route(query: str) -> Reply:
        if down["on"] and "submittedDate" in query:
            return Reply(400, "Bad request")  # not retried: the day is left for the next run
        return answer(query)

    arxiv.routes["/api/query"] = route
    arxiv.routes[feed_path] = Reply(200, rss([MON], pub="Mon, 02 Feb 2026 00:00:00 -0500"))
    assert invoke("run").exit_code == 0
    down["on"] = True
    arxiv.routes[feed_path] = Reply(200, rss([WED], pub="Wed, 04 Feb 2026 00:00:00 -0500"))
    failed = invoke("run")
    assert failed.exit_code == 0 and "catch-up of 2026-02-03 failed (attempt 1), will retry next run" in failed.output
    assert read(home, lambda s: s.pending_days.all()) == {"2026-02-03": 1}
    down["on"] = False
    arxiv.routes[feed_path] = Reply(200, rss([THU], pub="Thu, 05 Feb 2026 00:00:00 -0500"))
    assert invoke("run").exit_code == 0
    assert read(home, lambda s: sorted(s.days.all())) == ["2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"]
    assert TUE.title in (home / "reports" / "2026-02-03.md").read_text(encoding="utf-8")
    assert read(home, lambda s: s.pending_days.all()) == {}


def test_backfill_command(home, arxiv):
    arxiv.routes["/api/query"] = api_route({"2026-02-03": [TUE], "2026-02-04": [WED]}, [TUE, WED])
    arxiv.routes[f"/html/{TUE.arxiv_id}v1"] = Reply(200, latexml_html(TUE.title, TUE.abstract))
    result = invoke("backfill", "--from", "2026-02-03", "--to", "2026-02-08")
    assert result.exit_code == 0, result.output
    assert "Backfilled 4 day(s)" in result.output  # Tue..Fri; the weekend is skipped
    assert sorted(p.name for p in (home / "reports").glob("*.md")) == ["2026-02-03.md", "2026-02-04.md"]
    assert stored_text(home, TUE.arxiv_id)[0] == "html"
    again = invoke("backfill", "--from", "2026-02-03", "--to", "2026-02-04")
    assert "Backfilled 0 day(s)" in again.output


def test_next_run_uses_the_schedule_time_zone():
    after = dt.datetime(2026, 2, 2, 12, 0, tzinfo=dt.timezone.utc)  # Monday 07:00 ET
    due = next_run("30 0 * * 1-5", "America/New_York", after)
    assert due.astimezone(dt.timezone.utc).isoformat() == "2026-02-03T05:30:00+00:00"


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _serve_once(port: int) -> tuple[dict, int, str]:
    """Start `serve --run-now`, wait for its run, stop it with SIGTERM.

    Returns the health state, its HTTP status and the service's output.
    """
    exe = Path(sys.executable).with_name("arxiv-monitor")
    proc = subprocess.Popen([str(exe), "serve", "--run-now"], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        state: dict = {}
        code = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not state.get("runs"):
            try:
                code, state = _health(port)
            except OSError:
                pass
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        return state, code, proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_service_stopped_between_days_catches_up(home, arxiv, monkeypatch):
    feed_path = "/rss/cs.AI+cs.LG+cs.RO+cs.CV"
    arxiv.routes["/api/query"] = api_route({"2026-02-03": [TUE]}, [MON, TUE, WED])
    arxiv.routes[feed_path] = Reply(200, rss([MON], pub="Mon, 02 Feb 2026 00:00:00 -0500"))
    port = free_port()
    monkeypatch.setenv("ARXIV_MONITOR_SCHEDULE_HEALTHZ_PORT", str(port))
    assert _serve_once(port)[0]["last_run"]["day"] == "2026-02-02"
    # the service is down on Tuesday; started again on Wednesday
    arxiv.routes[feed_path] = Reply(200, rss([WED], pub="Wed, 04 Feb 2026 00:00:00 -0500"))
    state = _serve_once(port)[0]
    assert state["last_run"]["day"] == "2026-02-04" and state["last_run"]["caught_up"] == ["2026-02-03"]
    assert sorted(p.name for p in (home / "reports").glob("*.md")) == [
        "2026-02-02.md", "2026-02-03.md", "2026-02-04.md"]


def test_serve_runs_reports_health_and_stops_on_sigterm(home, arxiv, monkeypatch):
    arxiv.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = Reply(200, rss([MON]))
    port = free_port()
    monkeypatch.setenv("ARXIV_MONITOR_SCHEDULE_HEALTHZ_PORT", str(port))
    state, code, output = _serve_once(port)
    assert code == 200 and state["last_run"]["status"] == "ok", state
    assert state["last_run"]["day"] == "2026-02-02"
    started = dt.datetime.fromisoformat(state["last_run"]["started"])
    assert dt.datetime.fromisoformat(state["next_run"]) == next_run("30 0 * * 1-5", "America/New_York", started)
    assert (home / "reports" / "2026-02-02.md").exists()
    assert output.rstrip().endswith("arxiv-monitor serve stopped"), output[-500:]


def test_a_failed_run_is_tried_again_with_backoff_until_the_deadline():
    from arxiv_monitor.core.settings import ScheduleConfig
    from arxiv_monitor.serve import next_try

    sched = ScheduleConfig(retry_minutes=10, retry_hours=3)
    at = dt.datetime(2026, 2, 2, 5, 30, tzinfo=dt.timezone.utc)  # Monday 00:30 in New York
    first, retry = next_try(sched, at, at + dt.timedelta(minutes=1), failed=1)
    assert retry and first == at + dt.timedelta(minutes=11)
    third, _ = next_try(sched, at, at + dt.timedelta(minutes=40), failed=3)
    assert third == at + dt.timedelta(minutes=80)  # 10, 20, 40 minutes: doubling
    late, retry = next_try(sched, at, at + dt.timedelta(hours=2, minutes=50), failed=5)
    assert not retry and late == next_run(sched.cron, sched.timezone, at + dt.timedelta(hours=3))  # past the deadline
    ok, retry = next_try(sched, at, at + dt.timedelta(minutes=1), failed=0)
    assert not retry and ok > at + dt.timedelta(hours=20)


def test_serve_tries_a_failed_run_again_and_says_when(home, arxiv, monkeypatch):
    arxiv.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = [Reply(503, "down", {"Retry-After": "0"})] * 3 + [Reply(200, rss([MON]))]
    port = free_port()
    monkeypatch.setenv("ARXIV_MONITOR_SCHEDULE_HEALTHZ_PORT", str(port))
    monkeypatch.setenv("ARXIV_MONITOR_SCHEDULE_RETRY_MINUTES", "0.03")  # about two seconds
    exe = Path(sys.executable).with_name("arxiv-monitor")
    proc = subprocess.Popen([str(exe), "serve", "--run-now"], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                code, state = _health(port)
                if state.get("runs") and (not seen or seen[-1][1]["runs"] != state["runs"]):
                    seen.append((code, state))
                if state.get("runs", 0) >= 2:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        output = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    (code, failed), (_, done) = seen[0], seen[-1]
    assert code == 503 and failed["last_run"]["status"] == "failed" and failed["last_run"]["retry"]
    assert (dt.datetime.fromisoformat(failed["next_run"]) - dt.datetime.fromisoformat(failed["last_run"]["started"])
            ).total_seconds() < 30
    assert done["last_run"]["status"] == "ok" and done["last_run"]["day"] == "2026-02-02"
    assert "trying again at" in output


def test_a_health_probe_that_hangs_up_leaves_no_traceback(capfd):
    """A Docker HEALTHCHECK that times out resets its connection; the service logs at most a line."""
    import socket
    import struct

    from arxiv_monitor.serve import Health, _health_server

    server = _health_server(Health(), "127.0.0.1", 0)
    try:
        probe = socket.create_connection(server.server_address)
        probe.sendall(b"GET /healthz HTTP/1.1\r\n")  # half a request, then a reset
        time.sleep(0.2)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        probe.close()
        time.sleep(0.3)
        assert _health(server.server_address[1])[0] == 200  # still serving
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err
