"""A stop asked for from outside (SIGTERM: ``systemctl stop``, ``docker stop``).

The handler only sets a flag. The run looks at it between papers: it stops taking new
papers, lets the analyses in flight finish and be saved, closes its runs row as
``stopped`` and ends; the command exits 0 and the next run finishes the day. Nothing is
published half-done: a stopped run writes no report.
"""

from __future__ import annotations

import signal
import threading

_requested = threading.Event()


class Stopped(BaseException):  # noqa: N818 - like KeyboardInterrupt, it is not an error
    """Raised where a running job notices a stop was asked for (a BaseException, so no
    ``except Exception`` around one paper swallows it)."""


def install() -> None:
    """Catch SIGTERM (in the main thread; elsewhere a no-op)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: request())


def request() -> None:
    _requested.set()


def requested() -> bool:
    return _requested.is_set()


def check() -> None:
    """Raise Stopped when a stop was asked for."""
    if _requested.is_set():
        raise Stopped("stopped by SIGTERM")
