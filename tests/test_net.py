"""Politeness: pacing, retries, Retry-After, User-Agent, dead hosts."""

import pytest

from arxiv_monitor.core.errors import FetchError, HostUnreachable
from arxiv_monitor.core.net import PoliteClient, retry_after_seconds
from tests.fakes import GoldenServer, Reply


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def client(t: FakeTime, **kw) -> PoliteClient:
    kw.setdefault("interval", 3.0)
    return PoliteClient("arxiv-monitor/test (+mailto:a@b.c)", sleep=t.sleep, clock=t.clock, **kw)


def test_one_request_every_three_seconds_per_host_with_user_agent():
    t = FakeTime()
    with GoldenServer({"/a": Reply(200, "ok")}) as server, client(t) as c:
        for _ in range(3):
            c.get(f"{server.url}/a")
    assert t.sleeps == [3.0, 3.0]
    assert all(r["headers"]["User-Agent"].startswith("arxiv-monitor/") for r in server.requests)


def test_retry_after_is_honoured_on_429_and_503_backs_off():
    t = FakeTime()
    routes = {"/x": [Reply(429, headers={"Retry-After": "7"}), Reply(503), Reply(200, "done")]}
    with GoldenServer(routes) as server, client(t, interval=0, backoff=2.0) as c:
        assert c.get(f"{server.url}/x").text == "done"
    assert t.sleeps == [7.0, 4.0]  # Retry-After, then exponential backoff (2 * 2**1)


def test_gives_up_after_retries_with_clear_error():
    t = FakeTime()
    with GoldenServer({"/x": Reply(503)}) as server, client(t, interval=0, max_retries=2, backoff=1) as c:
        with pytest.raises(FetchError, match="HTTP 503"):
            c.get(f"{server.url}/x")
        assert len(server.requests) == 3


def test_404_is_not_retried():
    t = FakeTime()
    with GoldenServer() as server, client(t, interval=0) as c:
        with pytest.raises(FetchError) as info:
            c.get(f"{server.url}/missing")
    assert info.value.status == 404 and len(server.requests) == 1


def test_unreachable_host_is_given_up_once():
    t = FakeTime()
    with client(t, interval=0, backoff=60) as c:
        for _ in range(5):
            with pytest.raises(HostUnreachable):
                c.get("http://127.0.0.1:9/paper")
        assert c.requests == 2 and c.is_down("http://127.0.0.1:9/other")
        assert len(c.warnings) == 1 and "cannot be reached" in c.warnings[0]
    assert t.sleeps == []  # no backoff on a dead host


def test_retry_after_http_date():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("junk") is None and retry_after_seconds("12") == 12.0
