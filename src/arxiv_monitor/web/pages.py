"""The reading room's pages, rendered on the server from the store: the same functions serve
the web app (``app.py``) and write the static site (``site.py``); only the links differ.

* home: the latest day, with links to earlier and later days and a calendar of days;
* day: the day as the HTML report lays it out, filtered by topic, type, code, analysis;
* paper: what the report shows, why it was (not) kept, the rating buttons, the full-text
  sections the analysis read, and every version's analysis;
* search: FTS5 over every stored paper, with filters and highlighted snippets;
* reading list: the papers rated good, exported as BibTeX.
"""

from __future__ import annotations

import base64
import calendar
import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup

from arxiv_monitor.core import i18n
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.ids import page_name
from arxiv_monitor.core.models import DayReport, ReportEntry
from arxiv_monitor.report import views
from arxiv_monitor.report.assemble import entry_of, published_report
from arxiv_monitor.report.render import context
from arxiv_monitor.store import Store
from arxiv_monitor.trends.charts import charts
from arxiv_monitor.trends.model import TrendReport
from arxiv_monitor.trends.period import Period
from arxiv_monitor.trends.render import context as trends_context
from arxiv_monitor.trends.render import trends_environment


@dataclass
class Links:
    """Where pages are: the web app's paths, or the static site's files (relative to the
    page being written, which is ``depth`` folders below the site's root)."""

    static: bool = False
    depth: int = 0

    def _root(self) -> str:
        return "../" * self.depth if self.static else "/"

    def home(self) -> str:
        return self._root() + ("index.html" if self.static else "")

    def day(self, day: str) -> str:
        return f"{self._root()}day/{day}" + (".html" if self.static else "")

    def paper(self, paper_id: str) -> str:
        return f"{self._root()}paper/{page_name(paper_id)}" + (".html" if self.static else "")

    def rate(self, paper_id: str) -> str:
        """Where the web app takes a paper's rating (no static site equivalent)."""
        return f"{self._root()}rate/{page_name(paper_id)}"

    def search(self) -> str:
        return self._root() + ("search.html" if self.static else "search")

    def reading_list(self) -> str:
        return self._root() + ("reading-list.html" if self.static else "reading-list")

    def bibtex(self) -> str:
        return self._root() + "reading-list.bib"

    def trends(self, key: str | None = None) -> str:
        """The trends page of a period (its key: 2026-W05), or the newest one."""
        if key is None:
            return self._root() + ("trends/index.html" if self.static else "trends")
        return f"{self._root()}trends/{key}" + (".html" if self.static else "")

    def tune(self, topic: str | None = None) -> str:
        """The "help me tune" view of a topic (web app only: it rates)."""
        return f"{self._root()}tune" + (f"/{topic}" if topic else "")

    def feed(self, name: str = "all") -> str:
        return f"{self._root()}feeds/{name}.xml"

    def asset(self, name: str) -> str:
        return f"{self._root()}static/{name}"


@dataclass
class Page:
    """What a page template needs besides its own data."""

    config: Config
    links: Links
    csrf: str = ""  # the web app's CSRF token; empty on the static site (no forms that post)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.config.language


@functools.lru_cache(maxsize=8)
def web_environment(lang: str) -> jinja2.Environment:
    """The report's HTML environment (with the trends templates), and the reading room's own
    templates under ``web/``."""
    base = trends_environment(lang, autoescape=True)
    web = jinja2.PrefixLoader({"web": jinja2.PackageLoader("arxiv_monitor.web", "templates")})
    return base.overlay(loader=jinja2.ChoiceLoader([web, base.loader]))


def _render(template: str, page: Page, **values: Any) -> str:
    env = web_environment(page.lang)
    return env.get_template(f"web/{template}").render(
        links=page.links, csrf=page.csrf, static=page.links.static, title=values.pop("title", "arxiv-monitor"),
        topics=[(t.id, t.label) for t in page.config.topic_list], **values)


def calendar_months(counts: list[tuple[str, int, int]], lang: str) -> list[dict[str, Any]]:
    """Month grids of the stored days, newest month first: weeks of (day, kept count) cells."""
    by_day = {d: kept for d, kept, _ in counts}
    months = sorted({d[:7] for d in by_day}, reverse=True)
    out = []
    for month in months:
        year, number = int(month[:4]), int(month[5:])
        weeks = [[(f"{year:04d}-{number:02d}-{d:02d}" if d else "", by_day.get(f"{year:04d}-{number:02d}-{d:02d}"))
                  for d in week] for week in calendar.Calendar().monthdayscalendar(year, number)]
        name = f"{year}年{number}月" if i18n.lang_of(lang) == 0 else f"{calendar.month_name[number]} {year}"
        out.append({"name": name, "weeks": weeks})
    return out


def _neighbours(days: list[str], day: str) -> tuple[str | None, str | None]:
    """(the earlier day, the later day) around ``day`` among stored days (newest first)."""
    if day not in days:
        return None, None
    i = days.index(day)
    return (days[i + 1] if i + 1 < len(days) else None), (days[i - 1] if i > 0 else None)


FILTERS = ("topic", "type", "code", "status")


@dataclass
class Stored:
    """A paper's decisions as its latest day stored them (the static site does not re-rank)."""

    decisions: list[Any]


def filtered(report: DayReport, wanted: dict[str, str]) -> DayReport:
    """The day's report with only the entries the filters keep."""
    def keep(e: ReportEntry) -> bool:
        if wanted.get("topic") and not any(d.topic == wanted["topic"] and d.kept for d in e.topics):
            return False
        if wanted.get("type") and e.announce_type != wanted["type"]:
            return False
        if wanted.get("code") == "1" and not e.code_url:
            return False
        status = "none" if e.analysis is None else ("ok" if e.analysis.ok else "failed")
        return not wanted.get("status") or status == wanted["status"]
    if not any(wanted.get(k) for k in FILTERS):
        return report
    return dataclasses.replace(report, entries=[e for e in report.entries if keep(e)])


def day_page(store: Store, page: Page, day: str | None = None, wanted: dict[str, str] | None = None) -> str:
    """A day (the latest, when ``day`` is None, as the home page) laid out like the report."""
    counts = store.days.counts()
    days = [d for d, _, _ in counts]
    if not days:
        return _render("empty.html.j2", page, title="arxiv-monitor")
    day = day or days[0]
    if day not in days:
        raise LookupError(day)
    report = filtered(published_report(page.config, store, day), wanted or {})
    body = context(report)
    body.update(rating_context(page, page.links.day(day)), paper_href=lambda e: page.links.paper(e.paper.id),
                dropped_href=lambda p: page.links.paper(p.id))
    earlier, later = _neighbours(days, day)
    return _render("day.html.j2", page, title=i18n.t("report.title", page.lang, date=day), day_body=body,
                   earlier=earlier, later=later, months=calendar_months(counts, page.lang),
                   wanted=wanted or {}, types=views.TYPES, home=page.extra.get("home", False))


def rating_context(page: Page, here: str) -> dict[str, Any]:
    """What the good/bad buttons need (``_rate.html.j2``): the web app's form, or the static
    site's buttons that keep ratings in the browser."""
    return {"rating": "static" if page.links.static else "web", "rate_action": page.links.rate,
            "csrf": page.csrf, "here": here}


def paper_page(store: Store, page: Page, paper_id: str, explanation: Any = None) -> str:
    """One paper: its report block, why it was (not) kept, ratings, full text, all analyses."""
    listed = store.days.listings_of(paper_id)
    paper = store.papers.latest(paper_id)
    if paper is None:
        raise LookupError(paper_id)
    entry = entry_of(page.config, store, listed[0][1]) if listed else None
    stored = store.fulltexts.get(paper)
    versions = []
    for version in range(paper.version, 0, -1):
        for a in store.analyses.for_paper(paper, version):
            versions.append({"version": version, "analysis": a,
                             "html": Markup(views.sections_html(a, page.lang, 3)) if a.ok else None,
                             "title": views.analysis_title(a, page.lang)})
    ratings = store.ratings.of_paper(paper_id)
    if explanation is None and listed:  # the decisions of the latest day that listed it
        explanation = Stored(listed[0][1].decisions)
    return _render("paper.html.j2", page, title=paper.title, paper=paper, e=entry, n=1,
                   days=[d for d, _ in listed], explanation=explanation, ratings=ratings,
                   sections=stored.text.sections if stored else [], versions=versions,
                   paper_href=None)


PAGE = 20  # search results a page
COUNTED = 50 * PAGE  # matches counted exactly (further on the later pages); past it: "1000+"


def search_page(store: Store, page: Page, params: dict[str, str]) -> str:
    """The search form and one page of results, with the number of matches (exact up to
    COUNTED or the page shown, else "1000+") and links to the other pages."""
    q = (params.get("q") or "").strip()
    filters = (params.get("from") or None, params.get("to") or None, params.get("topic") or None,
               params.get("category") or None, params.get("author") or None, params.get("code") == "1")
    kept_only = params.get("all") != "1"  # as the static site: kept and rated papers, unless asked
    try:
        number = max(1, int(params.get("page") or 1))
    except ValueError:
        number = 1
    counted = max(COUNTED, number * PAGE)  # enough to know whether a later page exists
    total = store.search.count(q, *filters, kept_only=kept_only, at_most=counted) if q else 0
    number = min(number, max(1, -(-total // PAGE)))
    hits = store.search.query(q, *filters, "date" if params.get("sort") == "date" else "relevance",
                              limit=PAGE, offset=(number - 1) * PAGE, kept_only=kept_only) if q else []
    keep = {k: v for k, v in params.items() if v and k != "page"}
    link = (lambda n: page.links.search() + "?" + urlencode({**keep, "page": n}))
    return _render("search.html.j2", page, title=i18n.t("web.search", page.lang), q=q, hits=hits,
                   params=params, searched=bool(q), total=total,
                   shown_total=f"{counted}+" if total > counted else total, first=(number - 1) * PAGE + 1,
                   earlier=link(number - 1) if number > 1 else None,
                   later=link(number + 1) if number * PAGE < total else None)


def good_papers(store: Store) -> list[Any]:
    """The reading list: the papers rated good, the latest rating first."""
    return [p for i in store.ratings.good() if (p := store.papers.latest(i)) is not None]


def reading_list_page(store: Store, page: Page) -> str:
    return _render("list.html.j2", page, title=i18n.t("web.reading_list", page.lang), papers=good_papers(store))


def trends_page(store: Store, page: Page, key: str | None = None) -> str:
    """A period's trends (the newest stored, when ``key`` is None), with the stored periods to
    move between; a period not built yet says how to build it."""
    stored = store.trends.keys()
    if key is None:
        if not stored:
            return _render("message.html.j2", page, title=i18n.t("trends.nav", page.lang),
                           heading=i18n.t("trends.nav", page.lang),
                           message=i18n.t("trends.none_built", page.lang))
        key = stored[0][1]
    period = Period.parse(key)
    raw = store.trends.get(period.key)
    before, after = period.neighbours()
    keys = {k for _, k in stored}
    nav = dict(earlier=before.key if before.key in keys else None, later=after.key if after.key in keys else None,
               periods=stored[:24], current=period.key)
    if raw is None:
        return _render("trends.html.j2", page, title=period.label(page.lang), report=None,
                       missing=i18n.t("trends.not_built", page.lang, period=period.label(page.lang),
                                      flag="--" + ("month" if period.kind == "month" else "week"),
                                      which=period.key), **nav)
    report = TrendReport.model_validate_json(raw)
    markup = [(c.title, Markup('<img src="data:image/svg+xml;base64,{}" alt="{}">').format(
        base64.b64encode(c.svg.encode("utf-8")).decode(), c.title)) for c in charts(report)]
    body = trends_context(report, lambda pid, _url: page.links.paper(pid), markup)
    return _render("trends.html.j2", page, title=body.pop("title"), report=report, body=body, missing=None, **nav)


def simple_page(page: Page, template: str, **values: Any) -> str:
    return _render(template, page, **values)


def require_day(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise MonitorError(f"not a day: {value!r}") from None
