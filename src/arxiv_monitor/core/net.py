"""Polite HTTP for arXiv: the one place that holds retry and rate-limit logic.

Rules (from arXiv's terms of use):

* at most one request every ``interval`` seconds per host (default 3 s);
* a descriptive User-Agent on every request;
* 429, 500, 502, 503 and 504 are retried with exponential backoff, and a
  ``Retry-After`` header (seconds or HTTP date) is honoured;
* a host that cannot be reached (name not resolved, connection refused) is
  not asked again for the rest of the run after ``unreachable_after``
  consecutive failures, and a host that times out ``timeouts_down_after``
  times in a row is likewise down for the run, so an offline or hanging host
  costs seconds or minutes, not hours;
* a response that fails the caller's ``validate`` check (a feed cut off
  mid-document) is retried like a 503.

The backoff rule (``backoff_delay``) and the breaker (``Breaker``) are also
used by the LLM client, so every retry follows the same policy.
"""

from __future__ import annotations

import email.utils
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from arxiv_monitor.core.errors import FetchError, HostUnreachable, MonitorError


class TooLarge(FetchError):
    """A download larger than the configured cap (``arxiv.max_download_mb``)."""


def _size_note(size: int, cap: int, over: str = "") -> str:
    return f"the download is {over + ' ' if over else ''}{size / 1e6:.1f} MB, larger than the " \
           f"{cap / 1e6:g} MB cap (arxiv.max_download_mb)"

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


class Breaker:
    """Gives up on a service after ``limit`` consecutive failures of one kind."""

    def __init__(self, limit: int):
        self.limit = limit
        self.counts: dict[str, int] = {}
        self.reason = ""

    @property
    def tripped(self) -> bool:
        return bool(self.reason)

    def success(self) -> None:
        self.counts.clear()

    def failure(self, kind: str, reason: str, limit: int | None = None) -> bool:
        """Count one failure of ``kind``; True when this one trips the breaker."""
        self.counts = {kind: self.counts.get(kind, 0) + 1}
        if not self.reason and self.counts[kind] >= (limit or self.limit):
            self.reason = reason
            return True
        return False


def backoff_delay(attempt: int, base: float, cap: float, retry_after: str | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): Retry-After, else doubling from ``base``."""
    hinted = retry_after_seconds(retry_after)
    if hinted is not None:
        return min(hinted, cap)
    return min(base * (2**attempt), cap)


@dataclass
class _HostState:
    last_request: float = -1e9
    breaker: Breaker = field(default_factory=lambda: Breaker(2))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def down(self) -> bool:
        return self.breaker.tripped


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _read_capped(url: str, response: httpx.Response, cap: float) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > cap:
            raise TooLarge(url, _size_note(len(body), int(cap), "over"))
    return bytes(body)


def _stream_to(url: str, response: httpx.Response, dest: Path, cap: float) -> None:
    """Write the body to ``dest`` through a temporary file: whole, or not at all."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        size = 0
        with os.fdopen(fd, "wb") as handle:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise TooLarge(url, _size_note(size, int(cap), "over"))
                handle.write(chunk)
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)


class PoliteClient:
    """An httpx client with per-host pacing, retries and a dead-host breaker."""

    def __init__(
        self,
        user_agent: str,
        *,
        interval: float = 3.0,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 5.0,
        max_backoff: float = 120.0,
        unreachable_after: int = 2,
        timeouts_down_after: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.interval = interval
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.unreachable_after = unreachable_after
        self.timeouts_down_after = timeouts_down_after
        self._sleep = sleep
        self._clock = clock
        self._hosts: dict[str, _HostState] = {}
        self._hosts_lock = threading.Lock()
        self.requests = 0
        self.warnings: list[str] = []
        self._client = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=timeout,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _host(self, url: str) -> tuple[str, _HostState]:
        host = urlsplit(url).netloc
        with self._hosts_lock:
            return host, self._hosts.setdefault(host, _HostState())

    def is_down(self, url: str) -> bool:
        """True when the host of ``url`` was given up on during this run."""
        return self._host(url)[1].down

    def _pace(self, state: _HostState) -> None:
        wait = state.last_request + self.interval - self._clock()
        if wait > 0:
            self._sleep(wait)
        state.last_request = self._clock()

    def _host_failed(self, host: str, state: _HostState, kind: str, exc: Exception, limit: int) -> None:
        what = "cannot be reached" if kind == "connect" else "keeps timing out"
        if state.breaker.failure(kind, what, limit):
            message = f"{host} {what} ({type(exc).__name__}); not asking it again this run"
            self.warnings.append(message)
            log.warning(message)

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
            validate: Callable[[httpx.Response], None] | None = None,
            max_bytes: int | None = None, dest: Path | None = None) -> httpx.Response:
        """GET ``url`` politely. Returns a 2xx/304 response or raises FetchError.

        ``validate(response)`` may raise ValueError (or a MonitorError) for a
        body that is not usable; that attempt then counts as failed and is
        retried with backoff. With ``dest``, the body is streamed to that file
        (written whole or not at all) instead of memory; a body larger than
        ``max_bytes`` is refused while it streams in.
        """
        host, state = self._host(url)
        with state.lock:
            for attempt in range(self.max_retries + 1):
                if state.down:
                    raise HostUnreachable(url, f"{host} {state.breaker.reason} (gave up earlier this run)")
                self._pace(state)
                self.requests += 1
                response, last = None, attempt == self.max_retries
                try:
                    response = self._fetch(url, params, headers, max_bytes, dest)
                except httpx.ConnectError as exc:
                    self._host_failed(host, state, "connect", exc, self.unreachable_after)
                    raise HostUnreachable(url, f"cannot connect: {exc}") from exc
                except httpx.TimeoutException as exc:
                    self._host_failed(host, state, "timeout", exc, self.timeouts_down_after)
                    if last or state.down:
                        raise FetchError(url, f"timed out: {exc}") from exc
                except httpx.TransportError as exc:
                    if last:
                        raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
                    log.info("retrying %s after %s", url, exc)
                else:
                    state.breaker.success()
                    if response.status_code < 400 or response.status_code == 304:
                        problem = self._check(response, validate)
                        if problem is None:
                            return response
                        if last:
                            raise FetchError(url, problem, response.status_code)
                        log.info("unusable response from %s (%s), retrying", host, problem)
                    elif response.status_code not in RETRY_STATUSES or last:
                        raise FetchError(url, f"HTTP {response.status_code}", response.status_code)
                    else:
                        log.info("HTTP %s from %s, backing off", response.status_code, host)
                header = response.headers.get("Retry-After") if response is not None else None
                self._sleep(backoff_delay(attempt, self.backoff, self.max_backoff, header))
        raise FetchError(url, "retries exhausted")  # pragma: no cover - loop always returns/raises

    def _fetch(self, url: str, params: dict | None, headers: dict | None, max_bytes: int | None,
               dest: Path | None) -> httpx.Response:
        """One request, its body read into memory or streamed to ``dest``, up to ``max_bytes``."""
        with self._client.stream("GET", url, params=params, headers=headers) as response:
            if response.status_code >= 300 or (max_bytes is None and dest is None):
                response.read()
                return response
            cap = max_bytes if max_bytes is not None else float("inf")
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > cap:
                raise TooLarge(url, _size_note(declared, int(cap)))
            if dest is None:
                response._content = _read_capped(url, response, cap)
            else:
                _stream_to(url, response, dest, cap)
                response._content = b""
        return response

    @staticmethod
    def _check(response: httpx.Response, validate: Callable[[httpx.Response], None] | None) -> str | None:
        if validate is None:
            return None
        try:
            validate(response)
        except (ValueError, MonitorError) as exc:
            return str(exc)
        return None
