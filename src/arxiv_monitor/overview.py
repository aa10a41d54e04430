"""今日速览: the day's overview, written from the analyses (never the full texts).

With an LLM it names the day's themes, the three papers most worth reading
for the user's topics (with a reason each) and how the papers relate. The
reply is validated: every recommended id must be one of the day's papers.
Without an LLM, the overview is the papers grouped by what matched them,
and says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

from .models import ReportEntry


@dataclass
class Overview:
    """The day's overview: themes, top picks and relations, or a grouped list."""

    kind: str  # "llm" or "grouped"
    themes: list[str] = field(default_factory=list)
    picks: list[dict[str, str]] = field(default_factory=list)  # {"id", "reason"}
    relations: str = ""
    groups: dict[str, list[str]] = field(default_factory=dict)  # label -> versioned ids
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Overview:
        return cls(**json.loads(text))


def digest_key(entries: list[ReportEntry]) -> str:
    """Changes when the day's papers or their analyses change."""
    h = hashlib.sha256()
    for e in entries:
        a = e.analysis if e.analysis is not None and e.analysis.ok else e.fallback
        h.update(e.paper.versioned_id.encode())
        h.update(json.dumps(a.sections if a else {}, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def grouped(entries: list[ReportEntry]) -> Overview:
    """The no-LLM overview: papers grouped by their first matched keyword."""
    groups: dict[str, list[str]] = {}
    for e in entries:
        label = e.hits[0].keyword if e.hits else "其他"
        groups.setdefault(label, []).append(e.paper.versioned_id)
    themes = [f"{label}（{len(ids)} 篇）" for label, ids in groups.items()]
    return Overview("grouped", themes=themes, groups=groups)


def overview_input(entries: list[ReportEntry]) -> list[dict[str, str]]:
    """What the overview call sees per paper: id, title, TL;DR and summary."""
    items = []
    for e in entries:
        a = e.analysis if e.analysis is not None and e.analysis.ok else e.fallback
        sections = a.sections if a else {}
        items.append({"id": e.paper.versioned_id, "title": e.paper.title,
                      "matched": ", ".join(h.keyword for h in e.hits),
                      "tldr": sections.get("tldr", ""),
                      "summary": sections.get("summary", e.paper.abstract)[:1200]})
    return items


def parse_overview(content: str, ids: list[str]) -> Overview:
    """Validate an overview reply; raise ValueError naming the problem."""
    text = re.sub(r"<think>.*?</think>", "", content or "", flags=re.DOTALL)
    body = text[text.find("{"): text.rfind("}") + 1]
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise ValueError("the overview is not a JSON object") from None
    themes = [str(t).strip() for t in data.get("themes", []) if str(t).strip()]
    picks = []
    for pick in data.get("top_picks", []):
        pid = str(pick.get("id", "")).strip()
        match = next((i for i in ids if i == pid or i.split("v")[0] == pid.split("v")[0]), None)
        if match is None:
            raise ValueError(f"the overview recommends {pid!r}, which is not one of today's papers")
        if match not in {p["id"] for p in picks} and str(pick.get("reason", "")).strip():
            picks.append({"id": match, "reason": str(pick["reason"]).strip()})
    if not themes:
        raise ValueError("the overview names no themes")
    if not picks and ids:
        raise ValueError("the overview recommends no paper")
    return Overview("llm", themes=themes, picks=picks[:3],
                    relations=str(data.get("relations", "")).strip())
