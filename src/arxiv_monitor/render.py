"""Rendering a DayReport: three files per day, from the same data.


* ``reports/YYYY-MM-DD.md`` keeps the layout users know (报告概览, 基本信息,
  原文摘要, AI分析) without its defects: a contents list, why each paper was
  selected, its announce type and primary category, ISO dates, whole
  abstracts, links that keep their case, analyses complete or plainly marked.
* ``reports/YYYY-MM-DD.html``: one self-contained page (no external assets,
  no scripts), every outside string escaped, analyses in collapsible blocks.
* ``reports/YYYY-MM-DD.json``: the same data, valid against the JSON Schema
  ``schemas/report-v1.schema.json`` shipped in the package.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from importlib import resources
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from . import __version__, faithful, mdsafe
from .mdsafe import Md
from .models import Analysis, DayReport, Dropped, KeywordHit, ReportEntry, best_topic
from .replies import headings
from .texmath import math_html
from .topics import display_keyword

TYPE_LABELS = {"new": "新提交", "cross": "交叉列出", "replace": "更新", "replace-cross": "更新（交叉列出）"}
SCHEMA_VERSION = "1"
SOURCE_LABELS = {"html": "论文正文（arXiv HTML）", "pdf": "论文正文（PDF）", "abstract": "摘要"}


def snippet_md(hit: KeywordHit) -> Md:
    """The hit's snippet with the matched words in bold."""
    text = mdsafe.text(hit.snippet).replace("*", "\\*")
    matched = mdsafe.text(hit.matched)
    if matched and matched in text:
        text = text.replace(matched, f"**{matched}**", 1)
    return Md(f"“{text}”")


def _marked(analysis: Analysis, key: str) -> str:
    """A section's text with a visible marker after each unsupported claim."""
    body = (analysis.sections.get(key) or "").strip()
    return faithful.mark(body, analysis.unsupported.get(key, []))


def check_note(analysis: Analysis) -> str | None:
    """One line on the faithfulness check and language, or None if nothing to say."""
    if analysis.backend == "extractive" or not analysis.claims_total:
        return None
    bad = analysis.unsupported_count
    note = f"事实核查：{analysis.claims_total} 项数字与名称已与原文核对"
    note += f"，{bad} 项未在原文中找到（标记为 {faithful.MARKER}）" if bad else "，均见于原文"
    if analysis.warnings:
        note += "；" + "；".join(analysis.warnings)
    return note


def _sections_md(analysis: Analysis) -> str:
    labels = headings(analysis.language)
    return "\n\n".join(f"#### {label}\n{mdsafe.inert(_marked(analysis, key))}" for key, label in labels.items())


def notices(entry: ReportEntry) -> tuple[Analysis | None, list[tuple[str, str]]]:
    """The analysis to show and the notices above it, as (kind, plain text)."""
    a, notes = entry.analysis, []
    if entry.updated_from:
        notes.append(("notice", f"本文为 v{entry.updated_from} 的更新版本（v{entry.paper.version}），"
                                f"以下分析基于 v{entry.updated_from}。"))
    if a is not None and not a.ok:
        reason = " ".join((a.error or "未知原因").split())
        notes.append(("error", f"⚠️ AI分析失败：{reason}。下面是抽取式分析，句子摘自原文；下次运行会重试。"))
        a = entry.fallback
    if a is not None and a.source == "abstract":
        notes.append(("notice", "未能获取论文正文，本分析仅基于摘要。"))
    if a is not None and check_note(a):
        notes.append(("muted", check_note(a) or ""))
    return a, notes


def analysis_md(entry: ReportEntry) -> Md:
    """The analysis block of one paper: heading, any notice, and the sections."""
    a, notes = notices(entry)
    quoted = [f"> {mdsafe.text(text)}" for _, text in notes]
    if a is None:
        return Md("\n".join(quoted + ["### AI分析\n\n尚未分析。"]))
    return Md("\n\n".join([f"### {mdsafe.text(_analysis_title(a))}", *quoted, _sections_md(a)]))


# -- HTML -------------------------------------------------------------------
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
def snippet_html(hit: KeywordHit) -> Markup:
    """The snippet, escaped, with the matched words highlighted."""
    text = str(escape(hit.snippet))
    matched = str(escape(hit.matched))
    if matched and matched in text:
        text = text.replace(matched, f"<mark>{matched}</mark>", 1)
    return Markup(f"“{text}”")


def _sections_html(analysis: Analysis) -> str:
    parts = []
    for key, label in headings(analysis.language).items():
        items = [e for e in analysis.evidence if e.get("section") == key]
        body = _with_evidence(_MD.render(_marked(analysis, key)), items).replace(
            faithful.MARKER, f'<mark class="unsupported" title="未在原文中找到">{faithful.MARKER}</mark>'
        ).replace(_PLACED, faithful.MARKER)
        parts.append(f"<h4>{escape(label)}</h4>\n{body}")
    return "\n".join(parts)


_PLACED = "\x00marker\x00"  # a marker already given its own <mark>


def _tip(kind: str, text: str) -> str:
    """The evidence as an attribute, which CSS shows on hover or focus (no script needed)."""
    return f'data-evidence="{escape(kind + text)}"'


def _with_evidence(html: str, items: list[dict]) -> str:
    """Each checked claim in the section's HTML with what the check found, shown on hover or
    focus (tap): the paper's sentence or table row, or, beside a ⚠️, what was looked for."""
    parts = re.split(r"(<[^>]+>)", html)
    for item in sorted(items, key=lambda e: -len(e.get("text", ""))):
        claim = str(escape(item.get("text", "")))
        if not claim:
            continue
        if item.get("supported"):
            pattern = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(claim)}(?![A-Za-z0-9_%]|</span>)")
            wrap = f'<span class="claim" tabindex="0" {_tip("原文：", item.get("evidence", ""))}>{claim}</span>'
        else:
            pattern = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(claim)}{re.escape(faithful.MARKER)}")
            wrap = (f'{claim}<mark class="unsupported" tabindex="0" '
                    f'{_tip("未在原文中找到：", item.get("looked_for", ""))}>{_PLACED}</mark>')
        parts = [p if p.startswith("<") else pattern.sub(lambda _m: wrap, p) for p in parts]
        parts = [q for p in parts for q in (re.split(r"(<[^>]+>)", p) if not p.startswith("<") else [p])]
    return "".join(parts)


def analysis_html(entry: ReportEntry) -> Markup:
    """The analysis of one paper as a collapsible block, notices first."""
    a, notes = notices(entry)
    css = {"notice": "notice", "error": "notice error", "muted": "muted"}
    head = "".join(f'<p class="{css[kind]}">{escape(text)}</p>' for kind, text in notes)
    if a is None:
        return Markup(head + "<p>尚未分析。</p>")
    return Markup(f"{head}<details open><summary>{escape(_analysis_title(a))}</summary>\n"
                  f"{_sections_html(a)}</details>")


def _analysis_title(a: Analysis) -> str:
    basis = SOURCE_LABELS.get(a.source, a.source)
    if a.backend == "extractive":
        return f"抽取式分析（未使用大模型，句子摘自{basis}）"
    return f"AI分析（基于{basis}，模型 {a.model}）"


def topic_label(entry: ReportEntry) -> str:
    """The topic a paper is listed under (its best kept topic), else its first keyword."""
    best = best_topic(entry.topics)
    if best is not None:
        return best.label
    return entry.hits[0].keyword if entry.hits else "其他"


def topic_reasons(entry: ReportEntry, quote: str = "`", esc: Callable[[str], str] = str) -> list[str]:
    """Why the paper was kept, one line per topic: keywords or semantic match, with scores.

    ``esc`` escapes the parts that come from outside (keywords inside ``quote``
    are shown as written).
    """
    lines = []
    for d in entry.topics:
        if d.kept_by == "keywords":
            words = [display_keyword(h.keyword).replace(quote, "") for h in d.hits]
            why = "关键词 " + ", ".join(f"{quote}{w}{quote}" for w in words) if d.hits \
                else "作者 " + esc(", ".join(d.author_hits))
        elif d.kept_by == "judge":
            why = "大模型判定相关"
        else:
            why = f"语义匹配（{d.ranker}）"
        score = "" if d.probability is None else f"，相关概率 {d.probability:.2f}"
        if d.adjusted_by:
            score += f"（按你的 {d.adjusted_by} 条评分校准）"
        if d.judge is not None:
            score += f"；大模型评分 {d.judge:g}/10：{esc(d.judge_reason)}"
        lines.append(f"{esc(d.label)}：{why}{score}")
    return lines


def _groups(report: DayReport) -> list[tuple[str, list[tuple[int, ReportEntry]]]]:
    """Entries grouped by topic, numbered as in the Markdown."""
    groups: dict[str, list[tuple[int, ReportEntry]]] = {}
    for n, entry in enumerate(report.entries, start=1):
        groups.setdefault(topic_label(entry), []).append((n, entry))
    return list(groups.items())


def _env(autoescape: bool = False) -> jinja2.Environment:
    """The template environment: HTML autoescaped, or Markdown escaped unless marked ``Md``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("arxiv_monitor", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=autoescape, trim_blocks=False,
        keep_trailing_newline=True, finalize=None if autoescape else mdsafe.escape,
    )
    env.filters.update(md_text=mdsafe.text, md_cell=mdsafe.cell, md_url=mdsafe.url, md_link=mdsafe.link,
                       snippet_md=snippet_md,
                       analysis_md=analysis_md, type_label=lambda t: TYPE_LABELS.get(t, t),
                       math_html=math_html, snippet_html=snippet_html, analysis_html=analysis_html,
                       tldr=tldr, topic_label=topic_label,
                       topic_reasons=lambda e: [Md(r) for r in topic_reasons(e, "`", mdsafe.text)],
                       topic_reasons_plain=lambda e: topic_reasons(e, quote="\u201c"),
                       display_keyword=display_keyword, dropped_why=dropped_why)
    return env


def dropped_why(x: Dropped) -> str:
    """Why a keyword hit was not kept: its probability, a negative keyword, the categories."""
    d = x.decision
    if d.verdict.none_hits:
        return "排除词 " + "、".join(f"\u201c{display_keyword(h.keyword)}\u201d" for h in d.verdict.none_hits)
    if d.verdict.missing_all:
        return "缺少必需词 " + "、".join(f"\u201c{w}\u201d" for w in d.verdict.missing_all)
    if not d.verdict.category_ok:
        return "不在主题分类内"
    if d.judge is not None:
        return f"大模型评分 {d.judge:g}/10"
    return f"相关概率 {d.probability:.2f}" if d.probability is not None else "未达保留条件"


def _mode(report: DayReport) -> str:
    if report.backend == "extractive":
        return "抽取式（未配置大模型；各节句子摘自原文）"
    return f"大模型分析（{report.backend}: {report.model}），失败时附抽取式分析"


def tldr(entry: ReportEntry) -> str:
    """The paper's one-sentence TL;DR from its shown analysis, or ''."""
    for a in (entry.analysis, entry.fallback):
        if a is not None and a.ok and a.sections.get("tldr"):
            return a.sections["tldr"]
    return ""


def overview_view(report: DayReport) -> dict[str, Any] | None:
    """The overview with paper numbers and titles resolved, for the templates."""
    ov = report.overview
    if ov is None:
        return None
    number = {e.paper.versioned_id: (n, e.paper.title) for n, e in enumerate(report.entries, start=1)}
    picks = [{"n": number[p["id"]][0], "title": number[p["id"]][1], "reason": p["reason"]}
             for p in ov.picks if p["id"] in number]
    groups = [(label, [{"n": number[i][0], "title": number[i][1]} for i in ids if i in number])
              for label, ids in ov.groups.items()]
    return {"kind": ov.kind, "themes": ov.themes, "picks": picks, "relations": ov.relations,
            "groups": groups, "model": ov.model}


def ranker_note(report: DayReport) -> str:
    """Which ranker scored the day's papers (as the report must say)."""
    rankers = {d.ranker for e in report.entries for d in e.topics}
    if not rankers:
        return ""
    names = ", ".join(sorted(rankers))
    if rankers == {"keywords"}:
        return "仅关键词（未启用相关度排序）"
    if any(r.startswith("semantic") for r in rankers):
        return f"语义相似度（{names}）"
    return f"TF-IDF 相似度（{names}；安装 arxiv-monitor[semantic] 可启用语义排序）"


def _context(report: DayReport) -> dict[str, Any]:
    day = dt.date.fromisoformat(report.day)
    counts = Counter(e.announce_type for e in report.entries)
    type_counts = "；".join(f"{TYPE_LABELS[t]} {counts[t]}" for t in TYPE_LABELS if counts[t]) or "无"
    return dict(notices=report.notices, day=report.day, day_cn=f"{day.year}年{day.month:02d}月{day.day:02d}日",
                categories=report.categories, keywords=report.keywords, items=report.items,
                entries=report.entries, type_counts=type_counts, mode=_mode(report),
                groups=_groups(report), overview=overview_view(report), cost_note=report.cost_note,
                topics=list(dict.fromkeys(topic_label(e) for e in report.entries if e.topics)),
                ranker=ranker_note(report), dropped=report.dropped)


def render_markdown(report: DayReport) -> str:
    """The Markdown report for one day."""
    text = _env().get_template("report.md.j2").render(_context(report))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(report: DayReport) -> str:
    """The self-contained HTML report for one day."""
    return _env(autoescape=True).get_template("report.html.j2").render(_context(report))


def _analysis_json(a: Analysis | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"status": a.status, "backend": a.backend, "model": a.model, "language": a.language,
            "prompt_version": a.prompt_version, "source": a.source, "version": a.version,
            "error": a.error, "sections": a.sections if a.ok else {},
            "tokens_in": a.tokens_in, "tokens_out": a.tokens_out, "claims_total": a.claims_total,
            "unsupported": a.unsupported, "warnings": a.warnings}


def report_data(report: DayReport) -> dict[str, Any]:
    """The JSON report: see ``schemas/report-v1.schema.json``."""
    papers = []
    for e in report.entries:
        p = e.paper
        papers.append({
            "arxiv_id": p.arxiv_id, "version": p.version, "versioned_id": p.versioned_id,
            "title": p.title, "authors": p.authors, "abstract": p.abstract,
            "announce_type": e.announce_type, "categories": p.categories,
            "primary_category": p.primary_category,
            "published": p.published.isoformat() if p.published else None,
            "abs_url": p.abs_url, "pdf_url": p.pdf_url, "code_url": e.code_url, "doi": p.doi,
            "journal_ref": p.journal_ref, "comments": p.comments,
            "matches": [{"keyword": h.keyword, "field": h.field, "snippet": h.snippet,
                         "matched": h.matched} for h in e.hits],
            "topics": [{"id": d.topic, "label": d.label, "kept_by": d.kept_by, "score": d.score,
                        "threshold": d.threshold, "ranker": d.ranker} for d in e.topics],
            "fulltext_source": e.fulltext_source, "updated_from": e.updated_from,
            "analysis": _analysis_json(e.analysis), "fallback": _analysis_json(e.fallback),
        })
    return {"schema_version": SCHEMA_VERSION, "generator": f"arxiv-monitor {__version__}",
            "day": report.day, "categories": report.categories, "keywords": report.keywords,
            "items": report.items, "backend": report.backend, "model": report.model,
            "notices": report.notices,
            "overview": asdict(report.overview) if report.overview is not None else None,
            "papers": papers,
            "keyword_hits_dropped": [
                {"arxiv_id": x.paper.arxiv_id, "versioned_id": x.paper.versioned_id, "title": x.paper.title,
                 "abs_url": x.paper.abs_url, "topic": x.decision.topic, "keywords": x.keywords,
                 "probability": x.decision.probability, "negative": [h.keyword for h in x.decision.verdict.none_hits]}
                for x in report.dropped]}


def render_json(report: DayReport) -> str:
    return json.dumps(report_data(report), ensure_ascii=False, indent=2) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON report."""
    text = resources.files("arxiv_monitor").joinpath("schemas", "report-v1.schema.json").read_text("utf-8")
    return json.loads(text)
