"""今日速览: the day's overview, written from the analyses (never the full texts).

With an LLM it names the day's themes, the three papers most worth reading
for the user's topics (with a reason each) and how the papers relate. The
reply is validated (``replies.OverviewReply``): every recommended id must be
one of the day's papers.
Without an LLM, the overview is the papers grouped by what matched them,
and says so.
"""

from __future__ import annotations

import hashlib
import json

from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import Overview, ReportEntry, best_topic


def digest_key(entries: list[ReportEntry]) -> str:
    """Changes when the day's papers or their analyses change."""
    h = hashlib.sha256()
    for e in entries:
        a = e.shown
        h.update(e.paper.versioned_id.encode())
        h.update(json.dumps(a.sections if a else {}, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def grouped(entries: list[ReportEntry], lang: str = "zh", failed: str = "") -> Overview:
    """The overview without an LLM: the papers grouped by the topic they are listed under
    (``failed``: why the LLM wrote none, when one was asked)."""
    groups: dict[str, list[str]] = {}
    for e in entries:
        best = best_topic(e.topics)
        groups.setdefault(best.label if best else t("other", lang), []).append(e.paper.versioned_id)
    themes = [f"{label}{t('colon', lang)}{t('report.papers_count', lang, n=len(ids))}" for label, ids in groups.items()]
    return Overview("grouped", themes=themes, groups=groups, reason=failed)


def overview_input(entries: list[ReportEntry]) -> list[dict[str, str]]:
    """What the overview call sees per paper: id, title, TL;DR and summary."""
    items = []
    for e in entries:
        a = e.shown
        sections = a.sections if a else {}
        items.append({"id": e.paper.versioned_id, "title": e.paper.title,
                      "matched": ", ".join(h.keyword for h in e.hits),
                      "tldr": sections.get("tldr", ""),
                      "summary": sections.get("summary", e.paper.abstract)[:1200]})
    return items
