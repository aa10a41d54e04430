"""A rerun of a finished day: how long `arxiv-monitor run` takes when there is nothing to do.

    .venv/bin/python bench/rerun.py [--items 2000]

Builds a 2,000-item day in arXiv's RSS format on loopback servers (export API and HTML
full texts, no pace), runs the real CLI once (semantic ranker, extractive analyses), then
runs it again on the same feed and prints both wall times and their ratio. The rerun should
load no model, re-rank nothing and re-save nothing: it answers from the store.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import EXE, day_on_loopback  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    args = parser.parse_args()
    with day_on_loopback(args.items) as (feed, env):
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([str(EXE), "run", "--feed", str(feed)], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
    print(f"first run of a {args.items}-item day (semantic, extractive): {walls[0]:.1f} s")
    print(f"reruns with nothing to do: {walls[1]:.2f} s, {walls[2]:.2f} s "
          f"({walls[0] / min(walls[1:]):.0f}× faster than the first run)")


if __name__ == "__main__":
    main()
