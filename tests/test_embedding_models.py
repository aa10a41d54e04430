"""Other embedding models: an OpenAI-compatible ``/embeddings`` endpoint (any reply shape a
server sends), and the prior fitted for a model on the user's labels (``eval relevance
--fit-prior``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_monitor.core.errors import ConfigError, MonitorError
from arxiv_monitor.core.models import Paper
from arxiv_monitor.relevance.embed import openai_embedder
from tests.fakes import FakeLLM, Reply
from tests.helpers import invoke, read
from tests.test_relevance import write_labels


def vectors_of(request: dict, tokens: bool = False) -> Reply:
    """An /embeddings reply: a vector per text (or, as llama.cpp's Python server sends for a
    model without pooling, a vector per token), made from the text's words."""
    data = []
    for i, text in enumerate(request["input"]):
        words = [[float(hash(w) % 7), float(len(w)), 1.0] for w in text.split()] or [[0.0, 0.0, 1.0]]
        data.append({"object": "embedding", "index": i, "embedding": words if tokens else np.mean(words, 0).tolist()})
    return Reply(200, json.dumps({"object": "list", "data": data, "model": request["model"],
                                  "usage": {"prompt_tokens": 1, "total_tokens": 1}}), {"Content-Type": "application/json"})


def test_vectors_per_text_or_per_token_give_the_same_embedding():
    texts = ["traffic forecasting on road graphs", "a robot arm policy", "traffic forecasting on road graphs"]
    with FakeLLM(default=vectors_of) as flat, FakeLLM(default=lambda r: vectors_of(r, tokens=True)) as tokens:
        a = openai_embedder(f"{flat.url}/v1", "m", "")(texts)
        b = openai_embedder(f"{tokens.url}/v1", "m", "")(texts)
    assert a.shape == b.shape == (3, 3)
    assert np.allclose(a, b, atol=1e-6) and np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert np.allclose(a[0], a[2]) and not np.allclose(a[0], a[1])
    assert flat.bodies[0]["encoding_format"] == "float" and flat.bodies[0]["input"] == texts


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.recursive(st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.text(max_size=5)),
                              lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.sampled_from(
                                                          ["data", "embedding", "index", "object"]), inner, max_size=4)),
                              max_leaves=12),
                 st.lists(st.lists(st.floats(allow_nan=True), min_size=1, max_size=3), max_size=3).map(
                     lambda vs: {"data": [{"embedding": v, "index": i} for i, v in enumerate(vs)]})))
def test_any_reply_of_an_embeddings_endpoint_is_vectors_or_one_error_naming_the_setting(endpoint, body):
    endpoint.default = Reply(200, json.dumps(body), {"Content-Type": "application/json"})
    try:
        out = openai_embedder(f"{endpoint.url}/v1", "m", "sk-embed-secret")(["one text", "another"])
    except ConfigError as exc:
        assert "relevance.embeddings_url" in str(exc) and "sk-embed-secret" not in str(exc)
    else:
        assert out.shape[0] == 2 and np.isfinite(out).all()


@pytest.fixture(scope="module")
def endpoint():
    with FakeLLM() as server:
        yield server


def test_a_failing_embeddings_endpoint_stops_the_run_with_the_setting_named(home, monkeypatch, tmp_path):
    from tests.helpers import cli

    with FakeLLM(default=Reply(503, "overloaded", {"Content-Type": "text/plain"})) as server:
        env = {"ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_RELEVANCE_RANKER": "semantic",
               "ARXIV_MONITOR_RELEVANCE_EMBEDDINGS_URL": f"{server.url}/v1", "ARXIV_MONITOR_LLM_MAX_RETRIES": "0"}
        result = cli("eval", "relevance", str(write_labels(tmp_path / "l.jsonl")), env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "relevance.embeddings_url" in result.stderr and "InternalServerError" in result.stderr


def test_a_prior_fitted_on_the_users_labels_is_kept_for_their_model_and_can_be_forgotten(tmp_path, home,
                                                                                          monkeypatch):
    """``--fit-prior`` fits the prior for the ranker's model (tfidf here) on the labels, with
    its 5-fold figures, and keeps it: later decisions and ``explain`` use it, until
    ``--forget-prior``."""
    from arxiv_monitor.store import open_store

    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    base = [json.loads(line) for line in write_labels(tmp_path / "labels.jsonl").read_text().splitlines()]
    many = tmp_path / "mine.jsonl"
    many.write_text("\n".join(json.dumps({**r, "id": f"26{k:02d}.0000{r['id']}", "title": f"{r['title']} (part {k})"})
                              for k in range(8) for r in base) + "\n")
    with open_store(home / "arxiv-monitor.db") as store:
        store.papers.save([Paper(f"2600.0000{r['id']}", 1, r["title"], r["abstract"], [], r["categories"])
                           for r in base])
    before = invoke("explain", "2600.00005").output
    assert "the prior calibration" in before
    fitted = invoke("eval", "relevance", str(many), "--fit-prior", "--json")
    figures = json.loads(fitted.stdout)["topics"]
    assert {"combined", "fitted prior, 5-fold"} <= set(figures["TRAFFIC_ST"])
    assert figures["TRAFFIC_ST"]["fitted prior, 5-fold"]["tp"] + figures["TRAFFIC_ST"]["fitted prior, 5-fold"]["fn"] == 16
    assert "the prior for tfidf is fitted on mine.jsonl and stored" in fitted.stderr
    weights, source, _ = read(home, lambda s: s.priors.get("tfidf"))
    assert source == "mine.jsonl" and len(weights["coef"]) == 5
    after = invoke("explain", "2600.00005").output
    assert "the prior fitted for this model on your labels" in after

    def probabilities(text: str) -> list[str]:
        return [line.split("probability:")[1].split("(")[0].strip() for line in text.splitlines() if "probability:" in line]
    assert probabilities(after) != probabilities(before)  # the fitted weights decide
    again = invoke("eval", "relevance", str(many), "--json")
    assert "the prior of tfidf was fitted on mine.jsonl" in again.stderr
    forgot = invoke("eval", "relevance", str(many), "--forget-prior", "--json")
    assert "forgotten" in forgot.stderr and read(home, lambda s: s.priors.get("tfidf")) is None
    assert probabilities(invoke("explain", "2600.00005").output) == probabilities(before)
    with pytest.raises(MonitorError, match="fitting a prior needs at least 10 of each"):
        invoke("eval", "relevance", str(tmp_path / "labels.jsonl"), "--fit-prior")
    with pytest.raises(MonitorError, match="The keywords ranker has no prior to fit"):
        invoke("eval", "relevance", str(many), "--fit-prior", "--ranker", "keywords")
    assert read(home, lambda s: s.priors.get("keywords")) is None


def test_the_prior_of_another_embedding_model_says_how_to_fit_it():
    from arxiv_monitor.core.models import KeywordVerdict, TopicDecision
    from arxiv_monitor.relevance import calibrate
    from arxiv_monitor.terminal import _calibration

    def shown(ranker: str, kind: str) -> str:
        return _calibration(TopicDecision("T", "T", 0.4, 0.5, ranker, None, KeywordVerdict(), calibration=kind))
    assert "--fit-prior" in shown("semantic:bge-small-en-v1.5", "prior")
    assert "--fit-prior" not in shown(f"semantic:{calibrate.shipped_model()}", "prior")
    assert "fitted for this model" in shown("semantic:bge-small-en-v1.5", "fitted")
