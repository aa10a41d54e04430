"""A topic's keyword rules applied to a paper: where each keyword matches, and the verdict.

The rules of one keyword are ``match.py``'s; a topic adds ``title:kw`` (the title only),
``kw@0.5`` (a weak keyword: see ``decide.py``), ``all`` entries ``a|b`` (either) and
``none`` (negative keywords).
"""

from __future__ import annotations

from arxiv_monitor.core.models import KeywordHit, KeywordVerdict, Paper
from arxiv_monitor.core.topics import TopicConfig, display_keyword
from arxiv_monitor.relevance.match import find, snippet


def find_keyword(paper: Paper, keyword: str) -> KeywordHit | None:
    """Where ``keyword`` (optionally ``title:``-scoped or ``@``-weak) matches the paper."""
    fields = ("title",) if keyword.startswith("title:") else ("title", "abstract")
    word = display_keyword(keyword)
    for name in fields:
        text = getattr(paper, name) or ""
        found = find(word, text)
        if found:
            return KeywordHit(keyword, name, snippet(text, found.start(), found.end()), found.group(0))
    return None


def keyword_verdict(paper: Paper, topic: TopicConfig) -> KeywordVerdict:
    """Apply one topic's keyword rules to one paper. Remembered for the latest papers and
    rules: a lab decides the same day for each user, and its shared topics for each follower
    (a verdict is not changed by its readers)."""
    key = (paper.versioned_id, paper.title, paper.abstract, tuple(paper.authors), tuple(paper.categories),
           tuple(topic.any), tuple(topic.none), tuple(topic.all), tuple(topic.authors), tuple(topic.categories))
    found = _VERDICTS.get(key)
    if found is None:
        found = _verdict(paper, topic)
        if len(_VERDICTS) >= 200_000:
            _VERDICTS.clear()
        _VERDICTS[key] = found
    return found


_VERDICTS: dict[tuple, KeywordVerdict] = {}


def _verdict(paper: Paper, topic: TopicConfig) -> KeywordVerdict:
    verdict = KeywordVerdict()
    verdict.hits = [h for k in topic.any if (h := find_keyword(paper, k))]
    verdict.none_hits = [h for k in topic.none if (h := find_keyword(paper, k))]
    verdict.missing_all = [entry for entry in topic.all
                           if not any(find_keyword(paper, alt.strip()) for alt in entry.split("|"))]
    names = [a.lower() for a in paper.authors]
    verdict.author_hits = [a for a in topic.authors if any(a.lower() in n for n in names)]
    if topic.categories:
        verdict.category_ok = bool(set(topic.categories) & set(paper.categories))
    return verdict
