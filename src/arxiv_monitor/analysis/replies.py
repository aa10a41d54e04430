"""Every LLM reply is parsed here, into a pydantic model, or refused with a ReplyError.

Four kinds of reply exist: the analysis, a repair of some of its sections,
the day's overview and the relevance judge's scores. For each, the model
class below states its exact shape: missing keys, extra keys, wrong types
and bodies that are not JSON are errors that name what is wrong, so the
client can ask once more with that message, then fall back. Coercion is
limited to what is unambiguous: a section given as a list of points becomes
a bulleted list, and a section keyed by its heading ("论文概要") is read as
its key.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from arxiv_monitor.trust.quality import degenerate

SECTION_KEYS = ["summary", "motivation", "contributions", "method", "experiments", "results",
                "limitations"]
HEADINGS = {
    "zh": ["论文概要", "研究动机", "核心贡献与创新点", "方法概述", "实验说明", "主要结果", "局限性"],
    "en": ["Summary", "Motivation", "Contributions and novelty", "Method", "Experiments",
           "Main results", "Limitations"],
}
MIN_SECTION_CHARS = 8
_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_HEADING_LINE = re.compile(r"^\s*(?:#{1,6}\s*|\*\*)(?P<h>[^\n]+?)(?:\*\*)?\s*[:：]?\s*$")


class ReplyError(ValueError):
    """A reply of the wrong shape; the message says what is wrong."""


def headings(language: str) -> dict[str, str]:
    """Section key -> heading in ``language`` (English for languages without labels)."""
    return dict(zip(SECTION_KEYS, HEADINGS.get(language.split("-")[0], HEADINGS["en"])))


def strip_reasoning(content: str | None) -> str:
    """Drop ``<think>…</think>`` blocks (and an unopened ``…</think>`` head)."""
    content = _THINK.sub("", content or "")
    for closer in ("</think>", "</thinking>", "</reasoning>"):
        if closer in content:
            content = content.split(closer)[-1]
    return content.strip()


def json_body(content: str | None) -> Any:
    """The JSON value of a reply: a fenced block, or the outermost ``{…}``."""
    text = strip_reasoning(content)
    if not text:
        raise ReplyError("the reply is empty")
    whole = re.fullmatch(r"\s*(?:```(?:json)?\s*)?(?P<v>[\[\"\d\-tfn].*?)\s*(?:```)?\s*", text, re.DOTALL)
    if whole:  # JSON of the wrong shape is named as such, not as "not valid JSON"
        try:
            value = json.loads(whole.group("v"))
        except (json.JSONDecodeError, RecursionError):
            value = None
        if value is not None and not isinstance(value, dict):
            what = f"a list of {len(value)} items" if isinstance(value, list) else \
                {"str": "a string", "bool": "true or false"}.get(type(value).__name__, "a number")
            raise ReplyError(f"the reply is JSON, but {what}, not an object with the sections as keys")
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
    body = fenced.group(1) if fenced else text[text.find("{"): text.rfind("}") + 1]
    if not body:
        raise ReplyError("the reply is not JSON (no {…} object in it)")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the reply is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except RecursionError:
        raise ReplyError("the reply is not valid JSON (nested too deeply)") from None


def section_key(label: str) -> str | None:
    """The section key a label names: ``"2. 研究动机"`` -> ``"motivation"``."""
    clean = re.sub(r"[*#_`\s]|[:：]$", "", label).lower()
    clean = re.sub(r"^\d+[.、)]", "", clean)
    if clean in ("tldr", "tl;dr", "一句话总结"):
        return "tldr"
    for n, key in enumerate(SECTION_KEYS):
        names = [key] + [HEADINGS[lang][n] for lang in HEADINGS]
        if any(clean.startswith(re.sub(r"\s", "", name).lower()) for name in names):
            return key
    return None


def markdown_sections(content: str | None) -> dict[str, str]:
    """The sections of a headed-Markdown reply, by key (unknown headings are kept as text)."""
    out: dict[str, list[str]] = {}
    current = None
    for line in strip_reasoning(content).splitlines():
        heading = _HEADING_LINE.match(line)
        key = section_key(heading.group("h")) if heading and len(line) < 60 else None
        if key:
            current = key
            out.setdefault(key, [])
        elif current and not re.fullmatch(r"\s*(\*{3,}|-{3,}|_{3,})\s*", line):
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def _as_section_text(value: Any) -> Any:
    """A list of points becomes a bulleted list; a mapping of named points, a bold-labelled list."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(f"- {v.strip()}" for v in value if v.strip())
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return "\n".join(f"- **{k}**: {v.strip()}" for k, v in value.items())
    return value


def _error_text(exc: ValidationError, limit: int = 4) -> str:
    """The validation errors in a few words: missing keys, unexpected keys, then the rest."""
    errors = exc.errors()
    where = [".".join(str(p) for p in e["loc"]) or "the reply" for e in errors]
    missing = [w for w, e in zip(where, errors) if e["type"] == "missing"]
    extra = [w for w, e in zip(where, errors) if e["type"] == "extra_forbidden"]
    other = [f"{w}: {e['msg']}" for w, e in zip(where, errors) if e["type"] not in ("missing", "extra_forbidden")]
    parts = ([f"missing keys: {', '.join(missing)}"] if missing else []) + \
        ([f"unexpected keys: {', '.join(extra)}"] if extra else []) + other[:limit]
    more = len(other) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


class Reply(BaseModel):
    """Base of the reply models: strict keys, and a JSON Schema for structured outputs."""

    model_config = ConfigDict(extra="forbid")
    schema_name: ClassVar[str] = "reply"

    @classmethod
    def parse(cls, data: Any, **context: Any) -> Reply:
        """Validate a decoded reply; raise ReplyError naming what is wrong."""
        if not isinstance(data, dict):
            raise ReplyError(f"the reply is a JSON {type(data).__name__}, not an object")
        try:
            return cls.model_validate(data, context=context)
        except ValidationError as exc:
            raise ReplyError(_error_text(exc)) from None

    @classmethod
    def from_content(cls, content: str | None, **context: Any) -> Reply:
        return cls.parse(json_body(content), **context)

    @classmethod
    def response_schema(cls, **context: Any) -> dict[str, Any]:
        """A strict JSON Schema (every key required, no others) for ``response_format``."""
        return _strict(cls.model_json_schema())


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "object" and "properties" in schema:
        schema["required"] = list(schema["properties"])
        schema["additionalProperties"] = False
    for value in list(schema.get("properties", {}).values()) + list(schema.get("$defs", {}).values()):
        _strict(value)
    if isinstance(schema.get("items"), dict):
        _strict(schema["items"])
    for key in ("title", "default", "minLength", "maxLength", "minItems", "maxItems", "minimum",
                "maximum"):
        schema.pop(key, None)  # validated here; strict structured outputs do not take them
    return schema


def _check_sections(values: dict[str, str], keys: list[str]) -> None:
    missing = [k for k in keys if len((values.get(k) or "").strip(" -*.…\n")) < MIN_SECTION_CHARS]
    if len(missing) == len(keys) and len(keys) > 1:
        raise ValueError("the reply is not an analysis (no section has content)")
    if missing:
        raise ValueError(f"sections missing or empty: {', '.join(missing)}")
    looping = [k for k in keys if degenerate(values[k])]
    if looping:
        raise ValueError(f"the text repeats itself in: {', '.join(looping)}")
    if len(keys) > 2 and len({values[k].strip() for k in keys}) < len(keys) - 1:
        raise ValueError("several sections have the same text")


class _Sections(Reply):
    """Sections keyed by key or heading; a section given as points becomes a list."""

    @model_validator(mode="before")
    @classmethod
    def _by_heading(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {(section_key(str(k)) or k): v for k, v in data.items()}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _points(cls, value: Any) -> Any:
        return _as_section_text(value)


class AnalysisReply(_Sections):
    """The structured analysis: seven sections and a one-sentence TL;DR."""

    schema_name: ClassVar[str] = "paper_analysis"
    summary: str
    motivation: str
    contributions: str
    method: str
    experiments: str
    results: str
    limitations: str
    tldr: str = ""

    @model_validator(mode="after")
    def _complete(self) -> AnalysisReply:
        _check_sections(self.model_dump(), SECTION_KEYS)
        return self

    def sections(self) -> dict[str, str]:
        out = {k: getattr(self, k).strip() for k in SECTION_KEYS}
        if self.tldr.strip():
            out["tldr"] = self.tldr.strip()
        return out


class RepairReply(_Sections):
    """Rewritten sections: the keys that were asked for (context ``keys``).

    A model often answers with every section; the ones not asked for are
    ignored (that reading is unambiguous), but each asked one must be there.
    """

    schema_name: ClassVar[str] = "analysis_repair"
    summary: str | None = None
    motivation: str | None = None
    contributions: str | None = None
    method: str | None = None
    experiments: str | None = None
    results: str | None = None
    limitations: str | None = None
    tldr: str | None = None

    @model_validator(mode="after")
    def _asked(self, info: ValidationInfo) -> RepairReply:
        keys = (info.context or {}).get("keys") or SECTION_KEYS
        given = {k: v for k, v in self.model_dump().items() if v is not None and k in keys}
        _check_sections(given, keys)
        for key in set(type(self).model_fields) - set(keys):
            setattr(self, key, None)
        return self

    def sections(self) -> dict[str, str]:
        return {k: v.strip() for k, v in self.model_dump().items() if v is not None}

    @classmethod
    def response_schema(cls, **context: Any) -> dict[str, Any]:
        keys = context.get("keys") or SECTION_KEYS
        return {"type": "object", "properties": {k: {"type": "string"} for k in keys},
                "required": list(keys), "additionalProperties": False}


class Pick(BaseModel):
    """One recommended paper of the overview."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class OverviewReply(Reply):
    """The day's 今日速览; every recommended id must be one of the day's (context ``ids``)."""

    schema_name: ClassVar[str] = "day_overview"
    themes: list[str] = Field(min_length=1, max_length=8)
    top_picks: list[Pick] = Field(max_length=5)
    relations: str = ""

    @model_validator(mode="after")
    def _known_ids(self, info: ValidationInfo) -> OverviewReply:
        ids = (info.context or {}).get("ids") or []
        if not [t for t in self.themes if t.strip()]:
            raise ValueError("the overview names no themes")
        if ids and not self.top_picks:
            raise ValueError("the overview recommends no paper")
        for pick in self.top_picks:
            if resolve_id(pick.id, ids) is None:
                raise ValueError(f"the overview recommends {pick.id!r}, which is not one of today's papers")
        return self


class ThemeLabel(BaseModel):
    """The LLM's one-line label of a theme, and the terms of the papers it rests on."""

    model_config = ConfigDict(extra="forbid")
    n: int
    label: str = Field(min_length=1, max_length=120)
    terms: list[str] = Field(max_length=4)


class TrendsReply(Reply):
    """A period's written overview and its theme labels; every theme named must be one asked
    about (context ``themes``)."""

    schema_name: ClassVar[str] = "period_trends"
    themes: list[ThemeLabel]
    paragraphs: list[str] = Field(min_length=1, max_length=6)

    @model_validator(mode="after")
    def _known_themes(self, info: ValidationInfo) -> TrendsReply:
        known = set((info.context or {}).get("themes") or [])
        for t in self.themes:
            if known and t.n not in known:
                raise ValueError(f"the reply labels theme {t.n}, which was not asked about")
        if not [p for p in self.paragraphs if p.strip()]:
            raise ValueError("the overview has no paragraph")
        return self


class TopicReply(Reply):
    """A drafted topic (``topics suggest``): an id, a name, keywords with their variants,
    negative keywords for the usual confusions, and the description's lines (its sub-areas)."""

    schema_name: ClassVar[str] = "topic_draft"
    id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=120)
    keywords: list[str] = Field(min_length=2, max_length=40)
    negative_keywords: list[str] = Field(max_length=20)
    description: list[str] = Field(min_length=3, max_length=12)

    @model_validator(mode="after")
    def _usable(self) -> TopicReply:
        if not [k for k in self.keywords if k.strip()]:
            raise ValueError("the draft has no keyword")
        if len([line for line in self.description if line.strip()]) < 3:
            raise ValueError("the draft's description has fewer than three lines")
        return self


def resolve_id(given: str, ids: list[str]) -> str | None:
    """The day's versioned id that ``given`` names (with or without its version, bare or
    inside a few words: "arXiv:2601.22586", "[2601.22586v1]"), or None."""
    from arxiv_monitor.core.ids import PaperId

    text = given.strip()
    refs = {i: PaperId.parse(i) for i in ids}
    try:
        found = PaperId.parse(text.removeprefix("arXiv:"))
        return next((i for i, ref in refs.items() if found.same_paper(ref)), None)
    except ValueError:
        pass
    for i, ref in refs.items():
        m = re.search(rf"(?<![\w.]){re.escape(ref.key)}(?:v(\d+))?(?![\w])", text)
        if m and (m.group(1) is None or int(m.group(1)) == ref.version):
            return i
    return None


class JudgeItem(BaseModel):
    """One relevance score of the judge."""

    model_config = ConfigDict(extra="forbid")
    id: str
    topic: str
    score: float = Field(ge=0, le=10)
    reason: str = ""


class JudgeReply(Reply):
    """The judge's scores; every (id, topic) must have been asked for (context ``asked``)."""

    schema_name: ClassVar[str] = "relevance_scores"
    results: list[JudgeItem]

    @model_validator(mode="after")
    def _asked(self, info: ValidationInfo) -> JudgeReply:
        asked = (info.context or {}).get("asked")
        for item in self.results:
            if asked is not None and (item.id, item.topic) not in asked:
                raise ValueError(f"the judge rated {(item.id, item.topic)}, which was not asked for")
        return self
