"""A whole morning at arXiv's pace: `arxiv-monitor run` on a 2,000-item day against loopback
servers in arXiv's formats, and how close its wall time comes to the politeness floor.

    .venv/bin/python bench/day.py [--items 2000] [--pace 3.0] [--latency 2.0] [--repeat 1]

Three loopback hosts, as arXiv has: the RSS feed, the export API and the HTML full texts,
each paced by the client at ``--pace`` seconds a request (the real 3 s by default), and an
OpenAI-compatible LLM answering after ``--latency`` seconds. The day has 31 papers with a
default topic's keyword in the title, 10 more with it only in the abstract, and noise.
For each repetition (a fresh home), prints per host the first and last request times, then
the wall time, the floor (the busiest host's requests times the pace, and all arXiv
requests times the pace) and wall ÷ floor.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import EXE  # noqa: E402

from tests.arxiv_data import FakePaper, api_atom, latexml_html, rss  # noqa: E402
from tests.fakes import FakeLLM, GoldenServer, Reply  # noqa: E402

NOISE = ("algebra theorem proof lattice group ring module category sheaf cohomology manifold curvature "
         "spectrum operator measure integral series prime number field galois ideal variety scheme "
         "polynomial matrix eigenvalue bound estimate inequality convex compact dense metric").split()


EXTRA: list[str] = []  # more options for the run (``-v``)
LOG: list[str] = []  # each run's stderr


def the_day(n: int, seed: int = 5) -> list[FakePaper]:
    """Noise in words no default topic names, 31 titles with a topic keyword, 10 abstracts."""
    rng = random.Random(seed)
    words = NOISE
    out = []
    for i in range(n):
        title = " ".join(rng.choice(words) for _ in range(9)).title()
        abstract = " ".join(rng.choice(words) for _ in range(180)) + "."
        if i % 64 == 0 and i // 64 < 31:
            title = f"A Vision-Language-Action Policy for {title}"
        elif i % 64 == 32 and i // 64 < 10:
            abstract += " We fine-tune a vision-language-action (VLA) model for robot manipulation."
        out.append(FakePaper(f"2602.{i:05d}", title, abstract, categories=["cs.RO", "cs.AI"]))
    return out


def one_day(n: int, pace: float, latency: float) -> dict:
    day = the_day(n)
    with GoldenServer() as feed_host, GoldenServer() as api_host, GoldenServer() as html_host, \
            FakeLLM(latency=latency, api_key="sk-bench") as llm, tempfile.TemporaryDirectory() as tmp:
        feed_host.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = Reply(200, rss(day), {"Content-Type": "application/rss+xml"})
        api_host.routes["/api/query"] = Reply(200, api_atom(day[::16]))
        for p in day:
            html_host.routes[f"/html/{p.arxiv_id}v1"] = Reply(200, latexml_html(p.title, p.abstract))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_MONITOR_", "OPENAI_"))}
        env.update({"ARXIV_MONITOR_HOME": str(Path(tmp) / "home"),
                    "ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL": str(pace),
                    "ARXIV_MONITOR_ARXIV_RSS_URL": f"{feed_host.url}/rss",
                    "ARXIV_MONITOR_ARXIV_API_URL": f"{api_host.url}/api/query",
                    "ARXIV_MONITOR_ARXIV_HTML_URL": f"{html_host.url}/html",
                    "ARXIV_MONITOR_ARXIV_PDF_URL": f"{html_host.url}/pdf",
                    "ARXIV_MONITOR_LLM_BASE_URL": f"{llm.url}/v1", "ARXIV_MONITOR_LLM_API_KEY": "sk-bench",
                    "ARXIV_MONITOR_LLM_MODEL": "fake-model"})
        start = time.monotonic()
        done = subprocess.run([str(EXE), "run", *EXTRA], env=env, capture_output=True, text=True)
        LOG.append(done.stderr)
        wall = time.monotonic() - start
        if done.returncode:
            sys.exit(f"the run failed:\n{done.stderr[-2000:]}")
        hosts = {"feed": feed_host, "export API": api_host, "full texts": html_host, "LLM": llm}
        times = {name: [r["time"] - start for r in server.requests if "time" in r] for name, server in hosts.items()}
    arxiv = {k: v for k, v in times.items() if k != "LLM"}
    busiest = max(len(v) for v in arxiv.values()) * pace
    return {"times": times, "wall": wall, "busiest": busiest, "all": sum(len(v) for v in arxiv.values()) * pace}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--pace", type=float, default=3.0)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for k in range(args.repeat):
        r = one_day(args.items, args.pace, args.latency)
        print(f"repetition {k + 1}: {args.items} items, pace {args.pace} s, LLM latency {args.latency} s")
        for name, t in r["times"].items():
            if t:
                print(f"  {name:<11} {len(t):>3} requests, first at {min(t):6.1f} s, last at {max(t):6.1f} s")
        print(f"  wall {r['wall']:.1f} s; floor: busiest host {r['busiest']:.0f} s, all arXiv requests "
              f"{r['all']:.0f} s; wall ÷ floor {r['wall'] / r['busiest']:.2f} (busiest), "
              f"{r['wall'] / r['all']:.2f} (all)")


if __name__ == "__main__":
    main()
