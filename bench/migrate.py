"""Copying a home's SQLite store into PostgreSQL: `arxiv-monitor db migrate --to` on a
100,000-paper store (three years of days, each paper with its analysis, ratings), timed, with
the per-table counts and checksums the command prints.

    .venv/bin/python bench/migrate.py [--papers 100000] [--store FILE]

Uses the server named by $TEST_POSTGRES_URL, else starts a throwaway one
(`.ci/postgres`). ``--store`` keeps the filled SQLite store (filled once, as bench/web.py does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lab import fresh_schema, postgres  # noqa: E402
from pipeline import EXE  # noqa: E402
from web import fill  # noqa: E402

from arxiv_monitor.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--store", type=Path, help="keep the filled SQLite store here (filled once)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, postgres() as server:
        home = Path(tmp) / "home"
        home.mkdir()
        db = home / "arxiv-monitor.db"
        if args.store and args.store.exists():
            shutil.copyfile(args.store, db)
        else:
            started = time.perf_counter()
            store = Store(db)
            fill(store, args.papers, dt.date(2026, 2, 27))
            store.close()
            print(f"filled {args.papers:,} papers in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            if args.store:
                shutil.copyfile(db, args.store)
        url = fresh_schema(server, "bench_migrate")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARXIV_MONITOR_")}
        env.update({"ARXIV_MONITOR_HOME": str(home), "COLUMNS": "160"})
        started = time.perf_counter()
        done = subprocess.run([str(EXE), "db", "migrate", "--to", url], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        print(done.stdout)
        print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
        print(f"db migrate of a {args.papers:,}-paper store ({db.stat().st_size / 1e6:.0f} MB): {wall:.1f} s, "
              f"exit {done.returncode}")


if __name__ == "__main__":
    main()
