"""Stage 5: the daily report, rendered from stored data and written atomically.

``reports/YYYY-MM-DD.md`` keeps the layout users know (报告概览, 基本信息,
原文摘要, AI分析) without its defects: a contents list, why each paper was
selected, its announce type and primary category, ISO dates, whole abstracts,
links that keep their case, and analyses that are complete or plainly marked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import jinja2

from .analyze import headings
from .files import write_atomic
from .models import Analysis, DayReport, KeywordHit, ReportEntry

TYPE_LABELS = {"new": "新提交", "cross": "交叉列出", "replace": "更新", "replace-cross": "更新（交叉列出）"}
SOURCE_LABELS = {"html": "论文正文（arXiv HTML）", "pdf": "论文正文（PDF）", "abstract": "摘要"}


def md_text(text: str) -> str:
    """One line of Markdown-safe text: whitespace collapsed, no leading block syntax."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return re.sub(r"^([#>]|\d+\.\s|[-*+]\s)", r"\\\1", text)


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell or link label."""
    return md_text(text).replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def snippet_md(hit: KeywordHit) -> str:
    """The hit's snippet with the matched words in bold."""
    text = md_text(hit.snippet).replace("*", "\\*")
    if hit.matched and hit.matched in text:
        text = text.replace(hit.matched, f"**{hit.matched}**", 1)
    return f"“{text}”"


def _sections_md(analysis: Analysis) -> str:
    labels = headings(analysis.language)
    parts = []
    for key, label in labels.items():
        body = (analysis.sections.get(key) or "").strip()
        parts.append(f"#### {label}\n{body}")
    return "\n\n".join(parts)


def analysis_md(entry: ReportEntry) -> str:
    """The analysis block of one paper: heading, any notice, and the sections."""
    a, notes = entry.analysis, []
    if entry.updated_from:
        notes.append(f"> 本文为 v{entry.updated_from} 的更新版本"
                     f"（v{entry.paper.version}），以下分析基于 v{entry.updated_from}。")
    if a is not None and not a.ok:
        notes.append(f"> ⚠️ AI分析失败：{md_text(a.error or '未知原因')}。"
                     "下面是抽取式分析，句子摘自原文；下次运行会重试。")
        a = entry.fallback
    if a is None:
        return "\n".join(notes + ["### AI分析\n\n尚未分析。"])
    basis = SOURCE_LABELS.get(a.source, a.source)
    if a.source == "abstract":
        notes.append("> 未能获取论文正文，本分析仅基于摘要。")
    if a.backend == "extractive":
        title = f"### 抽取式分析（未使用大模型，句子摘自{basis}）"
    else:
        title = f"### AI分析（基于{basis}，模型 {a.model}）"
    return "\n\n".join([title, *notes, _sections_md(a)])


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("arxiv_monitor", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(md_text=md_text, md_cell=md_cell, snippet_md=snippet_md,
                       analysis_md=analysis_md, type_label=lambda t: TYPE_LABELS.get(t, t))
    return env


def _mode(report: DayReport) -> str:
    if report.backend == "extractive":
        return "抽取式（未配置大模型；各节句子摘自原文）"
    return f"大模型分析（{report.backend}: {report.model}），失败时附抽取式分析"


def render_markdown(report: DayReport) -> str:
    """The Markdown report for one day."""
    day = dt.date.fromisoformat(report.day)
    counts = Counter(e.paper.announce_type for e in report.entries)
    type_counts = "；".join(f"{TYPE_LABELS[t]} {counts[t]}" for t in TYPE_LABELS if counts[t]) or "无"
    text = _env().get_template("report.md.j2").render(
        day=report.day, day_cn=f"{day.year}年{day.month:02d}月{day.day:02d}日",
        categories=report.categories, keywords=report.keywords, items=report.items,
        entries=report.entries, type_counts=type_counts, mode=_mode(report),
    )
    return re.sub(r"\n{3,}", "\n\n", text)


def write_report(report: DayReport, reports_dir: Path) -> Path:
    """Render and atomically write ``reports/YYYY-MM-DD.md``; return its path."""
    path = reports_dir / f"{report.day}.md"
    write_atomic(path, render_markdown(report))
    return path
