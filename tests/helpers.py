"""Shared test data and helpers: a day of papers, the loopback arXiv routes, the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from arxiv_monitor.cli import app
from tests.arxiv_data import FakePaper, api_atom, latexml_html, make_pdf, rss
from tests.fakes import LoopbackServer, Reply

VLA = FakePaper("2602.00001", "OpenVLA-X: Scaling Vision-Language-Action Models",
                "We present OpenVLA-X, a vision-language-action model for robot manipulation. "
                "Code: https://github.com/Robo-Lab/OpenVLA-X.", categories=["cs.RO", "cs.AI"])
WED = FakePaper("2601.22586", "WED-Net: A Weather-Effect Disentanglement Network for Urban Flow Prediction",
                "Urban spatio-temporal prediction under extreme conditions is challenging. "
                "The code is publicly available at https://github.com/HQ-LV/WED-Net.",
                authors="Qian Hong, Siyuan Chang, Xiao Zhou")
PDFONLY = FakePaper("2602.00003", "Traffic Prediction with Graph Transformers",
                    "We study traffic prediction on road sensor graphs.", categories=["cs.LG"],
                    comment="Accepted at KDD. Code at https://github.com/tp-lab/GraphTP.")
NOTEXT = FakePaper("2602.00004", "Multivariate Time Series Forecasting without Text",
                   "A multivariate time series forecasting method with no full text online.",
                   categories=["cs.LG"])
OFFTOPIC = FakePaper("2602.00005", "Organ segmentation began with storage", "Nothing about GAN here.",
                     categories=["cs.CV"])
PAPERS = [VLA, WED, PDFONLY, NOTEXT, OFFTOPIC]
# Papers near the traffic topic that name none of its keywords: what "help me tune" asks about
# (ROADS and its twin ROADS_TOO say nearly the same; one rating of one moves the other)
ROADS = FakePaper("2602.00012", "Learning road sensor dynamics for congestion",
                  "Road sensor readings of congestion are modelled over time with graph networks, "
                  "with a note on demand prediction.", categories=["cs.LG"])
ROADS_TOO = FakePaper("2602.00015", "Road sensor dynamics of congestion, learned",
                      "We model road sensor readings of congestion over time with graph networks, "
                      "with a note on demand prediction.", categories=["cs.LG"])
BIKES = FakePaper("2602.00011", "Predicting bike-sharing demand across city stations",
                  "We predict hourly bike demand at city stations from past rides and weather with a graph network.",
                  categories=["cs.LG"])
MOLECULES = FakePaper("2602.00014", "A benchmark of graph neural networks for molecules", "Graph networks on molecules.",
                      categories=["cs.LG"])
BORDERLINE = [ROADS, ROADS_TOO, BIKES, MOLECULES]


def serve_day(arxiv, papers=PAPERS) -> None:
    arxiv.routes["/api/query"] = Reply(200, api_atom(papers))
    arxiv.routes[f"/html/{VLA.arxiv_id}v1"] = Reply(200, latexml_html(VLA.title, VLA.abstract))
    arxiv.routes[f"/html/{WED.arxiv_id}v1"] = Reply(200, latexml_html(WED.title, WED.abstract))
    arxiv.routes[f"/pdf/{PDFONLY.arxiv_id}v1"] = Reply(200, make_pdf(PDFONLY.title, two_column=True))


def write_feed(tmp_path: Path, papers=PAPERS, name="feed.xml", **kw) -> Path:
    path = tmp_path / name
    path.write_text(rss(papers, **kw), encoding="utf-8")
    return path


def arxiv_sources(client, api_url: str = "", **urls: str):
    """The arXiv source alone, asking ``api_url`` (and the feed, HTML and PDF URLs given) through ``client``."""
    from arxiv_monitor.sources.arxiv.source import ArxivSource
    from arxiv_monitor.sources.base import Sources

    return Sources([ArxivSource(client, ["new", "cross", "replace", "replace-cross"], ["cs.AI"], api_url=api_url,
                                rss_url=urls.get("rss_url", ""), html_url=urls.get("html_url", ""),
                                pdf_url=urls.get("pdf_url", ""))])


def invoke(*args: str, input: str | None = None):
    """Run the CLI in-process (``input``: what the user types); domain errors are raised
    (ARXIV_MONITOR_RAISE is set)."""
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


def read(home: Path, fn):
    """``fn(store)`` on the home's store: tests read what a run stored through the store's API."""
    from arxiv_monitor.store import open_store

    database = os.environ.get("ARXIV_MONITOR_PATHS_DATABASE") or home / "arxiv-monitor.db"  # (see conftest.backend)
    with open_store(database) as store:
        return fn(store)


def stored_text(home: Path, paper_id: str) -> tuple:
    """(source, status, attempts, error) of the paper's stored full text (its only version)."""
    ((_, _, t),) = [x for x in read(home, lambda s: s.fulltexts.list()) if x[0] == paper_id]
    return t.text.source, t.status, t.attempts, t.text.error


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the installed console script as a user would: domain errors become one line on stderr."""
    exe = Path(sys.executable).with_name("arxiv-monitor")
    environ = {k: v for k, v in os.environ.items() if k != "ARXIV_MONITOR_RAISE"}
    environ.update(env or {})
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=environ, timeout=timeout)


def cli_popen(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    """Start the installed console script in the background (for kills and races)."""
    exe = Path(sys.executable).with_name("arxiv-monitor")
    environ = {k: v for k, v in os.environ.items() if k != "ARXIV_MONITOR_RAISE"}
    environ.update(env or {})
    return subprocess.Popen([str(exe), *args], env=environ, **kw)


def many_papers(n: int, start: int = 100) -> list[FakePaper]:
    """``n`` VLA papers with long titles (a digest that needs several chat messages)."""
    return [FakePaper(f"2602.{start + i:05d}", f"VLA-{i}: Scaling Vision-Language-Action Policies for "
                      f"Dexterous Long-Horizon Manipulation Across Many Robot Embodiments, Part {i}",
                      f"We present VLA-{i}, a vision-language-action model.", categories=["cs.RO"])
            for i in range(n)]


@contextmanager
def serve_folder(folder: Path):
    """A static site's folder over loopback HTTP (as GitHub Pages serves it): yields its URL."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler

    server = LoopbackServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
