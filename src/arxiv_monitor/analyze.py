"""Stage 4: structured analyses, by pluggable analyser backends.

A backend is a class registered under the entry-point group
``arxiv_monitor.analyzers`` (see ``pyproject.toml``): the built-in ``openai``
and ``extractive`` backends register exactly as an outside plugin would. A
backend class has ``from_config(config)`` and an async ``analyze(paper,
fulltext)`` that returns an ``Analysis`` with the sections in ``SECTION_KEYS``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol

from .errors import ConfigError, LLMUnavailable
from .models import Analysis, FullText, Paper, Section
from .quality import degenerate
from .sections import PRIORITY, kind_of
from .tokens import estimate_tokens

if TYPE_CHECKING:
    from .config import Config

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "arxiv_monitor.analyzers"
SECTION_KEYS = ["summary", "motivation", "contributions", "method", "experiments", "results",
                "limitations"]
OPTIONAL_KEYS = ["tldr"]  # a one-sentence TL;DR, shown in the contents table
HEADINGS = {
    "zh": ["论文概要", "研究动机", "核心贡献与创新点", "方法概述", "实验说明", "主要结果", "局限性"],
    "en": ["Summary", "Motivation", "Contributions and novelty", "Method", "Experiments",
           "Main results", "Limitations"],
}
MIN_SECTION_CHARS = 8


def headings(language: str) -> dict[str, str]:
    """Section key -> heading in ``language`` (English for languages without labels)."""
    return dict(zip(SECTION_KEYS, HEADINGS.get(language.split("-")[0], HEADINGS["en"])))


class Analyzer(Protocol):
    """What every analyser backend provides."""

    name: str
    model: str
    prompt_version: str
    language: str

    async def analyze(self, paper: Paper, text: FullText) -> Analysis: ...

    async def aclose(self) -> None: ...


def registry() -> dict[str, type]:
    """Installed analyser backends by name, loaded from entry points."""
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}


def make_analyzer(config: Config, name: str | None = None) -> Analyzer:
    """Instantiate the backend ``name`` (default: the configured one)."""
    name = name or config.backend_name
    backends = registry()
    if name not in backends:
        raise ConfigError(f"llm.backend: unknown analyser backend {name!r}; "
                          f"installed: {', '.join(sorted(backends))}")
    return backends[name].from_config(config)


# -- token budget -----------------------------------------------------------
def _truncate(text: str, tokens: int) -> str:
    cut = text[: max(0, tokens * 4)]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > len(cut) // 2 else cut).rstrip() + " […]"


def fit_to_budget(sections: list[Section], budget: int,
                  count: Callable[[str], int] = estimate_tokens) -> list[Section]:
    """Keep the most informative sections within ``budget`` tokens.

    Sections are taken by usefulness (abstract, conclusion, introduction,
    results, method, experiments ... related work and appendix last); the
    first one that does not fit is shortened to fill what is left. The result
    is in document order.
    """
    order = sorted(range(len(sections)), key=lambda i: (PRIORITY[kind_of(sections[i].title)], i))
    remaining = budget
    chosen: dict[int, Section] = {}
    for i in order:
        section = sections[i]
        cost = count(section.title) + count(section.text) + 4
        if cost <= remaining:
            chosen[i] = section
            remaining -= cost
        elif remaining > 150:
            chosen[i] = Section(section.title, _truncate(section.text, remaining - 20))
            remaining = 0
    return [chosen[i] for i in sorted(chosen)]


# -- reply parsing ----------------------------------------------------------
_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_HEADING_LINE = re.compile(r"^\s*(?:#{1,6}\s*|\*\*)(?P<h>[^\n]+?)(?:\*\*)?\s*[:：]?\s*$")


def strip_reasoning(content: str) -> str:
    """Drop ``<think>…</think>`` blocks (and an unopened ``…</think>`` head)."""
    content = _THINK.sub("", content)
    for closer in ("</think>", "</thinking>", "</reasoning>"):
        if closer in content:
            content = content.split(closer)[-1]
    return content.strip()


def _as_text(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(f"- {_as_text(v)}" for v in value)
    if isinstance(value, dict):
        return "\n".join(f"- **{k}**: {_as_text(v)}" for k, v in value.items())
    return str(value).strip() if value is not None else ""


def _key_for(label: str) -> str | None:
    clean = re.sub(r"[*#_`\s]|^\d+[.、)]|[:：]$", "", label).lower()
    clean = re.sub(r"^\d+[.、)]", "", clean)
    if clean in ("tldr", "tl;dr", "一句话总结"):
        return "tldr"
    for key in SECTION_KEYS:
        names = [key] + [HEADINGS[lang][SECTION_KEYS.index(key)] for lang in HEADINGS]
        if any(re.sub(r"\s", "", n).lower() in clean or clean == n for n in names):
            return key
    return None


def _parse_json(content: str) -> dict[str, str] | None:
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", content, re.DOTALL)
    body = fenced.group(1) if fenced else content[content.find("{"): content.rfind("}") + 1]
    if not body:
        return None
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    out = {}
    for label, value in data.items():
        key = _key_for(str(label))
        if key and key not in out:
            out[key] = _as_text(value)
    return out


def _parse_markdown(content: str) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    current = None
    for line in content.splitlines():
        heading = _HEADING_LINE.match(line)
        key = _key_for(heading.group("h")) if heading and len(line) < 60 else None
        if key:
            current = key
            out.setdefault(key, [])
        elif current and not re.fullmatch(r"\s*(\*{3,}|-{3,}|_{3,})\s*", line):
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def parse_sections(content: str | None) -> dict[str, str]:
    """The sections a reply holds (JSON or headed Markdown), unvalidated."""
    text = strip_reasoning(content or "")
    return (_parse_json(text) or _parse_markdown(text)) if text else {}


def parse_reply(content: str | None) -> dict[str, str]:
    """Turn a model's reply (JSON or headed Markdown) into validated sections.

    Drops reasoning blocks and any preamble. Raises ValueError naming what is
    wrong when a section is missing or empty, or when the text loops.
    """
    if not strip_reasoning(content or ""):
        raise ValueError("the reply is empty")
    sections = parse_sections(content)
    missing = [k for k in SECTION_KEYS if len(sections.get(k, "").strip(" -*.…\n")) < MIN_SECTION_CHARS]
    if len(missing) == len(SECTION_KEYS):
        raise ValueError("the reply is not an analysis (no JSON object or known section headings)")
    if missing:
        raise ValueError(f"sections missing or empty: {', '.join(missing)}")
    looping = [k for k in SECTION_KEYS if degenerate(sections[k])]
    if looping:
        raise ValueError(f"the text repeats itself in: {', '.join(looping)}")
    if len({sections[k].strip() for k in SECTION_KEYS}) < len(SECTION_KEYS) - 1:
        raise ValueError("several sections have the same text")
    out = {k: sections[k] for k in SECTION_KEYS}
    if sections.get("tldr"):
        out["tldr"] = sections["tldr"].strip()
    return out


# -- the stage --------------------------------------------------------------
async def analyze_all(
    items: list[tuple[Paper, FullText]],
    analyzer: Analyzer,
    concurrency: int,
    on_result: Callable[[Paper, Analysis], None],
) -> list[str]:
    """Analyse ``items`` with at most ``concurrency`` requests in flight.

    ``on_result`` is called as each analysis completes (so progress is saved
    as it is made). A bad key or unreachable endpoint stops all further
    requests; the returned list holds such run-wide errors, once each.
    """
    gate = asyncio.Semaphore(concurrency)
    fatal: list[str] = []

    async def one(paper: Paper, text: FullText) -> None:
        async with gate:
            if fatal:
                result = failed(analyzer, text, fatal[0])
            else:
                try:
                    result = await analyzer.analyze(paper, text)
                except LLMUnavailable as exc:
                    if not fatal:
                        fatal.append(str(exc))
                    result = failed(analyzer, text, fatal[0])
                except Exception as exc:  # one bad paper never sinks the run
                    log.exception("analysis of %s crashed", paper.versioned_id)
                    result = failed(analyzer, text, f"{type(exc).__name__}: {exc}")
            result.version = paper.version
            on_result(paper, result)

    await asyncio.gather(*(one(p, t) for p, t in items))
    return fatal


def failed(analyzer: Analyzer, text: FullText, reason: str, **usage: int) -> Analysis:
    """A failed analysis carrying its reason."""
    return Analysis(analyzer.name, analyzer.model, analyzer.prompt_version, analyzer.language,
                    "failed", error=reason, source=text.source, **usage)
