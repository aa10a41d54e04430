"""``arxiv-monitor topics suggest``: a topic drafted from one line, for the user to review.

With an LLM, the analyser drafts it (keywords with their variants, negative keywords for the
usual confusions, five to ten description lines); without one, keywords are mined from the
stored papers closest to the line and the example papers (class-based TF-IDF: the phrases
those papers use far more than the rest of the store). Either way each keyword is checked
against the stored papers with the topic's own matching rules: how many it would have matched,
with three titles, so an over-broad word shows before it floods a report. Nothing is used
until the user saves the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from arxiv_monitor.core.models import Paper
from arxiv_monitor.core.topics import TopicConfig
from arxiv_monitor.relevance.match import compile_keyword, find, is_acronym

CHECKED = 20_000  # the latest stored papers the keywords are checked against
LIBRARY_ITEMS = 20  # the newest items of a library export taken as example papers
CLOSEST = 60  # stored papers taken as the topic's own when mining keywords (a tenth of a small store)
MIN_LIFT = 4.0  # a mined phrase is used this many times more often by the closest papers than by the store
BROAD = 0.05  # a keyword matching this share of the checked papers is flagged as too broad


@dataclass
class Check:
    """How many of the checked papers a keyword matches, and three of their titles."""

    keyword: str
    matched: int
    titles: list[str]
    broad: bool = False


@dataclass
class Draft:
    """A drafted topic: what ``[[topics]]`` takes, where it came from, and the keyword checks."""

    id: str
    name: str
    keywords: list[str]
    negatives: list[str]
    description: list[str]
    source: str  # "llm" or "store"
    notes: list[str] = field(default_factory=list)
    checked: int = 0  # papers the keywords were checked against
    checks: list[Check] = field(default_factory=list)

    def topic(self) -> TopicConfig:
        """The draft as a topic (what the user saves after reviewing it)."""
        return TopicConfig(id=self.id, name=self.name, any=self.keywords, none=self.negatives,
                           description="\n".join(self.description))


def topic_id(text: str) -> str:
    """An id from the user's line: its first words' initials or the word, in capitals."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    if not words:
        return "TOPIC"
    return (words[0] if len(words) == 1 else "_".join(w[:8] for w in words[:3])).upper()[:40]


def from_reply(reply: dict[str, Any], text: str) -> Draft:
    """The analyser's draft, cleaned: duplicate and empty entries dropped, an id that TOML and
    the CLI take."""
    def clean(values: list[str]) -> list[str]:
        seen, out = set(), []
        for v in values:
            v = " ".join(str(v).split())
            if v and v.lower() not in seen:
                seen.add(v.lower())
                out.append(v)
        return out
    ident = re.sub(r"[^A-Za-z0-9_]+", "_", str(reply.get("id") or "")).strip("_").upper() or topic_id(text)
    return Draft(ident, " ".join(str(reply.get("name") or text).split()), clean(reply.get("keywords", [])),
                 clean(reply.get("negative_keywords", [])), clean(reply.get("description", [])), "llm")


def mined(text: str, examples: list[Paper], papers: list[Paper], n: int = 12) -> Draft:
    """Keywords mined from the stored ``papers`` closest to ``text`` and the ``examples``:
    class-based TF-IDF of phrases of one to three words over those papers against the rest."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    docs = [f"{p.title}. {p.abstract}" for p in papers]
    query = " ".join([text] + [f"{p.title}. {p.abstract}" for p in examples])
    description = [text] + [p.title for p in examples]
    if len(docs) < 20:
        return Draft(topic_id(text), text, [], [], description, "store")
    tfidf = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    matrix = tfidf.fit_transform(docs + [query])
    closeness = (matrix[:-1] @ matrix[-1].T).toarray().ravel()
    close = set(closeness.argsort()[::-1][:max(5, min(CLOSEST, len(docs) // 10))].tolist())
    counts = CountVectorizer(stop_words="english", ngram_range=(1, 3), min_df=3, token_pattern=r"(?u)\b[A-Za-z][\w-]+\b")
    X = counts.fit_transform(docs)
    inside = np.asarray(X[sorted(close)].sum(axis=0)).ravel()
    total = np.asarray(X.sum(axis=0)).ravel()
    words = counts.get_feature_names_out()
    lift = (inside / max(inside.sum(), 1)) / np.maximum(total / max(total.sum(), 1), 1e-12)
    # class-based TF-IDF of two classes (the closest papers, the rest): how often the closest
    # papers use a phrase, times how much more than the store does; phrases say more than words
    score = inside * np.log(np.maximum(lift, 1.0)) * np.array([1.0 + 0.5 * w.count(" ") for w in words])
    keywords: list[str] = []
    for i in score.argsort()[::-1]:
        word = str(words[i])
        if inside[i] < 3 or lift[i] < MIN_LIFT or is_acronym(word) or any(word in k or k in word for k in keywords):
            continue  # rare, common, or a short word the matcher would read as an acronym (data -> DATA)
        rule = compile_keyword(word)
        if sum(bool(find(rule, docs[j])) for j in close) < 3:
            continue  # a phrase of the counter's tokens that the topic's matcher does not find as written
        keywords.append(word)
        if len(keywords) >= n:
            break
    titles = [papers[i].title for i in sorted(close, key=lambda i: -closeness[i])[:5]]
    return Draft(topic_id(text), text, keywords, [], description + [f"Like: {t}" for t in titles], "store")


def check(draft: Draft, papers: list[Paper]) -> Draft:
    """Each keyword against ``papers`` with the topic matching rules (title and abstract):
    how many it matches, three titles, and whether it is too broad."""
    draft.checked = len(papers)
    draft.checks = []
    for keyword in draft.keywords:
        rule = compile_keyword(keyword)
        hits = [p for p in papers if find(rule, p.title or "") or find(rule, p.abstract or "")]
        draft.checks.append(Check(keyword, len(hits), [p.title for p in hits[:3]],
                                  bool(papers) and len(hits) >= BROAD * len(papers)))
    return draft
