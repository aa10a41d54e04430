"""What a trends report holds: frozen pydantic models, so a report is stored as JSON, read
back for the reading room exactly, and described by a JSON Schema (``schemas/``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TopicVolume(_Frozen):
    """A topic's kept papers: per day of the period, in total, and in the periods before."""

    topic: str
    label: str
    per_day: list[int] = Field(description="Kept papers on each calendar day of the period, first day first.")
    total: int
    previous: list[int] = Field(description="Totals of the periods before, nearest first.")
    change: float | None = Field(description="Change against the period before, as a fraction (0.25 is +25%); "
                                             "null when that period had none.")


class PaperRef(_Frozen):
    id: str
    title: str
    abs_url: str


class Theme(_Frozen):
    """A cluster of the period's kept papers, named by its distinctive terms (c-TF-IDF)."""

    n: int
    name: str = Field(description="The distinctive terms, joined.")
    terms: list[str]
    label: str | None = Field(None, description="The LLM's one-line label, when it passed the check "
                                                "against the papers' titles.")
    label_note: str = Field("", description="Why an LLM label was refused.")
    size: int = Field(description="Papers of the period in the theme.")
    before: int = Field(description="Papers of the comparison periods in the theme.")
    expected: float = Field(description="Papers expected in the period from the comparison periods' share.")
    trend: str = Field(description="rising, falling, steady, or new (no history to compare with).")
    papers: list[PaperRef] = Field(description="The theme's papers of the period, most relevant first.")
    topics: list[str] = Field(description="The topics its papers were kept for, most frequent first.")


class KeyPaper(_Frozen):
    id: str
    versioned_id: str
    title: str
    abs_url: str
    source_label: str
    day: str
    topic: str = Field(description="The label of the topic it was kept for.")
    score: float
    reasons: list[str] = Field(description="Why it is a key paper: rating, relevance, later papers, community.")
    tldr: str
    theme: int | None = None


class MissedPaper(_Frozen):
    """A paper the user rated good that was not kept on its day."""

    id: str
    versioned_id: str
    title: str
    abs_url: str
    day: str
    topic: str


class TrendOverview(_Frozen):
    kind: str = Field(description="llm, or extractive (theme names and their top papers).")
    paragraphs: list[str]
    unsupported: list[str] = Field(default_factory=list,
                                   description="Ids and numbers of the LLM's text not found in the store: "
                                               "marked in the text.")
    model: str = ""
    reason: str = Field("", description="Why the overview is extractive although an LLM is configured.")
    tokens_in: int = 0
    tokens_out: int = 0


class HistoryPoint(_Frozen):
    """One period of the volume chart: its short label and its kept papers per topic."""

    label: str
    key: str
    counts: dict[str, int]


class TrendReport(_Frozen):
    """A period's trends: what moved in the user's topics, the themes, the key papers."""

    schema_version: str = "1"
    kind: str = Field(description="week, month or range.")
    key: str = Field(description="2026-W05, 2026-02 or 2026-02-01..2026-02-14.")
    start: str
    end: str
    label: str
    language: str
    generator: str
    days: list[str] = Field(description="The stored days of the period.")
    items: int = Field(description="Papers listed on those days.")
    papers: int = Field(description="Papers kept on those days.")
    volumes: list[TopicVolume]
    history: list[HistoryPoint] = Field(description="Kept papers per topic in the period and the ones before, "
                                                    "oldest first (the volume chart).")
    themes: list[Theme]
    key_papers: list[KeyPaper]
    missed: list[MissedPaper]
    overview: TrendOverview
    notices: list[str] = Field(default_factory=list)
    embedder: str = Field("", description="What the themes were clustered with.")
