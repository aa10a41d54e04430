"""Themes: the period's kept papers clustered by their embeddings, each cluster named by its
distinctive terms (c-TF-IDF over titles and abstracts), and marked rising or falling against
the periods before.

The papers of the period and of the comparison periods are clustered together
(agglomerative, cosine distance, average linkage: no seed, so the same store gives the same
themes). A theme's expected size is its share of the comparison periods' papers times the
period's papers; it is rising when it has at least five papers, at least one and a half
times (plus two) what was expected, and a surprise of three standard deviations ``(size - expected) /
sqrt(expected + 1)``; falling when the reverse holds for a theme expected to have five.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from arxiv_monitor.relevance.rank import paper_text
from arxiv_monitor.trends.gather import Kept

DISTANCE = 0.48  # cosine distance at which clusters stop merging (sentence embeddings)
LSA_DISTANCE = 0.75  # the same, for TF-IDF vectors reduced by SVD
MAX_THEMES = 8
GENERIC = {
    "paper", "papers", "propose", "proposed", "proposes", "method", "methods", "approach", "approaches", "results",
    "result", "show", "shows", "new", "novel", "based", "using", "use", "used", "model", "models", "framework",
    "task", "tasks", "performance", "data", "dataset", "datasets", "state", "art", "work", "study", "existing",
    "experiments", "demonstrate", "achieves", "achieve", "significantly", "effective", "efficient", "introduce",
    "present", "learning", "problem", "problems", "paradigm", "various", "different", "large", "high", "improve",
    "improves", "improved", "benchmark", "benchmarks", "code", "available", "github", "com", "https", "http",
    "extensive", "outperforms", "recent", "challenging", "challenge", "challenges", "key", "however",
}


@dataclass
class Cluster:
    label: int
    current: list[Kept]
    before: list[Kept]


def embed(papers: list[Any], ranker: Any) -> tuple[np.ndarray, str]:
    """Unit vectors of the papers: the ranker's sentence embeddings (cached in the store), or,
    without a semantic ranker, TF-IDF vectors reduced by SVD (LSA)."""
    from sklearn.preprocessing import normalize

    if ranker is not None and getattr(ranker, "kind", "") == "semantic":
        return normalize(np.asarray(ranker.embed_papers(papers), dtype=np.float64)), ranker.name
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [paper_text(p) for p in papers]
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2, ngram_range=(1, 2)).fit_transform(texts)
    dims = max(1, min(64, matrix.shape[0] - 1, matrix.shape[1] - 1))
    return normalize(TruncatedSVD(n_components=dims, random_state=0).fit_transform(matrix)), "tfidf-lsa"


def cluster(kept: list[Kept], before: list[Kept], ranker: Any) -> tuple[list[Cluster], str]:
    """The clusters of the period's and the comparison periods' papers, largest in the period first."""
    from sklearn.cluster import AgglomerativeClustering

    everyone = sorted(kept, key=lambda k: k.paper.id) + sorted(before, key=lambda k: k.paper.id)
    if len(everyone) < 2:
        return ([Cluster(0, list(kept), list(before))] if everyone else []), ""
    vectors, embedder = embed([k.paper for k in everyone], ranker)
    threshold = DISTANCE if embedder != "tfidf-lsa" else LSA_DISTANCE
    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="cosine",
                                     linkage="average").fit_predict(vectors)
    mine = {k.paper.id for k in kept}
    groups: dict[int, Cluster] = {}
    for k, label in zip(everyone, labels):
        c = groups.setdefault(int(label), Cluster(int(label), [], []))
        (c.current if k.paper.id in mine else c.before).append(k)
    ordered = sorted(groups.values(), key=lambda c: (-len(c.current), -len(c.before), c.current[0].paper.id
                                                      if c.current else c.before[0].paper.id))
    return ordered, embedder


_TOKEN = r"(?u)\b[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\b"


def distinctive_terms(clusters: list[Cluster], n: int = 3) -> list[list[str]]:
    """Each cluster's most distinctive terms by c-TF-IDF (titles count twice): a term's
    frequency in the cluster, times log(1 + average words per cluster / its frequency in
    all clusters)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    docs = [" ".join(f"{k.paper.title} {k.paper.title} {k.paper.abstract}" for k in c.current + c.before)
            for c in clusters]
    if not any(d.strip() for d in docs):
        return [[] for _ in clusters]
    stop = list(ENGLISH_STOP_WORDS | GENERIC)
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=stop, token_pattern=_TOKEN, lowercase=True)
    try:
        counts = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [[] for _ in clusters]
    words = vectorizer.get_feature_names_out()
    totals = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(totals, 1)
    average = counts.sum() / max(len(docs), 1)
    idf = np.log(1 + average / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    out = []
    for row, raw in zip(scores, counts):
        chosen: list[str] = []
        for j in np.argsort(-row, kind="stable"):
            if raw[j] < 2 or len(chosen) == n:
                break
            term = str(words[j])
            if any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
        out.append(chosen)
    return out


def trend(size: int, before: int, total_now: int, total_before: int) -> tuple[str, float]:
    """rising, falling, steady or new (no history), and the expected size."""
    if total_before == 0:
        return "new", 0.0
    expected = before / total_before * total_now
    surprise = (size - expected) / math.sqrt(expected + 1)
    if size >= 5 and size >= 1.5 * expected + 2 and surprise >= 3:
        return "rising", expected
    if expected >= 5 and size <= expected / 2 and surprise <= -2.5:
        return "falling", expected
    return "steady", expected


def topics_of(c: Cluster) -> list[str]:
    return [t for t, _ in Counter(k.best.label for k in c.current).most_common()]


def label_supported(label: str, terms: list[str], c: Cluster) -> str:
    """Why an LLM's theme label is not borne out by the theme's papers ("" when it is): each
    term it rests on is in at least two of the papers (or in half of a smaller theme), and each
    English word of the label (four letters or more) is in the papers' titles or abstracts."""
    text = " ".join(f"{k.paper.title} {k.paper.abstract}" for k in c.current).lower()
    folded = re.sub(r"[-\s]+", " ", text)
    need = 2 if len(c.current) >= 4 else 1
    if not terms:
        return "it names no term of the papers"
    for term in terms:
        t = re.sub(r"[-\s]+", " ", term.lower()).strip()
        found = sum(t in re.sub(r"[-\s]+", " ", f"{k.paper.title} {k.paper.abstract}".lower()) for k in c.current)
        if not t or found < need:
            return f"“{term}” is in {found} of its papers"
    for word in re.findall(r"[A-Za-z][A-Za-z-]{3,}", label):
        w = word.lower()
        if w in GENERIC or w in {"with", "from", "into", "toward", "towards", "their", "across", "over"}:
            continue
        if w[:5] not in folded:
            return f"“{word}” is in none of its papers"
    return ""
