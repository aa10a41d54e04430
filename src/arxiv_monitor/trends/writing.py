"""The written part of a trends report: the LLM's theme labels and overview, each checked
against the store before it is shown, or, without an LLM, a labelled extractive overview
(per topic: its volume, its themes, its top papers).

A label must rest on terms that are in the theme's papers (``themes.label_supported``).
Every paper id the overview cites must be one of the period's, and every number and name
in it must be in the facts it was given (volumes, theme sizes, the papers' titles and
TL;DRs): what is not is marked in the text, as an analysis's unsupported claims are.
"""

from __future__ import annotations

import re
from typing import Any

from arxiv_monitor.core.errors import AnalysisError, LLMUnavailable
from arxiv_monitor.core.i18n import lang_of
from arxiv_monitor.core.models import TrendsWriting
from arxiv_monitor.trends.model import KeyPaper, Theme, TopicVolume, TrendOverview
from arxiv_monitor.trust import faithful

ID_MARK = "⚠️[未知论文]"
FACT_MARK = "⚠️[数据未见]"


def change_text(change: float | None) -> str:
    return "new" if change is None else f"{change * 100:+.0f}%"


def facts(period_label: str, volumes: list[TopicVolume], themes: list[Theme], key: list[KeyPaper],
          tldrs: dict[str, str]) -> dict[str, Any]:
    """What the LLM is told (and what its text is checked against)."""
    return {
        "period": period_label,
        "topics": [{"label": v.label, "total": v.total, "change": change_text(v.change)} for v in volumes if v.total],
        "themes": [{"n": t.n, "size": t.size, "trend": t.trend, "terms": t.terms,
                    "papers": [{"id": p.id, "title": p.title, "tldr": tldrs.get(p.id, "")} for p in t.papers[:5]]}
                   for t in themes],
        "key_papers": [{"id": p.id, "title": p.title, "tldr": p.tldr} for p in key],
    }


def facts_text(f: dict[str, Any]) -> str:
    lines = [f["period"]]
    lines += [f"{t['label']}: {t['total']} papers ({t['change']})" for t in f["topics"]]
    for th in f["themes"]:
        lines.append(f"theme {th['n']}: {th['size']} papers, {th['trend']}, {', '.join(th['terms'])}")
        lines += [f"[{p['id']}] {p['title']}. {p['tldr']}" for p in th["papers"]]
    lines += [f"[{p['id']}] {p['title']}. {p['tldr']}" for p in f["key_papers"]]
    return "\n".join(lines)


_CITED = re.compile(r"\[([^\[\]]{4,80})\]")


def check_ids(paragraph: str, known: set[str]) -> tuple[str, list[str]]:
    """Mark the cited ids that are not the period's papers."""
    bad = []
    for m in _CITED.finditer(paragraph):
        for part in re.split(r"[,;，；\s]+", m.group(1)):
            ref = part.strip().removeprefix("arXiv:")
            if ref and re.match(r"^(\d{4}\.\d{4,5}|[a-z]+:10\.|[a-z-]+/\d{7})", ref) and \
                    re.sub(r"v\d+$", "", ref) not in known:
                bad.append(ref)
    for ref in sorted(set(bad), key=len, reverse=True):
        paragraph = paragraph.replace(ref, ref + ID_MARK)
    return paragraph, bad


def checked(writing: TrendsWriting, f: dict[str, Any], known: set[str]) -> TrendOverview:
    """The LLM's paragraphs with unknown ids and unsupported numbers or names marked."""
    source = facts_text(f)
    sections = {f"p{n}": _CITED.sub(" ", p) for n, p in enumerate(writing.paragraphs)}  # ids: checked below
    unsupported = faithful.check(sections, source).unsupported
    out, flagged = [], []
    for n, paragraph in enumerate(writing.paragraphs):
        claims = unsupported.get(f"p{n}", [])
        marked, bad_ids = check_ids(faithful.mark(paragraph, claims, FACT_MARK), known)
        out.append(marked)
        flagged += bad_ids + claims
    return TrendOverview(kind="llm", paragraphs=out, unsupported=flagged, model=writing.model,
                         tokens_in=writing.tokens_in, tokens_out=writing.tokens_out)


def extractive(volumes: list[TopicVolume], themes: list[Theme], key: list[KeyPaper], lang: str,
               reason: str = "") -> TrendOverview:
    """Per topic: its volume and change, its themes, and its top papers (labelled as such)."""
    zh = lang_of(lang) == 0
    trend_word = {"rising": "上升", "falling": "下降", "steady": "平稳", "new": "新"} if zh else \
        {"rising": "rising", "falling": "falling", "steady": "steady", "new": "new"}
    paragraphs = []
    for v in volumes:
        if not v.total:
            continue
        mine = [t for t in themes if t.topics and t.topics[0] == v.label]
        top = [p for p in key if p.topic == v.label][:3]
        change = "" if v.change is None else (f"，较上期 {v.change * 100:+.0f}%" if zh else
                                              f", {v.change * 100:+.0f}% on the period before")
        text = (f"{v.label}：{v.total} 篇{change}。" if zh else f"{v.label}: {v.total} papers{change}.")
        if mine:
            names = "；".join if zh else "; ".join
            listed = names(f"{t.label or t.name}（{t.size} 篇，{trend_word[t.trend]}）" if zh else
                           f"{t.label or t.name} ({t.size}, {trend_word[t.trend]})" for t in mine[:4])
            text += (f" 主题：{listed}。" if zh else f" Themes: {listed}.")
        if top:
            listed = "；".join(f"{p.title} [{p.id}]" for p in top) if zh else "; ".join(f"{p.title} [{p.id}]"
                                                                                       for p in top)
            text += (f" 重点论文：{listed}。" if zh else f" Key papers: {listed}.")
        paragraphs.append(text)
    return TrendOverview(kind="extractive", paragraphs=paragraphs, reason=reason)


def write(analyzer: Any, run: Any, f: dict[str, Any], known: set[str]) -> tuple[TrendsWriting | None, str]:
    """Ask the analyser (through ``run``, the command's event loop); (None, why) when it writes
    nothing or fails."""
    if analyzer is None:
        return None, ""
    try:
        return run(analyzer.trends(f)), ""
    except (AnalysisError, LLMUnavailable) as exc:
        return None, str(exc)
