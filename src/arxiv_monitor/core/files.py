"""Small file helpers shared by the stages."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from arxiv_monitor.core.errors import MonitorError


def write_atomic(path: Path, data: bytes | str, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A reader sees the old file or the new one, never a half-written one. ``durable=False``
    skips the fsync: for files a rerun writes again (the static site's pages).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        umask = os.umask(0o022)
        os.umask(umask)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise MonitorError(_cannot_write(path, exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MonitorError(_cannot_write(path, exc)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cannot_write(path: Path, exc: OSError) -> str:
    """One line naming the file, what went wrong and what to do (the old file is untouched)."""
    if exc.errno == errno.ENOSPC:
        advice = "the disk is full: free some space and run again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = f"make {path.parent} writable, or choose another folder (paths.reports_dir)"
    else:
        advice = f"check that {path.parent} is a folder you can write to"
    return f"Cannot write {path}: {exc.strerror or exc}; {advice}. Nothing was overwritten."
