"""Faults, measured: a 40-paper day against an LLM endpoint that always answers 500,
and the time the start-up configuration check adds.

    .venv/bin/python bench/faults.py [--exe PATH/arxiv-monitor] [--papers 40]

``--exe`` runs another installation's command (for a before/after figure on
the same machine). Everything is on loopback: the arXiv routes and the
OpenAI-compatible endpoint are the test doubles of ``tests/``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.arxiv_data import api_atom, rss  # noqa: E402
from tests.fakes import FakeLLM, GoldenServer, Reply, status  # noqa: E402
from tests.helpers import many_papers  # noqa: E402


def dead_endpoint_day(exe: str, papers: int) -> tuple[int, float, int, str]:
    """(LLM requests, wall seconds, exit status, last line of stderr) of one `run`."""
    day = many_papers(papers)
    with tempfile.TemporaryDirectory() as tmp, GoldenServer({"/api/query": Reply(200, api_atom(day))}) as arxiv, \
            FakeLLM(status(500, "internal error")) as llm:
        feed = Path(tmp) / "feed.xml"
        feed.write_text(rss(day), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_MONITOR_", "OPENAI_"))}
        env.update({"ARXIV_MONITOR_HOME": f"{tmp}/home", "ARXIV_MONITOR_RELEVANCE_RANKER": "keywords",
                    "ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL": "0", "ARXIV_MONITOR_ARXIV_API_URL": f"{arxiv.url}/api/query",
                    "ARXIV_MONITOR_ARXIV_HTML_URL": "http://127.0.0.1:9/html",
                    "ARXIV_MONITOR_ARXIV_PDF_URL": "http://127.0.0.1:9/pdf",
                    "ARXIV_MONITOR_LLM_BASE_URL": f"{llm.url}/v1", "ARXIV_MONITOR_LLM_MODEL": "m",
                    "ARXIV_MONITOR_LLM_API_KEY": "k"})
        started = time.perf_counter()
        done = subprocess.run([exe, "run", "--feed", str(feed)], env=env, capture_output=True, text=True,
                              timeout=3600)
        seconds = time.perf_counter() - started
        last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or [""]
        return len(llm.bodies), seconds, done.returncode, last[0].strip()


def preflight_cost(repeat: int = 20) -> dict[str, float]:
    """Milliseconds the start-up check takes, per configuration."""
    from arxiv_monitor.checks import preflight
    from arxiv_monitor.core.config import Config

    out = {}
    with FakeLLM() as llm:
        cases = {
            "extractive": lambda: Config(home="/tmp/x"),
            "openai, model set": lambda: Config.model_validate(
                {"home": "/tmp/x", "llm": {"base_url": f"{llm.url}/v1", "model": "m"}}),
            "openai, model from /models": lambda: Config.model_validate(
                {"home": "/tmp/x", "llm": {"base_url": f"{llm.url}/v1"}}),
        }
        for name, make in cases.items():
            start = time.perf_counter()
            for _ in range(repeat):
                preflight(make())
            out[name] = (time.perf_counter() - start) / repeat * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exe", default=str(Path(sys.executable).with_name("arxiv-monitor")))
    parser.add_argument("--papers", type=int, default=40)
    args = parser.parse_args()
    requests, seconds, code, last = dead_endpoint_day(args.exe, args.papers)
    print(f"{args.papers}-paper day, LLM always 500 ({args.exe}):")
    print(f"  LLM requests {requests}, wall time {seconds:.1f} s, exit status {code}")
    print(f"  last line: {last}")
    if args.exe == str(Path(sys.executable).with_name("arxiv-monitor")):
        for name, ms in preflight_cost().items():
            print(f"start-up check, {name}: {ms:.2f} ms")


if __name__ == "__main__":
    main()
