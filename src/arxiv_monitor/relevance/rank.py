"""Relevance rankers: a score in [0, 1]-ish for every (paper, topic) pair.

* ``semantic`` (the default): sentence embeddings (``embed.py``): the bundled
  all-MiniLM-L6-v2 on ONNX Runtime (int8), or any sentence-transformers model
  (``relevance.model``), or an OpenAI-compatible ``/embeddings`` endpoint.
* ``tfidf``: scikit-learn TF-IDF cosine similarity.
* ``keywords``: no ranking, keywords alone.

A topic's prototypes are the lines of its description and the titles and
abstracts of its example papers; a paper's score is its best cosine
similarity to any prototype. Paper embeddings are cached per paper version
and model (in SQLite, through the store).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.core.models import Paper

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.topics import TopicConfig

log = logging.getLogger(__name__)
DEFAULT_MODEL = "all-MiniLM-L6-v2-int8"  # the bundled model on ONNX Runtime (embed.py)


def paper_text(paper: Paper) -> str:
    return _text(paper.title, paper.abstract)[0]


@functools.lru_cache(maxsize=16384)
def _text(title: str, abstract: str) -> tuple[str, str]:
    """A paper's text as the ranker embeds it, and its digest (kept: a lab decides one day's
    papers for each of its users)."""
    text = f"{title}. {' '.join(abstract.split())}"
    return text, hashlib.sha1(text.encode()).hexdigest()[:8]


class Examples(dict):  # dict[str, Paper]
    """Example papers by id, with a weight for each one that came from a topic's library
    (1 for the most recent item, less for older ones); others weigh 1."""

    def __init__(self, papers: dict[str, Paper] | None = None, weights: dict[str, float] | None = None):
        super().__init__(papers or {})
        self.weights: dict[str, float] = dict(weights or {})


def prototypes(topic: TopicConfig, examples: dict[str, Paper]) -> list[str]:
    """What a topic is compared with: its description lines and its example papers."""
    return [text for text, _ in weighted_prototypes(topic, examples)]


def weighted_prototypes(topic: TopicConfig, examples: dict[str, Paper]) -> list[tuple[str, float]]:
    weights = getattr(examples, "weights", {})
    lines = [(line.strip(), 1.0) for line in topic.description.splitlines() if line.strip()]
    lines += [(paper_text(examples[i]), weights.get(i, 1.0)) for i in topic.examples if i in examples]
    return lines or [(topic.label, 1.0)]


def _weights(topics: list[TopicConfig], examples: dict[str, Paper] | None) -> np.ndarray:
    return np.array([w for t in topics for _, w in weighted_prototypes(t, examples or {})])


class Ranker(Protocol):
    name: str
    kind: str  # "semantic", "tfidf" or "keywords"

    def scores(self, papers: list[Paper], topics: list[TopicConfig],
               examples: dict[str, Paper] | None = None) -> np.ndarray: ...


class KeywordRanker:
    """No ranking: every score is 0 and keywords decide alone."""

    name = kind = "keywords"

    def prototype_scores(self, topics: list[TopicConfig], examples: dict[str, Paper] | None = None
                         ) -> dict[str, np.ndarray]:
        return {}

    def scores(self, papers: list[Paper], topics: list[TopicConfig],
               examples: dict[str, Paper] | None = None) -> np.ndarray:
        return np.zeros((len(papers), len(topics)))


class TfidfRanker:
    """TF-IDF cosine similarity between papers and topic prototypes."""

    name = kind = "tfidf"

    def scores(self, papers: list[Paper], topics: list[TopicConfig],
               examples: dict[str, Paper] | None = None) -> np.ndarray:
        from sklearn.feature_extraction.text import TfidfVectorizer

        protos = [prototypes(t, examples or {}) for t in topics]
        docs = [paper_text(p) for p in papers]
        flat = [line for group in protos for line in group]
        vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english", min_df=1)
        matrix = vectorizer.fit_transform(docs + flat)
        paper_vecs, proto_vecs = matrix[: len(docs)], matrix[len(docs):]
        sims = (paper_vecs @ proto_vecs.T).toarray() * _weights(topics, examples)
        return _best_per_topic(sims, protos, len(papers))

    def embed_papers(self, papers: list[Paper]) -> Any:
        """Sparse word and word-pair vectors of fixed width (hashed), so a topic's own model
        trained on rated papers applies to any later paper, as arxiv-sanity does with TF-IDF."""
        from sklearn.feature_extraction.text import HashingVectorizer

        vectorizer = HashingVectorizer(n_features=2**18, ngram_range=(1, 2), stop_words="english",
                                       alternate_sign=False, norm="l2")
        return vectorizer.transform([paper_text(p) for p in papers])

    def prototype_scores(self, topics: list[TopicConfig], examples: dict[str, Paper] | None = None
                         ) -> dict[str, np.ndarray]:
        """Each prototype's best similarity to the topic's other prototypes."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        out = {}
        for topic in topics:
            lines = prototypes(topic, examples or {})
            if len(lines) >= 2:
                matrix = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english").fit_transform(lines)
                sims = (matrix @ matrix.T).toarray()
                np.fill_diagonal(sims, -1.0)
                out[topic.id] = sims.max(axis=1)
        return out


def _best_per_topic(sims: np.ndarray, protos: list[list[str]], n: int) -> np.ndarray:
    out, start = np.zeros((n, len(protos))), 0
    for j, group in enumerate(protos):
        out[:, j] = sims[:, start:start + len(group)].max(axis=1) if n else 0
        start += len(group)
    return out


class SemanticRanker:
    """Sentence-embedding similarity, with a per-paper embedding cache."""

    kind = "semantic"

    BATCH = 64  # texts embedded at a time (and a progress step)
    MEMORY = 20_000  # vectors kept in memory (30 MB at 384 dimensions)

    def __init__(self, model: str = "", cache: EmbeddingCache | None = None,
                 embed: Callable[[list[str]], np.ndarray] | None = None, progress: Any = None):
        self.model_name = model or DEFAULT_MODEL
        self.name = f"semantic:{self.model_name}"
        self.cache = cache
        self._model_arg = model
        self._embedder = embed  # loaded on first use: a rerun with cached embeddings needs no model
        self.progress = progress
        self.embedded = 0  # texts embedded (not found in the cache)
        self._memory: dict[str, np.ndarray] = {}  # vectors read or made by this ranker, up to MEMORY
        self._stacked: dict[tuple[str, ...], np.ndarray] = {}  # the last few matrices asked for

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._embedder is None:
            from arxiv_monitor.relevance import embed

            self._embedder = embed.sentence_transformers_embedder(self._model_arg) if self._model_arg \
                else embed.OnnxMiniLM()
        return self._embedder(texts)

    def embed_papers(self, papers: list[Paper]) -> np.ndarray:
        """Paper embeddings, cached per paper version (and text) and model."""
        texts = [_text(p.title, p.abstract) for p in papers]
        return self._cached([f"{p.versioned_id}:{digest}" for p, (_, digest) in zip(papers, texts)],
                            [text for text, _ in texts])

    def _cached(self, keys: list[str], texts: list[str]) -> np.ndarray:
        """The vectors of ``keys``: from memory (a lab decides one day for each user), the
        store's cache, else embedded now (and stored). The last few matrices are kept as they are
        (read-only)."""
        if (matrix := self._stacked.get(tuple(keys))) is not None:
            return matrix
        known = {k: self._memory[k] for k in keys if k in self._memory}
        asked = [k for k in keys if k not in known]
        if asked and self.cache:
            known.update(self.cache.cached_vectors(asked, self.model_name))
        missing = [i for i, k in enumerate(keys) if k not in known]
        if missing:
            if self.progress is not None:
                self.progress.stage(f"Embedding ({self.model_name})", len(missing))
            for start in range(0, len(missing), self.BATCH):
                part = missing[start:start + self.BATCH]
                for i, vec in zip(part, self._embed([texts[i] for i in part])):
                    known[keys[i]] = vec
                if self.progress is not None:
                    self.progress.advance(len(part), stage=f"Embedding ({self.model_name})")
            self.embedded += len(missing)
            if self.cache:
                self.cache.save_vectors({keys[i]: known[keys[i]] for i in missing}, self.model_name)
        if len(self._memory) + len(known) > self.MEMORY:
            self._memory.clear()
        self._memory.update(known)
        matrix = np.vstack([known[k] for k in keys]) if keys else np.zeros((0, 1))
        matrix.flags.writeable = False
        if len(self._stacked) >= 4:
            self._stacked.clear()
        self._stacked[tuple(keys)] = matrix
        return matrix

    def _prototype_vectors(self, lines: list[str]) -> np.ndarray:
        return self._cached([f"proto:{hashlib.sha1(x.encode()).hexdigest()}" for x in lines], lines)

    def scores(self, papers: list[Paper], topics: list[TopicConfig],
               examples: dict[str, Paper] | None = None) -> np.ndarray:
        if not papers:
            return np.zeros((0, len(topics)))
        protos = [prototypes(t, examples or {}) for t in topics]
        vectors = self._prototype_vectors([line for group in protos for line in group])
        sims = (self.embed_papers(papers) @ np.asarray(vectors).T) * _weights(topics, examples)
        return _best_per_topic(sims, protos, len(papers))

    def prototype_scores(self, topics: list[TopicConfig], examples: dict[str, Paper] | None = None
                         ) -> dict[str, np.ndarray]:
        """Each prototype's best similarity to the topic's other prototypes (a relevant paper's
        typical score, for topics whose keywords name too few papers)."""
        out = {}
        for topic in topics:
            lines = prototypes(topic, examples or {})
            if len(lines) < 2:
                continue
            vectors = np.asarray(self._prototype_vectors(lines))
            sims = vectors @ vectors.T
            np.fill_diagonal(sims, -1.0)
            out[topic.id] = sims.max(axis=1)
        return out


class EmbeddingCache(Protocol):
    """Where embeddings are kept (the store's ``embeddings`` table)."""

    def cached_vectors(self, keys: list[str], model: str) -> dict[str, np.ndarray]: ...

    def save_vectors(self, vectors: dict[str, np.ndarray], model: str) -> None: ...


def semantic_available() -> bool:
    """The default semantic runtime (ONNX Runtime and tokenizers, core dependencies)."""
    return all(importlib.util.find_spec(m) for m in ("onnxruntime", "tokenizers"))


def auto_ranker(config: Config) -> str:
    """The ranker ``relevance.ranker = "auto"`` means: semantic when its runtime is installed (or
    a model or an embeddings endpoint is named), else TF-IDF, else keywords alone."""
    rel = config.relevance
    if rel.ranker != "auto":
        return rel.ranker
    if rel.embeddings_url or rel.model or semantic_available():
        return "semantic"
    return "tfidf" if importlib.util.find_spec("sklearn") else "keywords"


def make_ranker(config: Config, cache: EmbeddingCache | None = None, progress: Any = None) -> Ranker:
    """The configured ranker (a plugin's, by name). ``progress`` (``stage``/``advance``) hears
    about papers being embedded."""
    from arxiv_monitor.core import plugins

    factory = plugins.one("ranker", plugins.rankers(), auto_ranker(config), "relevance.ranker")
    return factory(config, cache, progress)


def semantic_ranker(config: Config, cache: EmbeddingCache | None = None, progress: Any = None) -> SemanticRanker:
    """Sentence embeddings: an OpenAI-compatible endpoint, a sentence-transformers model, or the
    bundled MiniLM."""
    rel = config.relevance
    if rel.embeddings_url:
        from arxiv_monitor.relevance.embed import openai_embedder

        embed = openai_embedder(rel.embeddings_url, rel.embeddings_model, config.llm.api_key.get_secret_value(),
                                rel.embeddings_batch)
        return SemanticRanker(rel.embeddings_model or "embeddings", cache, embed, progress)
    if rel.model and not importlib.util.find_spec("sentence_transformers"):
        raise ConfigError(f"relevance.model = {rel.model!r} needs sentence-transformers: "
                          "pip install 'arxiv-monitor[sentence-transformers]' (or leave relevance.model empty "
                          "for the bundled MiniLM)")
    return SemanticRanker(rel.model, cache, progress=progress)
