"""Stage 5: a day's report, assembled from the store and written atomically.

``build_day_report`` gathers what the report shows for each kept paper:
its listing and topic decisions, code link, full-text source, the analysis
to show (the configured backend's good one, else the failed one with the
extractive fallback, else an earlier version's for a replacement) and the
day's overview. ``write_report`` renders it (``render.py``) to
``reports/YYYY-MM-DD.{md,html,json}``.
"""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .errors import MonitorError
from .files import write_atomic
from .models import Analysis, DayReport, Listing, Overview, ReportEntry
from .render import render_html, render_json, render_markdown
from .store import Store


def build_day_report(config: Config, store: Store, day: str) -> DayReport:
    """Assemble one stored day into a DayReport, with no network."""
    info = store.days.info(day)
    if info is None:
        known = ", ".join(store.days.all()[:10]) or "none"
        raise MonitorError(f"No stored run for {day}; known days: {known}")
    backend = config.backend_name
    model = config.llm.model if backend != "extractive" else ""
    entries = [_entry(config, store, item) for item in store.days.listings(day)]
    stored = store.overviews.get(day)
    summary = stored.overview if stored else None
    return DayReport(day, info.categories, info.keywords, info.items, entries, backend, model, summary,
                     cost_note(config, entries, summary))


def _entry(config: Config, store: Store, item: Listing) -> ReportEntry:
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
    text = store.fulltexts.get(paper)
    return ReportEntry(item, paper.code_url, text.text.source if text else None, primary, fallback,
                       updated_from)


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
    note = f"大模型用量：输入 {tokens_in} tokens，输出 {tokens_out} tokens"
    cost = config.llm.cost(tokens_in, tokens_out)
    return note + (f"，估算费用 {cost:.4f} {config.llm.currency}" if cost is not None else "")


def write_report(report: DayReport, reports_dir: Path) -> dict[str, Path]:
    """Render and atomically write the day's .md, .html and .json; return their paths."""
    paths = {}
    for ext, render in (("md", render_markdown), ("html", render_html), ("json", render_json)):
        paths[ext] = reports_dir / f"{report.day}.{ext}"
        write_atomic(paths[ext], render(report))
    return paths
