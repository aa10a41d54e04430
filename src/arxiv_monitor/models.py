"""Plain dataclasses that pass between the pipeline stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


@dataclass
class Paper:
    """One arXiv paper as announced in a feed (and enriched by the export API)."""

    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    announce_type: str = "new"
    published: dt.date | None = None
    primary_category: str | None = None
    comments: str | None = None
    doi: str | None = None
    journal_ref: str | None = None

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"

    @property
    def is_replacement(self) -> bool:
        return self.announce_type.startswith("replace")


@dataclass
class FeedBatch:
    """The papers of one announcement day, read from one or more feeds."""

    day: dt.date | None
    categories: list[str]
    papers: list[Paper]
    items_read: int = 0
    malformed: list[str] = field(default_factory=list)


@dataclass
class KeywordHit:
    """Where one keyword matched: the field and a short snippet around it."""

    keyword: str
    field: str  # "title" or "abstract"
    snippet: str  # plain text around the match, with "…" where it was cut
    matched: str = ""  # the text that matched, as written in the paper


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

    @property
    def unsupported_count(self) -> int:
        return sum(len(v) for v in self.unsupported.values())

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class ReportEntry:
    """Everything the report shows for one paper."""

    paper: Paper
    hits: list[KeywordHit]
    code_url: str | None
    fulltext_source: str | None
    analysis: Analysis | None
    fallback: Analysis | None = None  # extractive analysis shown when the LLM failed
    updated_from: int | None = None  # earlier version whose analysis is shown
    topics: list = field(default_factory=list)  # relevance.TopicDecision of the kept topics


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
    overview: object | None = None  # an overview.Overview
    cost_note: str = ""  # tokens (and estimated cost) of the day's analyses


@dataclass
class RunStats:
    """Counts printed in the run summary and stored with the run."""

    day: str | None = None
    items: int = 0
    kept: int = 0
    matched: int = 0
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
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
