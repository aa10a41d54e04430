"""The README's picture of the reading room (``docs/reading-room.png``): a real-looking day.

    .venv/bin/python scripts/readme_screenshot.py [../shared/data/relevance/dev.jsonl]

Two weeks of the labelled dev set's papers (real titles and abstracts, on the days arXiv
announced them) are fed to `arxiv-monitor run --feed` in arXiv's RSS format, with the
default topics and the semantic ranker on; full texts are not fetched (no network here), so
the analyses are the labelled extractive ones, and no model name is invented. The newest day
is photographed in Chromium, wide enough for its calendar.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "reading-room.png"
DAYS = ["2026-05-26", "2026-05-27", "2026-05-28"]


def main() -> None:
    from tests.arxiv_data import FakePaper, rss

    dev = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "relevance" / "dev.jsonl"
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {**os.environ, "ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_ARXIV_FULLTEXT": "false",
               "ARXIV_MONITOR_LLM_BACKEND": "extractive", "ARXIV_MONITOR_RELEVANCE_RANKER": "semantic",
               "ARXIV_MONITOR_ARXIV_API_URL": "http://127.0.0.1:9/api"}
        exe = Path(sys.executable).with_name("arxiv-monitor")
        for day in DAYS:
            papers = [FakePaper(r["id"], " ".join(r["title"].split()), " ".join(r["abstract"].split()),
                                categories=r.get("categories") or ["cs.AI"]) for r in rows
                      if (r.get("date") or "")[:10] == day]
            when = dt.date.fromisoformat(day)
            feed = home / f"{day}.xml"
            feed.write_text(rss(papers, pub=f"{when:%a, %d %b %Y} 00:00:00 -0400"), encoding="utf-8")
            subprocess.run([str(exe), "run", "--feed", str(feed)], env=env, check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([str(exe), "web", "--port", str(port)], env=env)
        try:
            time.sleep(3)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1300, "height": 860})
                page.goto(f"http://127.0.0.1:{port}/day/{DAYS[-1]}")
                page.screenshot(path=str(OUT))
                browser.close()
        finally:
            server.terminate()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
