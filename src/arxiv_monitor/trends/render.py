"""A trends report written out: Markdown (charts as SVG files beside it), a self-contained
HTML page (charts inline), an e-mail HTML (charts as PNG parts), and JSON (``schemas/``);
each written atomically, under ``reports/trends/``."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from arxiv_monitor.core.files import write_atomic
from arxiv_monitor.core.i18n import t
from arxiv_monitor.report import mdsafe
from arxiv_monitor.report.render import environment, report_css
from arxiv_monitor.trends.charts import Chart, charts
from arxiv_monitor.trends.model import TrendReport

_CITED = re.compile(r"\[((?:[a-z]+:)?(?:\d{4}\.\d{4,5}|10\.\d{4,9}/[\w.]+|[a-z-]+/\d{7})(?:v\d+)?)\]")


@functools.lru_cache(maxsize=8)
def trends_environment(lang: str, autoescape: bool) -> jinja2.Environment:
    """The report's environment with the trends templates under ``trends/``."""
    base = environment(lang, autoescape)
    loader = jinja2.ChoiceLoader([jinja2.PrefixLoader({"trends": jinja2.PackageLoader("arxiv_monitor.trends",
                                                                                         "templates")}), base.loader])
    env = base.overlay(loader=loader)
    env.filters.update(change=change, cited=cited_html, cited_md=cited_md)
    return env


def change(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.0f}%"


def cited_html(text: str, href: Callable[[str, str], str]) -> Markup:
    """Paragraph text with each cited id ``[2601.22586]`` linked to its paper."""
    out, last = [], 0
    for m in _CITED.finditer(text):
        out += [escape(text[last:m.start()]), Markup('[<a href="{}">{}</a>]').format(href(m.group(1), ""), m.group(1))]
        last = m.end()
    return Markup("").join([*out, escape(text[last:])])


def cited_md(text: str, href: Callable[[str, str], str]) -> mdsafe.Md:
    out, last = [], 0
    for m in _CITED.finditer(text):
        out += [mdsafe.text(text[last:m.start()]), mdsafe.link(m.group(1), href(m.group(1), ""))]
        last = m.end()
    return mdsafe.Md("".join([*out, mdsafe.text(text[last:])]))


def title(report: TrendReport) -> str:
    kind = t(f"trends.kind.{report.kind}", report.language)
    return t("trends.title", report.language, kind=kind, period=report.label)


def summary(report: TrendReport) -> str:
    return t("trends.summary", report.language, days=len(report.days), papers=report.papers, items=report.items)


def overview_note(report: TrendReport) -> str:
    ov, lang = report.overview, report.language
    if ov.kind == "llm":
        note = t("trends.by_llm", lang, model=ov.model or "LLM")
        return note + (" " + t("trends.unsupported", lang, n=len(ov.unsupported)) if ov.unsupported else "")
    return t("trends.extractive_failed", lang, reason=ov.reason) if ov.reason else t("trends.extractive", lang)


def context(report: TrendReport, paper_href: Callable[[str, str], str], chart_markup: list[tuple[str, Any]]
            ) -> dict[str, Any]:
    lang = report.language
    made = report.generator.rsplit(" @ ", 1)[-1] if " @ " in report.generator else ""
    return dict(r=report, title=title(report), summary=summary(report), overview_note=overview_note(report),
                charts=chart_markup, paper_href=paper_href, css=report_css() + trends_css(),
                footer=t("trends.footer", lang, period=report.label, when=made or report.end))


def trends_css() -> str:
    return resources.files("arxiv_monitor.trends").joinpath("static", "trends.css").read_text("utf-8")


def abs_link(site: str) -> Callable[[str, str], str]:
    """Links of a written report: the paper's reading-room page with ``site``, else its page at its source."""
    from arxiv_monitor.core.ids import PaperId, page_name

    def href(paper_id: str, abs_url: str) -> str:
        ref = PaperId.parse(paper_id)
        if site:
            return f"{site.rstrip('/')}/paper/{page_name(ref.canonical)}.html"
        if abs_url:
            return abs_url
        from arxiv_monitor.core.models import Paper

        return Paper(id=ref.canonical, version=ref.version or 1, title="", abstract="").abs_url
    return href


def render_markdown(report: TrendReport, chart_files: list[tuple[str, str]], href: Callable[[str, str], str]) -> str:
    text = trends_environment(report.language, False).get_template("trends/trends.md.j2").render(
        context(report, href, chart_files))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(report: TrendReport, chart_markup: list[tuple[str, Any]], href: Callable[[str, str], str]) -> str:
    return trends_environment(report.language, True).get_template("trends/trends.html.j2").render(
        context(report, href, chart_markup))


def render_json(report: TrendReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the trends report (generated from the model; ``schemas/`` holds it)."""
    return TrendReport.model_json_schema()


def write(report: TrendReport, folder: Path, site: str = "") -> dict[str, Path]:
    """Write the report in every format, and its charts; return the paths by format (the
    e-mail's HTML as ``mail.html``, each chart's PNG as ``<name>.png``)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, href = report.key, abs_link(site)
    drawn: list[Chart] = charts(report)
    paths: dict[str, Path] = {}
    for c in drawn:
        for ext, data in (("svg", c.svg.encode("utf-8")), ("png", c.png)):
            paths[f"{c.name}.{ext}"] = folder / f"{stem}-{c.name}.{ext}"
            write_atomic(paths[f"{c.name}.{ext}"], data)
    paths["md"] = folder / f"{stem}.md"
    write_atomic(paths["md"], render_markdown(report, [(c.title, f"{stem}-{c.name}.svg") for c in drawn], href))
    paths["html"] = folder / f"{stem}.html"
    write_atomic(paths["html"], render_html(report, [(c.title, Markup(c.svg)) for c in drawn], href))
    paths["mail.html"] = folder / f"{stem}.email.html"
    images = [(c.title, Markup('<img src="cid:{}" alt="{}" width="640">').format(f"{c.name}.png", c.title))
              for c in drawn]
    write_atomic(paths["mail.html"], render_html(report, images, href))
    paths["json"] = folder / f"{stem}.json"
    write_atomic(paths["json"], render_json(report))
    return paths

