"""The daily job, as a list of stages.

    fetch -> enrich -> match -> full text + code link -> analyse -> report

Every stage is keyed by arXiv id and version and records its result in the
store as it goes, so a rerun skips what is done and a run killed midway is
finished by running again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from . import fetch, match, report
from .analyze import Analyzer, analyze_all, make_analyzer
from .codelink import find_code_url
from .config import Config
from .errors import MonitorError
from .fulltext import FullTextFetcher
from .models import Analysis, DayReport, FeedBatch, FullText, KeywordHit, Paper, ReportEntry, RunStats
from .net import PoliteClient
from .store import Store

log = logging.getLogger(__name__)
Selected = list[tuple[Paper, list[KeywordHit]]]


class Progress(Protocol):
    """Where stages report progress (the CLI shows a rich progress bar)."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, step: int = 1) -> None: ...


class NoProgress:
    def stage(self, name: str, total: int) -> None:
        log.info("%s (%d)", name, total)

    def advance(self, step: int = 1) -> None:
        return None


def make_client(config: Config) -> PoliteClient:
    a = config.arxiv
    return PoliteClient(config.user_agent, interval=a.request_interval, timeout=a.timeout,
                        max_retries=a.max_retries, backoff=a.backoff, max_backoff=a.max_backoff)


def run(config: Config, feeds: list[Path] | None = None, progress: Progress | None = None) -> RunStats:
    """Run the daily job once. Refuses to run beside another run."""
    store = Store(config.db_path)
    try:
        with store.run_lock():
            run_id = store.start_run()
            stats = RunStats()
            try:
                with make_client(config) as client:
                    _run(config, store, client, feeds, progress or NoProgress(), stats)
                    stats.warnings += client.warnings
            except BaseException as exc:
                store.finish_run(run_id, stats.day, "failed", {**asdict(stats), "error": str(exc)})
                raise
            store.finish_run(run_id, stats.day, "ok" if not stats.errors else "errors", asdict(stats))
            return stats
    finally:
        store.close()


def _run(config: Config, store: Store, client: PoliteClient, feeds: list[Path] | None,
         progress: Progress, stats: RunStats) -> None:
    batch = stage_fetch(config, client, feeds, progress)
    stats.items = batch.items_read
    if not batch.papers:
        stats.message = _empty_message(batch, config)
        return
    day = (batch.day or dt.date.today()).isoformat()
    stats.day, stats.kept = day, len(batch.papers)
    selected = match.select(batch.papers, config.keywords)
    stats.matched = len(selected)
    stage_enrich(config, store, client, selected)
    store.save_day(day, config.categories, config.keywords, batch.items_read, selected)
    texts = stage_fulltext(config, store, client, selected, progress, stats)
    stage_analyze(config, store, selected, texts, progress, stats)
    stats.report = str(stage_report(config, store, day))


def stage_fetch(config: Config, client: PoliteClient, feeds: list[Path] | None,
                progress: Progress) -> FeedBatch:
    """Read the feed files, or download the combined RSS feed."""
    progress.stage("Reading feed", 1)
    if feeds:
        batch = fetch.read_feed_files(feeds, config.categories, config.announce_types)
    else:
        batch = fetch.fetch_feed(client, config.arxiv.rss_url, config.categories,
                                 config.announce_types, config.cache_path)
    progress.advance()
    return batch


def _empty_message(batch: FeedBatch, config: Config) -> str:
    when = f" for {batch.day.isoformat()} ({batch.day:%A})" if batch.day else ""
    if batch.items_read:
        return (f"The feed{when} has {batch.items_read} items but none of the announce types "
                f"{config.announce_types}; no report written.")
    return (f"The arXiv feed{when} has no items: arXiv announces nothing on weekends and "
            "holidays. No report written.")


def stage_enrich(config: Config, store: Store, client: PoliteClient, selected: Selected) -> None:
    """Comments, primary category, DOI, journal ref: one batched API call, once per paper."""
    papers = [p for p, _ in selected]
    store.save_papers(papers)
    missing = store.load_enrichment(papers)
    if not missing:
        return
    done = fetch.enrich(client, config.arxiv.api_url, missing)
    store.save_papers(missing)
    store.mark_enriched([p for p in missing if p.arxiv_id in done])


def stage_fulltext(config: Config, store: Store, client: PoliteClient, selected: Selected,
                   progress: Progress, stats: RunStats) -> dict[str, FullText]:
    """Full text and code link for each kept paper, stored as it goes."""
    a = config.arxiv
    fetcher = FullTextFetcher(client, config.cache_path, a.html_url, a.pdf_url, a.fulltext)
    progress.stage("Full texts", len(selected))
    texts: dict[str, FullText] = {}
    for paper, _ in selected:
        stored = store.get_fulltext(paper)
        if stored and stored[1] in ("ok", "missing"):
            text = stored[0]
        else:
            text, status = fetcher.fetch(paper)
            store.save_fulltext(paper, text, status)
        stats.downloaded += text.downloaded
        stats.from_cache += text.from_cache and text.source != "abstract"
        stats.fulltext_failed += text.source == "abstract"
        store.set_code_url(paper, find_code_url(paper, text))
        texts[paper.versioned_id] = text
        progress.advance()
    return texts


def _needs_analysis(config: Config, store: Store, analyzer: Analyzer, paper: Paper) -> bool:
    if paper.is_replacement and not config.reanalyze_replacements:
        if store.earlier_analysed_version(paper):
            return False
    done = store.find_analysis(paper, analyzer.name, analyzer.model, analyzer.prompt_version,
                               analyzer.language)
    return done is None or not done.ok


def stage_analyze(config: Config, store: Store, selected: Selected, texts: dict[str, FullText],
                  progress: Progress, stats: RunStats) -> None:
    """Analyse what is not analysed yet; store each result as it arrives."""
    analyzer = make_analyzer(config)
    extractive = make_analyzer(config, "extractive")
    todo = [(p, texts[p.versioned_id]) for p, _ in selected
            if _needs_analysis(config, store, analyzer, p)]
    stats.analyses_cached = len(selected) - len(todo)
    progress.stage(f"Analyses ({analyzer.name})", len(todo))

    def on_result(paper: Paper, result: Analysis) -> None:
        store.save_analysis(paper, result)
        stats.tokens_in += result.tokens_in
        stats.tokens_out += result.tokens_out
        if result.ok:
            stats.analysed += 1
        else:
            stats.analyses_failed += 1
            if analyzer.name != extractive.name:
                store.save_analysis(paper, extractive.analyze_now(paper, texts[paper.versioned_id]))
        progress.advance()

    async def go() -> list[str]:
        try:
            return await analyze_all(todo, analyzer, config.llm.concurrency, on_result)
        finally:
            await analyzer.aclose()

    if todo:
        stats.errors += asyncio.run(go())


def build_day_report(config: Config, store: Store, day: str) -> DayReport:
    """Assemble one stored day into a DayReport, with no network."""
    info = store.day_info(day)
    if info is None:
        raise MonitorError(f"No stored run for {day}; known days: {', '.join(store.days()[:10]) or 'none'}")
    backend = config.backend_name
    model = config.llm.model if backend != "extractive" else ""
    entries = []
    for paper, hits, code_url in store.day_papers(day):
        stored = store.get_fulltext(paper)
        entries.append(_entry(config, store, paper, hits, code_url, stored[0].source if stored else None))
    return DayReport(day, info["categories"], info["keywords"], info["items"], entries,
                     backend, model)


def _entry(config: Config, store: Store, paper: Paper, hits: list[KeywordHit],
           code_url: str | None, source: str | None) -> ReportEntry:
    rows = [a for a in store.analyses_for(paper) if a.language == config.language] or \
        store.analyses_for(paper)
    mine = [a for a in rows if a.backend == config.backend_name]
    primary = mine[0] if mine else next((a for a in rows if a.ok), None)
    fallback = next((a for a in rows if a.ok and a.backend == "extractive"), None)
    updated_from = None
    if primary is None and paper.is_replacement:
        updated_from = store.earlier_analysed_version(paper)
        if updated_from:
            earlier = store.analyses_for(paper, updated_from)
            primary = next((a for a in earlier if a.ok and a.backend == config.backend_name),
                           next((a for a in earlier if a.ok), None))
    return ReportEntry(paper, hits, code_url, source, primary, fallback, updated_from)


def stage_report(config: Config, store: Store, day: str) -> Path:
    """Write the day's report from the store."""
    return report.write_report(build_day_report(config, store, day), config.reports_path)


def rerender(config: Config, day: str) -> Path:
    """``arxiv-monitor report --date D``: re-render a stored day, no network."""
    store = Store(config.db_path)
    try:
        return stage_report(config, store, day)
    finally:
        store.close()
