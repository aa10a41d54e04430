"""A topic's keyword rules applied to a paper: where each keyword matches, and the verdict.

The rules of one keyword are ``match.py``'s; a topic adds ``title:kw`` (the title only),
``kw@0.5`` (a weak keyword: see ``decide.py``), ``all`` entries ``a|b`` (either) and
``none`` (negative keywords).
"""

from __future__ import annotations

from arxiv_monitor.core.models import KeywordHit, KeywordVerdict, Paper
from arxiv_monitor.core.topics import TopicConfig, display_keyword
from arxiv_monitor.relevance.match import Keyword, compile_keyword, find, snippet


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
    """Apply one topic's keyword rules to one paper."""
    return verdicts([paper], [topic])[0][0]


def verdicts(papers: list[Paper], topics: list[TopicConfig]) -> list[list[KeywordVerdict]]:
    """Each topic's verdicts on ``papers`` (one list per topic, in paper order). Remembered for
    the latest papers and rules: a lab decides the same day for each user, and its shared
    topics for each follower (a verdict is not changed by its readers). A paper no rule
    touches gets the one shared empty verdict."""
    if len(_PAPERS) > _MEMORY:
        _PAPERS.clear()
        _VERDICTS.clear()
    ids = [_PAPERS.setdefault((p.versioned_id, p.title, p.abstract, tuple(p.authors), tuple(p.categories)),
                              len(_PAPERS)) for p in papers]
    out = []
    for topic in topics:
        rules = (tuple(topic.any), tuple(topic.none), tuple(topic.all), tuple(topic.authors),
                 tuple(topic.categories))
        book = _VERDICTS.setdefault(rules, {})
        column = [book.get(i) for i in ids]
        probes = None
        for n, found in enumerate(column):
            if found is None:
                paper = papers[n]
                probes = _probes(topic) if probes is None else probes
                silent = not topic.authors and not any(k.could_match(paper.title or "") or
                                                       k.could_match(paper.abstract or "") for k in probes)
                column[n] = book[ids[n]] = _blank(paper, topic) if silent else _verdict(paper, topic)
        out.append(column)
    return out


def _probes(topic: TopicConfig) -> list[Keyword]:
    """Every keyword a topic's rules search for (a paper holding none of their probes is
    decided without a search)."""
    words = [*topic.any, *topic.none, *(alt for entry in topic.all for alt in entry.split("|"))]
    return [compile_keyword(display_keyword(w.strip())) for w in words]


_PAPERS: dict[tuple, int] = {}  # a number for each paper version and text seen
_VERDICTS: dict[tuple, dict[int, KeywordVerdict]] = {}  # by a topic's rules, then by paper number
_MEMORY = 20_000  # papers remembered
EMPTY = KeywordVerdict()  # nothing matched (never to be changed)


def _blank(paper: Paper, topic: TopicConfig) -> KeywordVerdict:
    """The verdict on a paper that holds no word of the topic's rules."""
    ok = bool(set(topic.categories) & set(paper.categories)) if topic.categories else True
    return EMPTY if ok and not topic.all else KeywordVerdict(missing_all=list(topic.all), category_ok=ok)


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
    return EMPTY if verdict == EMPTY else verdict
