"""Polite HTTP for arXiv: the one place that holds retry and rate-limit logic.

Rules (from arXiv's terms of use):

* at most one request every ``interval`` seconds per host (default 3 s);
* a descriptive User-Agent on every request;
* 429, 500, 502, 503 and 504 are retried with exponential backoff, and a
  ``Retry-After`` header (seconds or HTTP date) is honoured;
* a host that cannot be reached (name not resolved, connection refused) is
  not asked again for the rest of the run after ``unreachable_after``
  consecutive failures, so an offline run ends in seconds.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from .errors import FetchError, HostUnreachable

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass
class _HostState:
    last_request: float = -1e9
    connect_failures: int = 0
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


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
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.interval = interval
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.unreachable_after = unreachable_after
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

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        header = response.headers.get("Retry-After") if response is not None else None
        hinted = retry_after_seconds(header)
        if hinted is not None:
            return min(hinted, self.max_backoff)
        return min(self.backoff * (2**attempt), self.max_backoff)

    def _connect_failed(self, host: str, state: _HostState, url: str, exc: Exception) -> None:
        state.connect_failures += 1
        if state.connect_failures >= self.unreachable_after and not state.down:
            state.down = True
            message = f"{host} cannot be reached ({type(exc).__name__}); not asking it again this run"
            self.warnings.append(message)
            log.warning(message)
        raise HostUnreachable(url, f"cannot connect: {exc}") from exc

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None) -> httpx.Response:
        """GET ``url`` politely. Returns a 2xx/304 response or raises FetchError."""
        host, state = self._host(url)
        with state.lock:
            for attempt in range(self.max_retries + 1):
                if state.down:
                    raise HostUnreachable(url, f"{host} is unreachable (gave up earlier this run)")
                self._pace(state)
                self.requests += 1
                response = None
                try:
                    response = self._client.get(url, params=params, headers=headers)
                except httpx.ConnectError as exc:
                    self._connect_failed(host, state, url, exc)
                except httpx.TransportError as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                    if attempt == self.max_retries:
                        raise FetchError(url, reason) from exc
                    log.info("retrying %s after %s", url, reason)
                else:
                    state.connect_failures = 0
                    if response.status_code < 400 or response.status_code == 304:
                        return response
                    if response.status_code not in RETRY_STATUSES or attempt == self.max_retries:
                        raise FetchError(url, f"HTTP {response.status_code}", response.status_code)
                    log.info("HTTP %s from %s, backing off", response.status_code, host)
                self._sleep(self._delay(attempt, response))
        raise FetchError(url, "retries exhausted")  # pragma: no cover - loop always returns/raises
