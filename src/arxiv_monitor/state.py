"""A home's state as files a git branch can hold, and back (``arxiv-monitor state``).

GitHub Actions keeps nothing between runs but what it is told to: its cache is evicted after
a week unused, and a repository without commits for 60 days has its schedule disabled. The
workflow therefore keeps the state on a branch of its own, one commit replaced by each run:

    STATE.json               what this is: version, time, the database's SHA-256 and parts
    arxiv-monitor.db.gz.000  the database (a consistent VACUUM INTO copy), gzip, cut in
    arxiv-monitor.db.gz.001  parts of 90 MB (GitHub refuses files over 100 MB)
    reports/                 the reports (days and trends)
    site/                    the static reading room (kept, so each build is incremental)

The download cache is not on the branch (it is large and can be fetched again): the workflow
keeps it in the Actions cache, pruned of files unused for 30 days.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import shutil
import time
from pathlib import Path

from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.store import open_store

PART = 90 * 1024 * 1024
DB = "arxiv-monitor.db.gz"
FOLDERS = ("reports", "site")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack(config: Config, out: Path) -> dict[str, object]:
    """Write the home's state into ``out`` (emptied first)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy = out / "snapshot.db"
    with open_store(config) as store:
        store.snapshot(copy)
    sha = _sha256(copy)
    with copy.open("rb") as raw, gzip.open(out / "all.gz", "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, 1 << 20)
    copy.unlink()
    parts = []
    with (out / "all.gz").open("rb") as packed:
        for n, block in enumerate(iter(lambda: packed.read(PART), b"")):
            (out / f"{DB}.{n:03d}").write_bytes(block)
            parts.append(f"{DB}.{n:03d}")
    (out / "all.gz").unlink()
    for folder in FOLDERS:
        if (config.home_path / folder).is_dir():
            shutil.copytree(config.home_path / folder, out / folder)
    if config.reports_path.is_dir() and config.reports_path != config.home_path / "reports":
        shutil.copytree(config.reports_path, out / "reports", dirs_exist_ok=True)
    info = {"format": 1, "made": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "database_sha256": sha, "parts": parts}
    (out / "STATE.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def unpack(config: Config, folder: Path) -> dict[str, object]:
    """Put a packed state (a clone of the state branch) in the home: the database (checked
    against its SHA-256; an unfinished or damaged copy is refused, the home left as it was), the
    reports and the site."""
    try:
        info = json.loads((folder / "STATE.json").read_text(encoding="utf-8"))
        parts = [folder / p for p in info["parts"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MonitorError(f"{folder} holds no packed state (STATE.json: {exc}); nothing was changed") from None
    config.home_path.mkdir(parents=True, exist_ok=True)
    target = config.db_path
    partial = target.with_name(target.name + ".unpacking")
    try:
        with partial.open("wb") as raw, gzip.GzipFile(fileobj=_Joined(parts), mode="rb") as packed:
            shutil.copyfileobj(packed, raw, 1 << 20)
    except (OSError, EOFError) as exc:
        partial.unlink(missing_ok=True)
        raise MonitorError(f"The packed database in {folder} cannot be read ({exc}); nothing was changed") from None
    if _sha256(partial) != info.get("database_sha256"):
        partial.unlink()
        raise MonitorError(f"The packed database in {folder} does not match its checksum; nothing was changed")
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    partial.replace(target)
    for name in FOLDERS:
        if (folder / name).is_dir():
            shutil.copytree(folder / name, config.home_path / name, dirs_exist_ok=True)
    return info


class _Joined:
    """The parts, read as one file."""

    def __init__(self, parts: list[Path]):
        self.files = [p.open("rb") for p in parts]

    def read(self, size: int = -1) -> bytes:
        out = b""
        while self.files and (size < 0 or len(out) < size):
            block = self.files[0].read(-1 if size < 0 else size - len(out))
            if not block:
                self.files.pop(0).close()
                continue
            out += block
        return out


def prune_cache(config: Config, days: int) -> tuple[int, int]:
    """Delete downloaded files unused for ``days`` days: (files removed, bytes freed)."""
    cutoff, removed, freed = time.time() - days * 86400, 0, 0
    if not config.cache_path.is_dir():
        return 0, 0
    for path in config.cache_path.rglob("*"):
        if path.is_file() and max(path.stat().st_mtime, path.stat().st_atime) < cutoff:
            freed += path.stat().st_size
            path.unlink()
            removed += 1
    return removed, freed
