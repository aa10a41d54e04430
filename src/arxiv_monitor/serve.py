"""``arxiv-monitor serve``: run the daily job on a cron schedule.

The default schedule is 00:30 US Eastern, Monday to Friday: shortly after
arXiv's feeds refresh at midnight Eastern. Each run is logged; a failed run
(arXiv unreachable, the disk full) is tried again after ``schedule.retry_minutes``,
the wait doubling up to two hours, until ``schedule.retry_hours`` after the
scheduled time; then the service waits for the next scheduled run, and the
run itself catches up the days it missed. ``/healthz`` says when the next try is. ``GET /healthz`` answers with the last run's status (HTTP
200, or 503 after a failed run), and SIGTERM or SIGINT stop the service
cleanly between runs (a run in progress finishes its current paper first:
everything done so far is stored, and the next run completes it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from arxiv_monitor.core import stopping
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.pipeline import RunStats

log = logging.getLogger(__name__)


class Health:
    """The service's state, served at ``/healthz``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state: dict[str, Any] = {"status": "starting", "last_run": None, "next_run": None,
                                      "runs": 0, "failures": 0}

    def update(self, **values: Any) -> None:
        with self.lock:
            self.state.update(values)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return dict(self.state)


class _HealthServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A probe that hangs up mid-request (a health check timing out) is one log line, not a
        traceback in the service's output."""
        error = sys.exc_info()[1]
        level = logging.DEBUG if isinstance(error, (ConnectionError, TimeoutError)) else logging.WARNING
        log.log(level, "health check from %s failed: %s", client_address[0], error)


def _health_server(health: Health, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            if self.path.split("?")[0] not in ("/healthz", "/"):
                self.send_error(404)
                return
            state = health.snapshot()
            last = state.get("last_run") or {}
            body = json.dumps(state, ensure_ascii=False, default=str).encode()
            self.send_response(503 if last.get("status") == "failed" else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _HealthServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _reading_room(config: Config, health: Health, explain: Callable[..., Any] | None) -> Any:
    """The web app (``web/app.py``) beside the schedule, in a thread; it also answers /healthz."""
    import uvicorn

    from arxiv_monitor.web.app import check_bind, create_app

    check_bind(config, config.web.host)
    server = uvicorn.Server(uvicorn.Config(create_app(config, health.snapshot, explain), host=config.web.host,
                                           port=config.web.port, log_level="warning", server_header=False))
    threading.Thread(target=server.run, daemon=True, name="reading-room").start()
    log.info("reading room on http://%s:%d/", config.web.host, config.web.port)
    return server


def next_run(cron: str, zone: str, after: dt.datetime) -> dt.datetime:
    """The next time ``cron`` fires in time zone ``zone``, after ``after``."""
    local = after.astimezone(ZoneInfo(zone))
    return croniter(cron, local).get_next(dt.datetime)


def serve(config: Config, job: Callable[[], RunStats], run_now: bool = False,
          explain: Callable[..., Any] | None = None) -> None:
    """Run ``job`` on the configured schedule until SIGTERM or SIGINT."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):  # a run in hand stops after its paper (core/stopping.py)
            signal.signal(sig, lambda *_: (stop.set(), stopping.request()))
    health = Health()
    sched = config.schedule
    reading_room = _reading_room(config, health, explain) if config.web.enabled else None
    server = _health_server(health, sched.healthz_host, sched.healthz_port)
    log.info("healthz on http://%s:%d/healthz", *server.server_address[:2])
    health.update(status="waiting", healthz_port=server.server_address[1])
    try:
        due = dt.datetime.now(dt.timezone.utc) if run_now else None
        scheduled, tries = due, 0  # the scheduled time being tried, and the failed tries since
        while not stop.is_set():
            if due is None:
                due = scheduled = next_run(sched.cron, sched.timezone, dt.datetime.now(dt.timezone.utc))
                health.update(next_run=due.isoformat())
                log.info("next run at %s (%s local time)", due.isoformat(),
                         due.astimezone().strftime("%Y-%m-%d %H:%M %Z"))
            wait = (due - dt.datetime.now(dt.timezone.utc)).total_seconds()
            if wait > 0 and stop.wait(wait):
                break
            result = _run_once(job, health)
            now = dt.datetime.now(dt.timezone.utc)
            tries = tries + 1 if result["last_run"]["status"] == "failed" else 0
            due, retry = next_try(sched, scheduled or now, now, tries)
            if not retry:
                scheduled, tries = due, 0
            result["last_run"]["retry"] = retry
            health.update(next_run=due.isoformat(), **result)  # one update: readers see both at once
            if retry:
                log.warning("the run failed (try %d): trying again at %s (%s local time)", tries, due.isoformat(),
                            due.astimezone().strftime("%H:%M %Z"))
            else:
                log.info("next run at %s", due.isoformat())
    finally:
        server.shutdown()
        server.server_close()
        if reading_room is not None:
            reading_room.should_exit = True
        health.update(status="stopped")
        log.info("arxiv-monitor serve stopped")


def next_try(sched: Any, scheduled: dt.datetime, now: dt.datetime, failed: int) -> tuple[dt.datetime, bool]:
    """When to run next, and whether that is a retry: after ``failed`` failed tries of the run
    scheduled at ``scheduled``, a retry ``retry_minutes`` later (doubling, at most two hours)
    while within ``retry_hours`` of the scheduled time; else the next scheduled run."""
    following = next_run(sched.cron, sched.timezone, now)
    if failed:
        wait = dt.timedelta(minutes=min(sched.retry_minutes * 2 ** (failed - 1), 120))
        if now + wait <= scheduled + dt.timedelta(hours=sched.retry_hours) and now + wait < following:
            return now + wait, True
    return following, False


def _run_once(job: Callable[[], RunStats], health: Health) -> dict[str, Any]:
    """Run the job once; return the health fields to update (the last run, the counts)."""
    started = dt.datetime.now(dt.timezone.utc)
    health.update(status="running")
    state = health.snapshot()
    try:
        stats = job()
    except Exception as exc:  # a failed run never stops the service
        if isinstance(exc, MonitorError):
            log.error("scheduled run failed: %s", exc)
        else:
            log.exception("scheduled run failed")
        last = {"status": "failed", "started": started.isoformat(), "error": str(exc)}
        return {"status": "waiting", "last_run": last, "runs": state["runs"] + 1,
                "failures": state["failures"] + 1}
    last = {"status": "ok" if not stats.errors else "errors", "started": started.isoformat(),
            "day": stats.day, "report": stats.report, "message": stats.message,
            "matched": stats.matched, "analysed": stats.analysed, "caught_up": stats.caught_up,
            "errors": stats.errors}
    log.info("run finished: day %s, %d matched, report %s", stats.day, stats.matched, stats.report)
    return {"status": "waiting", "last_run": last, "runs": state["runs"] + 1}
