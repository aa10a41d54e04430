"""Benchmark the pipeline stages on generated data and print the figures.

    .venv/bin/python bench/pipeline.py [--latency 2.0] [--papers 16]

Stages timed:
  1. parsing and matching a 2,000-item feed;
  2. extracting 20 generated PDFs (half of them two-column);
  3. the analysis stage against a loopback OpenAI-compatible server with
     injected latency, at concurrency 1 and 8, printed as a ratio;
  4. a full run of a day, then a rerun of the completed day.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arxiv_monitor import fetch, match, pipeline  # noqa: E402
from arxiv_monitor.analyze import analyze_all  # noqa: E402
from arxiv_monitor.backends.openai_backend import OpenAIAnalyzer  # noqa: E402
from arxiv_monitor.config import DEFAULT_KEYWORDS, load_config  # noqa: E402
from arxiv_monitor.fulltext import pdf_sections  # noqa: E402
from arxiv_monitor.models import FullText, Paper, Section  # noqa: E402
from tests.arxiv_data import FakePaper, api_atom, latexml_html, make_pdf, rss  # noqa: E402
from tests.fakes import FakeLLM, GoldenServer, Reply, ok  # noqa: E402

WORDS = ("model learning robot traffic graph vision language action forecasting temporal "
         "network policy transformer diffusion dataset benchmark organ began storage").split()


def fake_papers(n: int, seed: int = 7, every: int = 25) -> list[FakePaper]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(8)).title()
        abstract = " ".join(rng.choice(WORDS) for _ in range(180)) + "."
        if i % every == 0:
            abstract += " We propose a Vision-Language-Action model, OpenVLA-style."
        out.append(FakePaper(f"2602.{i:05d}", title, abstract, categories=["cs.AI", "cs.LG"]))
    return out


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench_parse_match(n: int = 2000) -> tuple[float, str]:
    text = rss(fake_papers(n))
    seconds, kept = timed(lambda: match.select(fetch.parse_feed(text).papers, DEFAULT_KEYWORDS))
    return seconds, f"{n} items, {len(kept)} matched"


def bench_rank(kind: str, n: int = 2000) -> tuple[float, str]:
    """Score every paper of a 2,000-item feed against the default topics."""
    from arxiv_monitor.config import Config
    from arxiv_monitor.rank import SemanticRanker, TfidfRanker, semantic_available
    from arxiv_monitor.relevance import select

    if kind == "semantic" and not semantic_available():
        return 0.0, "skipped: pip install -e '.[semantic]'"
    papers = fetch.parse_feed(rss(fake_papers(n))).papers
    ranker = SemanticRanker() if kind == "semantic" else TfidfRanker()
    seconds, kept = timed(lambda: select(papers, Config().topic_list, ranker))
    cached = "; embeddings are cached per paper version after this" if kind == "semantic" else ""
    return seconds, f"{n} items, {len(kept)} kept ({ranker.name}{cached})"


def bench_pdfs(n: int = 20) -> tuple[float, str]:
    pdfs = [make_pdf(f"Paper {i}", two_column=i % 2 == 1, pages=4) for i in range(n)]
    seconds, sections = timed(lambda: [pdf_sections(p) for p in pdfs])
    return seconds, f"{n} PDFs x 4 pages, {sum(len(s) for s in sections)} sections"


def bench_analysis(latency: float, papers: int, concurrency: int) -> float:
    items = [(Paper(f"2602.{i:05d}", 1, f"Paper {i}", "An abstract."),
              FullText("html", [Section("Abstract", "An abstract. " * 50)])) for i in range(papers)]

    async def go(url: str) -> None:
        analyzer = OpenAIAnalyzer(base_url=url, api_key="bench", model="bench")
        try:
            await analyze_all(items, analyzer, concurrency, lambda p, r: None)
        finally:
            await analyzer.aclose()

    with FakeLLM(ok(), latency=latency) as server:
        seconds, _ = timed(lambda: asyncio.run(go(f"{server.url}/v1")))
        assert server.max_in_flight <= concurrency
    return seconds


def bench_rerun(papers: int = 40) -> tuple[float, float, str]:
    day = fake_papers(papers, every=2)
    with tempfile.TemporaryDirectory() as tmp, GoldenServer() as arxiv, FakeLLM(ok()) as llm:
        arxiv.routes["/api"] = Reply(200, api_atom(day))
        for p in day:
            arxiv.routes[f"/html/{p.arxiv_id}v1"] = Reply(200, latexml_html(p.title, p.abstract))
        feed = Path(tmp) / "feed.xml"
        feed.write_text(rss(day))
        os.environ.update({
            "ARXIV_MONITOR_HOME": str(Path(tmp) / "home"),
            "ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL": "0",
            "ARXIV_MONITOR_ARXIV_HTML_URL": f"{arxiv.url}/html",
            "ARXIV_MONITOR_ARXIV_PDF_URL": f"{arxiv.url}/pdf",
            "ARXIV_MONITOR_ARXIV_API_URL": f"{arxiv.url}/api",
            "ARXIV_MONITOR_LLM_BASE_URL": f"{llm.url}/v1",
            "ARXIV_MONITOR_LLM_MODEL": "bench",
        })
        config = load_config()
        first, stats1 = timed(lambda: pipeline.run(config, [feed]))
        second, stats2 = timed(lambda: pipeline.run(config, [feed]))
        assert stats2.downloaded == 0 and stats2.analysed == 0
        note = (f"{stats1.matched} matched; first run {stats1.downloaded} downloads, "
                f"{stats1.analysed} analyses; rerun {stats2.downloaded} downloads, {stats2.analysed} analyses")
    return first, second, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=2.0, help="injected LLM latency (s)")
    parser.add_argument("--papers", type=int, default=16, help="papers in the analysis stage")
    args = parser.parse_args()
    rows = []
    seconds, note = bench_parse_match()
    rows.append(("parse + match 2,000-item feed", seconds, note))
    for kind in ("tfidf", "semantic"):
        seconds, note = bench_rank(kind)
        rows.append((f"rank 2,000 items ({kind})", seconds, note))
    seconds, note = bench_pdfs()
    rows.append(("extract 20 generated PDFs", seconds, note))
    serial = bench_analysis(args.latency, args.papers, 1)
    parallel = bench_analysis(args.latency, args.papers, 8)
    rows.append((f"analyse {args.papers} papers, concurrency 1", serial, f"{args.latency:.1f} s latency"))
    rows.append((f"analyse {args.papers} papers, concurrency 8", parallel,
                 f"speed-up x{serial / parallel:.1f} (ideal x8)"))
    first, second, note = bench_rerun()
    rows.append(("full run of a 40-item day", first, note))
    rows.append(("rerun of the completed day", second, f"x{first / second:.1f} faster than the first run"))
    width = max(len(r[0]) for r in rows)
    print(f"{'stage':<{width}}  {'seconds':>8}  notes")
    for name, secs, note in rows:
        print(f"{name:<{width}}  {secs:>8.3f}  {note}")


if __name__ == "__main__":
    main()
