"""Stage 5: a day's report, assembled from the store, published and written atomically.

``build_day_report`` gathers what the report shows for each kept paper:
its listing and topic decisions, code link, full-text source, the analysis
to show (the configured backend's good one, else the failed one with the
extractive fallback, else an earlier version's for a replacement) and the
day's overview. ``publish`` records that choice with the header facts, so
``published_report`` rebuilds the same report later from stored data alone,
whatever the environment says. ``write_report`` renders it (``render.py``)
to ``reports/YYYY-MM-DD.{md,html,json}``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from arxiv_monitor.core import plugins
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.files import write_atomic
from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import (
    Analysis,
    DayReport,
    Dropped,
    Listing,
    Overview,
    ReportEntry,
)
from arxiv_monitor.store import Shown, Store


def build_day_report(config: Config, store: Store, day: str, model: str = "") -> DayReport:
    """Assemble one stored day into a DayReport with the configured backend's analyses (made
    by ``model``), and the day's stored overview, if any."""
    info = _info(store, day)
    backend = config.backend_name
    entries = [entry_of(config, store, item) for item in store.days.listings(day)]
    stored = store.overviews.get(day)
    summary = stored.overview if stored else None
    return DayReport(day, info.categories, info.keywords, info.items, entries, backend, model, summary,
                     cost_note(config, entries, summary), language=config.language, dropped=dropped(store, day), near=near_misses(store, day),
                     site=config.site_url)


def near_misses(store: Store, day: str, listed: list[Listing] | None = None, limit: int = 5) -> list[Dropped]:
    """On a day with no paper kept, the papers that came closest (the most probable topic of
    each), so the page says what nearly matched rather than nothing (``listed``: the day's
    listing, when the caller has read it)."""
    listed = listed if listed is not None else store.days.listings(day, kept_only=False)
    if any(item.kept for item in listed):
        return []
    scored = [(max(item.decisions, key=lambda d: d.probability or 0.0), item) for item in listed if item.decisions]
    scored = [(d, item) for d, item in scored if (d.probability or 0.0) > 0 or d.hits]
    scored.sort(key=lambda x: (-(x[0].probability or 0.0), -len(x[0].hits)))
    return [Dropped(item.paper, d) for d, item in scored[:limit]]


def dropped(store: Store, day: str, listed: list[Listing] | None = None) -> list[Dropped]:
    """The day's papers that name a topic's keyword but were not kept: nothing vanishes
    without a trace. One line per paper, under its most probable such topic."""
    out = []
    for item in listed if listed is not None else store.days.listings(day, kept_only=False):
        if item.kept:
            continue
        named = [d for d in item.decisions if d.hits]
        if named:
            out.append(Dropped(item.paper, max(named, key=lambda d: d.probability or 0.0)))
    return out


def _info(store: Store, day: str):
    info = store.days.info(day)
    if info is None:
        known = ", ".join(store.days.all()[:10]) or "none"
        raise MonitorError(f"No stored run for {day}; known days: {known}")
    return info


def entry_of(config: Config, store: Store, item: Listing) -> ReportEntry:
    paper = item.paper
    rows = [a for a in store.analyses.for_paper(paper) if a.language == config.language] or \
        store.analyses.for_paper(paper)
    primary, fallback = _choose(rows, config.backend_name)
    updated_from = None
    if primary is None and item.is_replacement:
        updated_from = store.analyses.earlier_version(paper)
        if updated_from:
            earlier = store.analyses.for_paper(paper, updated_from)
            primary = next((a for a in earlier if a.ok and a.backend == config.backend_name),
                           next((a for a in earlier if a.ok), None))
    return ReportEntry(item, paper.code_url, _source(store, item), primary, fallback, updated_from,
                       _signals(store, item))


def _signals(store: Store, item: Listing) -> list:
    return store.signals.of([item.paper.id]).get(item.paper.id, [])


def _source(store: Store, item: Listing) -> str | None:
    return store.fulltexts.source_of(item.paper)  # not the text itself: a day page lists 100 papers


def _choose(rows: list[Analysis], backend: str) -> tuple[Analysis | None, Analysis | None]:
    """The analysis to show (this backend's good one, else its latest) and the extractive fallback."""
    mine = [a for a in rows if a.backend == backend]
    primary = next((a for a in mine if a.ok), mine[0] if mine else next((a for a in rows if a.ok), None))
    fallback = next((a for a in rows if a.ok and a.backend == "extractive"), None)
    return primary, fallback


def cost_note(config: Config, entries: list[ReportEntry], summary: Overview | None) -> str:
    """Tokens of the day's analyses and overview, with the estimated cost when prices are set."""
    tokens_in = sum(e.analysis.tokens_in for e in entries if e.analysis) + (summary.tokens_in if summary else 0)
    tokens_out = sum(e.analysis.tokens_out for e in entries if e.analysis) + (summary.tokens_out if summary else 0)
    if not tokens_in and not tokens_out:
        return ""
    lang = config.language
    note = t("cost.note", lang, tin=tokens_in, tout=tokens_out)
    cost = config.llm.cost(tokens_in, tokens_out)
    return note + (t("cost.price", lang, cost=cost, currency=config.llm.currency) if cost is not None else "")


def report_key(report: DayReport) -> str:
    """Changes when anything the report shows changes: papers, analyses, overview, notices."""
    parts = [[e.paper.versioned_id, e.analysis.id if e.analysis else None,
              e.fallback.id if e.fallback else None, e.updated_from] for e in report.entries]
    overview = report.overview
    data = [parts, report.notices, report.backend, report.model,
            [overview.kind, overview.themes, overview.picks, overview.relations] if overview else None]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]


def _header(report: DayReport, malformed: int) -> dict:
    """What is recorded of a published report: enough to render it again, and to tell that a
    report about to be written is the same (same papers, analyses, notices, site address and
    program version)."""
    from arxiv_monitor import __version__

    return {"backend": report.backend, "model": report.model, "language": report.language,
            "cost_note": report.cost_note, "notices": report.notices, "key": report_key(report),
            "malformed": malformed, "site": report.site, "version": __version__}


def publish(store: Store, report: DayReport, malformed: int = 0) -> None:
    """Record what the day's report shows, so it can be rendered again exactly (``malformed``:
    the listing's unreadable items, remembered for a later rebuild of the day)."""
    header = _header(report, malformed)
    shown = {e.paper.id: Shown(e.analysis.id if e.analysis else None,
                                     e.fallback.id if e.fallback else None, e.updated_from)
             for e in report.entries}
    store.days.publish(report.day, header, shown)


def published_report(config: Config, store: Store, day: str) -> DayReport:
    """The day's report as it was published: the same analyses, header and notices.

    A day published before this was recorded is assembled afresh.
    """
    info = _info(store, day)
    header = store.days.published(day)
    if not header:
        return build_day_report(config, store, day, config.llm.model if config.backend_name != "extractive" else "")
    shown = store.days.shown(day)
    listed = store.days.listings(day, kept_only=False, named=True)  # read once: the kept and the dropped
    kept = [item for item in listed if item.kept]
    analyses = store.analyses.by_ids([i for x in shown.values() for i in (x.analysis_id, x.fallback_id) if i])
    sources = store.fulltexts.sources_of([item.paper for item in kept])
    signals = store.signals.of([item.paper.id for item in kept])
    entries = []
    for item in kept:
        s = shown.get(item.paper.id) or Shown(None, None, None)
        entries.append(ReportEntry(item, item.paper.code_url, sources.get(item.paper.versioned_id),
                                   analyses.get(s.analysis_id), analyses.get(s.fallback_id), s.updated_from,
                                   signals.get(item.paper.id, [])))
    stored = store.overviews.get(day)
    return DayReport(day, info.categories, info.keywords, info.items, entries, header["backend"],
                     header["model"], stored.overview if stored else None, header["cost_note"],
                     header["notices"], header["language"], dropped=dropped(store, day, listed),
                     near=near_misses(store, day, listed if kept else None), site=config.site_url)


def degradation(entries: list[ReportEntry], lang: str, malformed: int = 0,
                llm_errors: list[str] | None = None, signal_gaps: dict[str, str] | None = None) -> list[str]:
    """Why the day's report is not the whole story, one line each (empty when it is)."""
    notices = [t("notice.signal_down", lang, label=label) for label in signal_gaps or {}]
    if malformed:
        notices.append(t("notice.malformed", lang, n=malformed))
    if llm_errors:
        notices.append(t("notice.llm_down", lang, error=llm_errors[0]))
    failed = sum(e.analysis is not None and not e.analysis.ok for e in entries)
    if failed and not llm_errors:
        notices.append(t("notice.failed", lang, n=failed))
    return notices


def write_report(report: DayReport, reports_dir: Path, store: Store | None = None) -> dict[str, Path]:
    """Render the report in every registered format (Markdown, HTML and JSON, and a plugin's),
    each written atomically; return their paths by extension. With ``store``, a report the
    store says was published as it is, whose files are all there, is not rendered again (a
    rerun with nothing to do)."""
    paths = {ext: reports_dir / f"{report.day}.{ext}" for ext in plugins.renderers()}
    if store is not None and all(path.exists() for path in paths.values()):
        published = store.days.published(report.day)
        if published == _header(report, published.get("malformed", 0)):
            return paths
    for ext, renderer in plugins.renderers().items():
        write_atomic(paths[ext], renderer().render(report))
    return paths
