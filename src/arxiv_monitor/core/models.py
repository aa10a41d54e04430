"""Plain dataclasses that pass between the pipeline stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from arxiv_monitor.core.ids import ArxivId, page_name

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


@dataclass
class Paper:
    """One version of an arXiv paper: its metadata from a feed or the export API.

    ``arxiv_id`` is the bare id (``2601.22586``); ``enriched`` says whether
    the export API's fields (comments, primary category, DOI, journal ref)
    have been read for it.
    """

    arxiv_id: str
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
    code_url: str | None = None  # found in the paper's own text (codelink.py)

    @property
    def ident(self) -> ArxivId:
        return ArxivId(self.arxiv_id, self.version)

    @property
    def versioned_id(self) -> str:
        return self.ident.versioned

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"


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


@dataclass
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

    @property
    def papers(self) -> list[Paper]:
        return [item.paper for item in self.listings]


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
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass
class ReportEntry:
    """Everything the report shows for one paper."""

    listing: Listing
    code_url: str | None
    fulltext_source: str | None
    analysis: Analysis | None
    fallback: Analysis | None = None  # extractive analysis shown when the LLM failed
    updated_from: int | None = None  # earlier version whose analysis is shown

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


@dataclass
class DayReport:
    """One announcement day's report: the header facts and the entries."""

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
    update: bool = False  # delivered again because a later run completed or repaired the day
    dropped: list[Dropped] = field(default_factory=list)  # keyword hits judged not relevant
    site: str = ""  # the reading room's public address: digests link each paper to its page

    def page_of(self, paper: Paper) -> str:
        """The paper's page in the reading room (static site or web app), or its arXiv page."""
        if not self.site:
            return paper.abs_url
        return f"{self.site.rstrip('/')}/paper/{page_name(paper.arxiv_id)}.html"  # the web app takes .html too

    @property
    def quality(self) -> tuple[int, int]:
        """(papers, papers with a good analysis of the report's backend): more is better."""
        return len(self.entries), sum(e.analysis is not None and e.analysis.ok for e in self.entries)


@dataclass
class RunStats:
    """Counts printed in the run summary and stored with the run."""

    day: str | None = None
    items: int = 0
    kept: int = 0
    matched: int = 0
    embedded: int = 0  # papers and topic texts embedded by the ranker (not from its cache)
    downloaded: int = 0
    from_cache: int = 0
    fulltext_failed: int = 0
    analysed: int = 0
    analyses_cached: int = 0
    analyses_failed: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    claims_supported: int = 0
    claims_unsupported: int = 0
    report: str | None = None
    caught_up: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    delivery_failed: list[str] = field(default_factory=list)
    message: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, part: RunStats) -> None:
        """Add a caught-up day's counts to the run's (its day and report stay the run's own)."""
        for name in ("embedded", "downloaded", "from_cache", "fulltext_failed", "analysed", "analyses_cached",
                     "analyses_failed", "tokens_in", "tokens_out", "claims_supported", "claims_unsupported"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        for name in ("delivered", "delivery_failed", "notes", "warnings", "errors"):
            getattr(self, name).extend(x for x in getattr(part, name) if x not in getattr(self, name))
