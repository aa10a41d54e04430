"""Write ``main-m013.db``: a store written by arxiv-monitor as it was before paper ids named
their source (schema m013, commit be2997c), with a row in every table.

Run it from a checkout of that commit, with its package and tests importable:

    git worktree add /tmp/old be2997c
    cd /tmp/old && python3 -m venv .venv && .venv/bin/pip install -e . \
        && .venv/bin/python /path/to/tests/data/stores/make_fixture.py /path/to/tests/data/stores/main-m013.db

It serves two days of papers from loopback arXiv and LLM servers, runs them with the
semantic ranker (embeddings), rates papers, seeds a topic from a BibTeX library, and
delivers to a generic webhook (the ledger), so every table holds rows. The migration test
(tests/test_migrations.py) opens a copy with today's code and checks every row.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from tests.arxiv_data import rss
from tests.fakes import FakeLLM, GoldenServer, Reply
from tests.helpers import PAPERS, invoke, serve_day, write_feed

BIB = """@article{wed, title = {WED-Net: A Weather-Effect Disentanglement Network for Urban Flow Prediction},
  eprint = {2601.22586}, archivePrefix = {arXiv}, year = {2026}}
@article{other, title = {A Paper Without an arXiv Id}, abstract = {Traffic flow prediction on graphs.},
  doi = {10.1000/xyz123}, year = {2025}}
"""


def main(out: Path) -> None:
    work = Path(tempfile.mkdtemp())
    home = work / "home"
    home.mkdir()
    (work / "lib.bib").write_text(BIB)
    (home / "config.toml").write_text(f"""
[[topics]]
id = "VLA"
name = "VLA"
any = ["Vision Language Action", "vla"]
description = "Vision-language-action models for robots."

[[topics]]
id = "TRAFFIC_ST"
name = "Traffic"
any = ["traffic prediction", "time series forecasting", "spatio-temporal prediction"]
description = "Traffic forecasting on road networks."
[topics.library]
file = "{work / 'lib.bib'}"

[[webhooks]]
name = "sink"
kind = "generic"
url = "env:SINK_URL"
""")
    for key in list(os.environ):
        if key.startswith(("ARXIV_MONITOR_", "OPENAI_")):
            del os.environ[key]
    with GoldenServer() as arxiv, FakeLLM(api_key="sk-test") as llm, GoldenServer() as sink:
        sink.routes["/hook"] = Reply(200, "{}")
        os.environ.update({
            "ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_RAISE": "1",
            "ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL": "0", "ARXIV_MONITOR_ARXIV_BACKOFF": "0",
            "ARXIV_MONITOR_RELEVANCE_RANKER": "semantic",
            "ARXIV_MONITOR_ARXIV_RSS_URL": f"{arxiv.url}/rss", "ARXIV_MONITOR_ARXIV_API_URL": f"{arxiv.url}/api/query",
            "ARXIV_MONITOR_ARXIV_HTML_URL": f"{arxiv.url}/html", "ARXIV_MONITOR_ARXIV_PDF_URL": f"{arxiv.url}/pdf",
            "ARXIV_MONITOR_RELEVANCE_CROSSREF_URL": f"{arxiv.url}/crossref",
            "ARXIV_MONITOR_LLM_BASE_URL": f"{llm.url}/v1", "ARXIV_MONITOR_LLM_API_KEY": "sk-test",
            "ARXIV_MONITOR_LLM_MODEL": "fake-model", "SINK_URL": f"{sink.url}/hook",
        })
        serve_day(arxiv)
        day1 = write_feed(work, PAPERS, name="day1.xml")
        day2 = work / "day2.xml"
        from dataclasses import replace

        second = [replace(p, version=2, announce_type="replace") for p in PAPERS[:2]]
        day2.write_text(rss(second, pub="Tue, 03 Feb 2026 00:00:00 -0500"), encoding="utf-8")
        for feed in (day1, day2):
            result = invoke("run", "--feed", str(feed))
            assert result.exit_code == 0, result.output
        for args in (("rate", PAPERS[0].arxiv_id, "good", "--topic", "VLA"),
                     ("rate", PAPERS[4].arxiv_id, "bad", "--topic", "VLA")):
            assert invoke(*args).exit_code == 0
    db = home / "arxiv-monitor.db"
    import sqlite3

    with sqlite3.connect(db) as conn:  # one file, no WAL beside it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
        empty = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                 if not t.startswith(("search_index_", "sqlite_")) and
                 conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] == 0]
    if empty:
        sys.exit(f"tables left empty: {empty}")
    shutil.copyfile(db, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
