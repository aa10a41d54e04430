"""Plain dataclasses that pass between the pipeline stages."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import asdict, dataclass, field
from typing import Any

from arxiv_monitor.core.ids import PaperId, page_name

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


@functools.lru_cache(maxsize=65536)
def _versioned(paper_id: str, version: int) -> str:
    """A paper version's id (asked for each paper and topic when a day is decided)."""
    return PaperId.of(paper_id, version).versioned


@dataclass
class Paper:
    """One version of a paper: its metadata from its source's listing or API.

    ``id`` is the paper's id without its version, as the store keeps it: bare for arXiv
    (``2601.22586``), ``source:key`` for other sources (``biorxiv:10.1101/…``; see
    ``core.ids``). ``enriched`` says whether the source's extra fields (arXiv: comments,
    primary category, DOI, journal ref from the export API) have been read for it.
    """

    id: str
    version: int
    title: str
    abstract: str
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    published: dt.date | None = None
    primary_category: str | None = None
    comments: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    enriched: bool = False
    code_url: str | None = None  # found in the paper's own text (fulltext.codelink)
    extra: dict[str, str] = field(default_factory=dict)  # what its source knows besides (bioRxiv: the JATS URL)

    @property
    def ref(self) -> PaperId:
        return PaperId.of(self.id, self.version)

    @property
    def source(self) -> str:
        """The source's name (``arxiv``, ``biorxiv``): the scheme of the paper's id."""
        return self.ref.source

    @property
    def versioned_id(self) -> str:
        return _versioned(self.id, self.version)

    @property
    def abs_url(self) -> str:
        """The paper's page at its source."""
        return _links(self.source).abs_url(self.ref)

    @property
    def pdf_url(self) -> str:
        return _links(self.source).pdf_url(self.ref)

    @property
    def year(self) -> int | None:
        """The year of the paper's first version (its id says it), else of this listing."""
        first = getattr(_links(self.source), "first_year", lambda ref: None)(self.ref)
        return first or (self.published.year if self.published else None)

    @property
    def source_label(self) -> str:
        """The source as readers name it: arXiv, bioRxiv, medRxiv."""
        return _links(self.source).label


class _DoiLinks:
    """Links for a paper whose source plugin is not installed (any more): its DOI."""

    label = "DOI"

    @staticmethod
    def abs_url(ref: PaperId) -> str:
        return f"https://doi.org/{ref.key}"

    pdf_url = abs_url


def _links(source: str) -> Any:
    """The source plugin's class, which knows the source's links and name."""
    from arxiv_monitor.core import plugins

    return plugins.sources().get(source, _DoiLinks)


@dataclass
class KeywordHit:
    """Where one keyword matched: the field and a short snippet around it."""

    keyword: str
    field: str  # "title" or "abstract"
    snippet: str  # plain text around the match, with "…" where it was cut
    matched: str = ""  # the text that matched, as written in the paper


@dataclass
class KeywordVerdict:
    """What a topic's keyword rules found in one paper."""

    hits: list[KeywordHit] = field(default_factory=list)
    none_hits: list[KeywordHit] = field(default_factory=list)
    missing_all: list[str] = field(default_factory=list)
    author_hits: list[str] = field(default_factory=list)
    category_ok: bool = True

    @property
    def passes(self) -> bool:
        return bool(self.hits or self.author_hits) and not self.missing_all and \
            not self.none_hits and self.category_ok

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeywordVerdict:
        return cls([KeywordHit(**h) for h in data.get("hits", [])],
                   [KeywordHit(**h) for h in data.get("none_hits", [])],
                   list(data.get("missing_all", [])), list(data.get("author_hits", [])),
                   bool(data.get("category_ok", True)))


@dataclass(slots=True)
class TopicDecision:
    """One topic's decision on one paper, with its evidence.

    ``score`` is the ranker's raw similarity; ``probability`` the calibrated
    chance that the paper is relevant to the topic (None when the ranker
    gives no scores).
    """

    topic: str
    label: str
    score: float
    threshold: float
    ranker: str
    kept_by: str | None  # "keywords", "semantic", "judge" or None
    verdict: KeywordVerdict = field(default_factory=KeywordVerdict)
    probability: float | None = None
    judge: float | None = None  # the LLM judge's 0-10 score
    judge_reason: str = ""
    adjusted_by: int = 0  # the user's ratings the topic's calibration was trained on
    calibration: str = ""  # "prior", "shipped" or "ratings": what turned the score into a probability

    @property
    def kept(self) -> bool:
        return self.kept_by is not None

    @property
    def hits(self) -> list[KeywordHit]:
        return self.verdict.hits

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopicDecision:
        data = dict(data)
        flat = {k: data.pop(k) for k in ("hits", "none_hits", "missing_all", "author_hits",
                                         "category_ok") if k in data}
        data["verdict"] = KeywordVerdict.from_dict(data.get("verdict") or flat)
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def best_topic(decisions: list[TopicDecision]) -> TopicDecision | None:
    """The kept topic a paper is listed under: keyword matches first, then score."""
    kept = [d for d in decisions if d.kept]
    if not kept:
        return None
    return max(kept, key=lambda d: (d.kept_by == "keywords",
                                    d.probability if d.probability is not None else d.score))


@dataclass
class Listing:
    """A paper as one day's listing announces it, with every topic's decision on it."""

    paper: Paper
    announce_type: str = "new"
    decisions: list[TopicDecision] = field(default_factory=list)

    @property
    def kept(self) -> bool:
        return any(d.kept for d in self.decisions)

    @property
    def best(self) -> TopicDecision | None:
        return best_topic(self.decisions)

    @property
    def kept_decisions(self) -> list[TopicDecision]:
        return [d for d in self.decisions if d.kept]

    @property
    def hits(self) -> list[KeywordHit]:
        """The keyword hits of the topics that kept the paper."""
        return [h for d in self.kept_decisions for h in d.hits]

    @property
    def is_replacement(self) -> bool:
        return self.announce_type.startswith("replace")


@dataclass
class FeedBatch:
    """The listings of one announcement day, read from one or more feeds."""

    day: dt.date | None
    listings: list[Listing]
    items_read: int = 0
    malformed: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A named section of a paper's full text."""

    title: str
    text: str


@dataclass
class FullText:
    """A paper's full text split into sections, or why it is missing."""

    source: str  # "html", "pdf" or "abstract"
    sections: list[Section] = field(default_factory=list)
    error: str | None = None
    from_cache: bool = False
    downloaded: int = 0
    links: list[str] = field(default_factory=list)  # URLs the document links to

    @property
    def text(self) -> str:
        return "\n\n".join(f"{s.title}\n{s.text}" for s in self.sections)


@dataclass
class Analysis:
    """A structured analysis of one paper version."""

    backend: str
    model: str
    prompt_version: str
    language: str
    status: str  # "ok" or "failed"
    sections: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    source: str = "abstract"  # what the analysis was based on
    version: int | None = None  # the paper version analysed
    claims_total: int = 0  # quantitative claims and names checked against the paper
    unsupported: dict[str, list[str]] = field(default_factory=dict)  # by section key
    warnings: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # each claim's verdict (faithful.Result)
    id: int | None = None  # the store's row id, once stored
    paper_id: str | None = None  # the paper analysed, once stored

    @property
    def unsupported_count(self) -> int:
        return sum(len(v) for v in self.unsupported.values())

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Overview:
    """The day's 今日速览: themes, top picks and relations, or a grouped list."""

    kind: str  # "llm" or "grouped"
    themes: list[str] = field(default_factory=list)
    picks: list[dict[str, str]] = field(default_factory=list)  # {"id", "reason"}
    relations: str = ""
    groups: dict[str, list[str]] = field(default_factory=dict)  # label -> versioned ids
    reason: str = ""  # grouped: why there is no LLM overview ("" when no LLM was configured)
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass(frozen=True)
class CommunitySignal:
    """What a community says about a paper (Hugging Face Daily Papers: its upvotes, and the
    code repository with its stars). Shown beside the paper; it breaks ties among papers of
    equal relevance and never decides relevance."""

    name: str  # the signal plugin's name ("huggingface")
    label: str  # shown ("Hugging Face")
    paper_id: str
    upvotes: int | None = None
    stars: int | None = None
    repo_url: str | None = None
    url: str | None = None  # the paper's page at the community

    @property
    def weight(self) -> int:
        """How strongly the community points at the paper (upvotes, else stars)."""
        return self.upvotes if self.upvotes is not None else (self.stars or 0)


@dataclass
class ReportEntry:
    """Everything the report shows for one paper."""

    listing: Listing
    code_url: str | None
    fulltext_source: str | None
    analysis: Analysis | None
    fallback: Analysis | None = None  # extractive analysis shown when the LLM failed
    updated_from: int | None = None  # earlier version whose analysis is shown
    signals: list[CommunitySignal] = field(default_factory=list)  # community signals, when followed

    @property
    def paper(self) -> Paper:
        return self.listing.paper

    @property
    def announce_type(self) -> str:
        return self.listing.announce_type

    @property
    def hits(self) -> list[KeywordHit]:
        return self.listing.hits

    @property
    def topics(self) -> list[TopicDecision]:
        """The decisions of the topics that kept the paper."""
        return self.listing.kept_decisions

    @property
    def shown(self) -> Analysis | None:
        """The analysis the report shows: the primary one if good, else the fallback."""
        return self.analysis if self.analysis is not None and self.analysis.ok else self.fallback


@dataclass
class Dropped:
    """A paper of the day that names a topic's keyword but was judged not relevant to it."""

    paper: Paper
    decision: TopicDecision

    @property
    def keywords(self) -> list[str]:
        return list(dict.fromkeys(h.keyword for h in self.decision.hits))


@dataclass(frozen=True)
class DayReport:
    """One announcement day's report: the header facts and the entries. Built once, whole
    (its overview and notices are made before it); a variant is a ``dataclasses.replace``."""

    day: str
    categories: list[str]
    keywords: list[str]
    items: int
    entries: list[ReportEntry]
    backend: str
    model: str
    overview: Overview | None = None
    cost_note: str = ""  # tokens (and estimated cost) of the day's analyses
    notices: list[str] = field(default_factory=list)  # why the report is degraded, if it is
    language: str = "zh"  # of the labels
    dropped: list[Dropped] = field(default_factory=list)  # keyword hits judged not relevant
    near: list[Dropped] = field(default_factory=list)  # on a day with no paper kept: the closest ones
    site: str = ""  # the reading room's public address: digests link each paper to its page

    def page_of(self, paper: Paper) -> str:
        """The paper's page in the reading room (static site or web app), or its page at its source."""
        if not self.site:
            return paper.abs_url
        return f"{self.site.rstrip('/')}/paper/{page_name(paper.id)}.html"  # the web app takes .html too

    @property
    def quality(self) -> tuple[int, int]:
        """(papers, papers with a good analysis of the report's backend): more is better."""
        return len(self.entries), sum(e.analysis is not None and e.analysis.ok for e in self.entries)


Segment = str | tuple[str, str]  # text, or (label, url): a link


@dataclass(frozen=True)
class DigestItem:
    """One paper of a digest: its number, title and page, its facts (source, type, keywords,
    theme), and its TL;DR."""

    n: int
    title: str
    url: str
    facts: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass(frozen=True)
class Digest:
    """A report as every channel says it, before the platform's own formatting: a day's
    report, or a week's or month's trends. ``key`` keys the delivery ledger (the day, or
    ``week:2026-W05``); ``version`` changes whenever the report would read differently;
    ``lead`` holds the lines above the papers (the overview, the themes), each a list of
    segments; ``data`` is the report's JSON (the generic webhook posts it)."""

    key: str
    version: str
    kind: str  # "day", "week", "month" or "range"
    language: str
    title: str  # "arXiv 论文日报 2026-02-02"
    subject: str  # the e-mail subject, before the update and incomplete marks
    summary: str
    notices: list[str]
    lead: list[list[Segment]]
    items: list[DigestItem]
    quality: tuple[int, int]  # (papers, papers with a good analysis): a later, better report is sent again
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendsWriting:
    """What an LLM wrote for a period's trends: theme labels (theme number -> (label, terms
    it rests on)) and the overview's paragraphs; checked before they are shown."""

    labels: dict[int, tuple[str, list[str]]]
    paragraphs: list[str]
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
