"""The README's screenshot of a weekly trends report (``docs/trends-week.png``), made from a
month of stored days of real papers: the labelled dev set's, on the days arXiv announced them.

    .venv/bin/python scripts/trends_screenshot.py [../shared/data/relevance/dev.jsonl]

Needs Chromium (Playwright drives it). The store is built as ``bench/trends.py`` builds its
real store (five weeks to 2026-05-31); the report is built by ``arxiv-monitor trends``.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "trends-week.png"


def main() -> None:
    spec = importlib.util.spec_from_file_location("bench_trends", ROOT / "bench" / "trends.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    dev = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "relevance" / "dev.jsonl"
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        bench.real_store(home, dev, planted=0, weeks=5)
        bench.cli_trends(home, "2026-W22")
        html = home / "reports" / "trends" / "2026-W22.html"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 1500}, device_scale_factor=1)
            page.goto(html.as_uri())
            page.screenshot(path=str(OUT), clip={"x": 0, "y": 0, "width": 1000, "height": 1500})
            browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
