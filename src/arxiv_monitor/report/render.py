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

import functools
import json
import re
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import asdict
from importlib import resources
from typing import Any, ClassVar

import jinja2

from arxiv_monitor import __version__
from arxiv_monitor.core import i18n
from arxiv_monitor.core.models import Analysis, DayReport, ReportEntry
from arxiv_monitor.core.tex import math_html
from arxiv_monitor.core.topics import display_keyword
from arxiv_monitor.report import mdsafe, views
from arxiv_monitor.report.mdsafe import Md

SCHEMA_VERSION = "1"


def _groups(report: DayReport, lang: str) -> list[tuple[str, list[tuple[int, ReportEntry]]]]:
    """Entries grouped by topic, numbered as in the Markdown."""
    groups: dict[str, list[tuple[int, ReportEntry]]] = {}
    for n, entry in enumerate(report.entries, start=1):
        groups.setdefault(views.topic_label(entry, lang), []).append((n, entry))
    return list(groups.items())


@functools.lru_cache(maxsize=16)
def environment(lang: str = "zh", autoescape: bool = False) -> jinja2.Environment:
    """The template environment: HTML autoescaped, or Markdown escaped unless marked ``Md``;
    labels in ``lang`` (``t``) and the paper views bound to it. One per (lang, autoescape), kept:
    it holds the compiled templates."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("arxiv_monitor.report", "templates"),
        undefined=jinja2.StrictUndefined, autoescape=autoescape, trim_blocks=False,
        keep_trailing_newline=True, finalize=None if autoescape else mdsafe.escape,
    )
    zh = i18n.lang_of(lang) == 0
    env.globals.update(t=lambda key, **kw: i18n.t(key, lang, **kw), lang="zh" if zh else "en",
                       html_lang=i18n.html_lang(lang), lp="（" if zh else " (", rp="）" if zh else ")",
                       colon="：" if zh else ": ")
    env.filters.update(md_text=mdsafe.text, md_cell=mdsafe.cell, md_url=mdsafe.url, md_link=mdsafe.link,
                       snippet_md=views.snippet_md, snippet_html=views.snippet_html, math_html=math_html,
                       analysis_md=lambda e: views.analysis_md(e, lang),
                       analysis_html=lambda e, level=4: views.analysis_html(e, lang, level),
                       type_label=lambda k: views.type_label(k, lang), tldr=views.tldr,
                       topic_label=lambda e: views.topic_label(e, lang),
                       topic_reasons=lambda e: [Md(r) for r in views.topic_reasons(e, lang, "`", mdsafe.text)],
                       topic_reasons_plain=lambda e: views.topic_reasons(e, lang, quote="\u201c"),
                       signals_md=lambda e: views.signals_md(e, lang),
                       signals_html=lambda e: views.signals_html(e, lang),
                       display_keyword=display_keyword, dropped_why=lambda x: views.dropped_why(x, lang))
    return env


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
            "groups": groups, "model": ov.model, "reason": ov.reason}


def context(report: DayReport) -> dict[str, Any]:
    """What the report templates (and the reading room's day page) render from."""
    lang = report.language
    counts = Counter(e.announce_type for e in report.entries)
    sep = i18n.t("clause.sep", lang)
    type_counts = sep.join(f"{views.type_label(k, lang)} {counts[k]}" for k in views.TYPES if counts[k]) \
        or i18n.t("none", lang)
    return dict(notices=report.notices, day=report.day, day_label=i18n.day_label(report.day, lang),
                categories=report.categories, keywords=report.keywords, items=report.items,
                entries=report.entries, type_counts=type_counts, mode=views.mode(report, lang),
                groups=_groups(report, lang), overview=overview_view(report), cost_note=report.cost_note,
                topics=list(dict.fromkeys(views.topic_label(e, lang) for e in report.entries if e.topics)),
                ranker=views.ranker_note(report, lang), dropped=report.dropped, near=report.near, css=report_css(),
                paper_href=(lambda e: report.page_of(e.paper)) if report.site else None)


def report_css() -> str:
    return resources.files("arxiv_monitor.report").joinpath("static", "report.css").read_text("utf-8")


def render_markdown(report: DayReport) -> str:
    """The Markdown report for one day."""
    text = environment(report.language).get_template("report.md.j2").render(context(report))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(report: DayReport) -> str:
    """The self-contained HTML report for one day."""
    return environment(report.language, autoescape=True).get_template("report.html.j2").render(context(report))


def _analysis_json(a: Analysis | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"status": a.status, "backend": a.backend, "model": a.model, "language": a.language,
            "prompt_version": a.prompt_version, "source": a.source, "version": a.version,
            "error": a.error, "sections": a.sections if a.ok else {},
            "tokens_in": a.tokens_in, "tokens_out": a.tokens_out, "claims_total": a.claims_total,
            "unsupported": a.unsupported, "warnings": a.warnings}


def _shown(e: ReportEntry) -> str | None:
    """Which of a paper's two analyses a reader should see: ``analysis`` when it is good,
    else the extractive ``fallback`` (the failed one keeps only its error)."""
    if e.analysis is not None and e.analysis.ok:
        return "analysis"
    return "fallback" if e.fallback is not None else None


def report_data(report: DayReport) -> dict[str, Any]:
    """The JSON report: see ``schemas/report-v1.schema.json``."""
    papers = []
    for e in report.entries:
        p = e.paper
        papers.append({
            "id": p.id, "source": p.source, "source_label": p.source_label,
            "arxiv_id": p.id, "version": p.version, "versioned_id": p.versioned_id,
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
            "shown": _shown(e),
            "signals": [{"name": s.name, "label": s.label, "upvotes": s.upvotes, "stars": s.stars,
                         "repo_url": s.repo_url, "url": s.url} for s in e.signals],
        })
    return {"schema_version": SCHEMA_VERSION, "generator": f"arxiv-monitor {__version__}",
            "day": report.day, "categories": report.categories, "keywords": report.keywords,
            "items": report.items, "backend": report.backend, "model": report.model,
            "notices": report.notices,
            "overview": asdict(report.overview) if report.overview is not None else None,
            "papers": papers,
            "keyword_hits_dropped": [
                {"id": x.paper.id, "arxiv_id": x.paper.id, "versioned_id": x.paper.versioned_id, "title": x.paper.title,
                 "abs_url": x.paper.abs_url, "topic": x.decision.topic, "keywords": x.keywords,
                 "probability": x.decision.probability, "negative": [h.keyword for h in x.decision.verdict.none_hits]}
                for x in report.dropped]}


def render_json(report: DayReport) -> str:
    return json.dumps(report_data(report), ensure_ascii=False, indent=2) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON report."""
    text = resources.files("arxiv_monitor.report").joinpath("schemas", "report-v1.schema.json").read_text("utf-8")
    return json.loads(text)


class Renderer(ABC):
    """One file format of the reports. Subclass it and register the class with the
    ``register_renderers`` hook: every report is written in every registered format."""

    ext: ClassVar[str]  # the file's extension: reports/YYYY-MM-DD.<ext>

    @abstractmethod
    def render(self, report: DayReport) -> str:
        """The report as this format's text."""


class MarkdownRenderer(Renderer):
    ext = "md"

    def render(self, report: DayReport) -> str:
        return render_markdown(report)


class HtmlRenderer(Renderer):
    ext = "html"

    def render(self, report: DayReport) -> str:
        return render_html(report)


class JsonRenderer(Renderer):
    ext = "json"

    def render(self, report: DayReport) -> str:
        return render_json(report)
