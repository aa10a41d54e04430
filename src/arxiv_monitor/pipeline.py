"""The daily job, as a list of stages, in the order they run.

    fetch -> match -> enrich -> (full text + code link | analyse, overlapped) -> overview
          -> report -> deliver -> catch up missed days

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

from arxiv_monitor.sources.arxiv import catchup as backfill, feed as fetch
from arxiv_monitor.delivery import send as deliver
from arxiv_monitor.relevance import feedback
from arxiv_monitor.relevance import decide as relevance
from arxiv_monitor.analysis import overview
from arxiv_monitor.analysis.base import AnalysisRun, backend_class, make_analyzer, needs_analysis, opened, overview_of
from arxiv_monitor.fulltext.codelink import find_code_url
from arxiv_monitor.checks import preflight
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import AnalysisError, FeedError, LLMUnavailable
from arxiv_monitor.fulltext.download import FullTextFetcher
from arxiv_monitor.core.models import Analysis, DayReport, FeedBatch, FullText, Listing, Paper, RunStats
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.relevance.rank import make_ranker
from arxiv_monitor.report.assemble import build_day_report, cost_note, degradation, publish, published_report, write_report
from arxiv_monitor.store import Store, open_store
from arxiv_monitor.core.topics import topic_keywords

log = logging.getLogger(__name__)


class Progress(Protocol):
    """Where stages report progress (the CLI shows a rich progress bar)."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, step: int = 1, stage: str | None = None) -> None:
        """Count ``step`` more done in ``stage`` (default: the latest one; stages may overlap)."""


class NoProgress:
    def stage(self, name: str, total: int) -> None:
        log.info("%s (%d)", name, total)

    def advance(self, step: int = 1, stage: str | None = None) -> None:
        return None


def make_client(config: Config) -> PoliteClient:
    a = config.arxiv
    return PoliteClient(config.user_agent, interval=a.request_interval, timeout=a.timeout,
                        max_retries=a.max_retries, backoff=a.backoff, max_backoff=a.max_backoff)


def run(config: Config, feeds: list[Path] | None = None, progress: Progress | None = None) -> RunStats:
    """Run the daily job once. Refuses to run beside another run."""
    progress = progress or NoProgress()
    stats = RunStats(warnings=preflight(config))
    with open_store(config) as store, store.run_lock():
        run_id = store.runs.start()
        try:
            with make_client(config) as client:
                batch = stage_fetch(config, client, feeds, progress)
                stats.items, stats.kept = batch.items_read, len(batch.listings)
                if not batch.listings:
                    stats.message = fetch.empty_feed_message(batch, config.announce_types)
                else:
                    process_day(config, store, client, batch, progress, stats)
                    if not feeds:
                        stage_catchup(config, store, client, dt.date.fromisoformat(stats.day), progress, stats)
                stats.warnings += client.warnings
        except BaseException as exc:
            store.runs.finish(run_id, stats.day, "failed", {**asdict(stats), "error": str(exc)})
            raise
        store.runs.finish(run_id, stats.day, "ok" if not stats.errors else "errors", asdict(stats))
        return stats


def process_day(config: Config, store: Store, client: PoliteClient, batch: FeedBatch,
                progress: Progress, stats: RunStats) -> DayReport:
    """Match, enrich, read, analyse, report and deliver one day's papers."""
    day = (batch.day or dt.date.today()).isoformat()
    listings = stage_match(config, store, batch.listings, client, progress, stats)
    kept = [item for item in listings if item.kept]
    stage_enrich(config, store, client, [item.paper for item in listings], [item.paper for item in kept])
    store.days.save(day, config.categories, topic_keywords(config.topic_list), batch.items_read, listings)
    stage_read_and_analyze(config, store, client, kept, progress, stats)
    report = build_day_report(config, store, day)
    stage_overview(config, store, report, stats)
    report.notices = degradation(report, len(batch.malformed), stats.errors)
    publish(store, report)
    paths = write_report(report, config.reports_path)
    for earlier in deliver.days_to_retry(config, store, day):
        stage_deliver(config, store, published_report(config, store, earlier), stats=stats)
    stage_deliver(config, store, report, paths, stats=stats)
    stats.day, stats.matched, stats.report = day, len(kept), str(paths["md"])
    return report


def stage_fetch(config: Config, client: PoliteClient, feeds: list[Path] | None,
                progress: Progress) -> FeedBatch:
    """Read the feed files, or download the combined feed."""
    progress.stage("Reading feed", 1)
    if feeds:
        batch = fetch.read_feed_files(feeds, config.announce_types)
    else:
        batch = fetch.fetch_feed(client, config.arxiv.rss_url, config.categories,
                                 config.announce_types, config.cache_path)
    progress.advance()
    return batch


def stage_match(config: Config, store: Store, listings: list[Listing], client: PoliteClient | None = None,
                progress: Progress | None = None, stats: RunStats | None = None) -> list[Listing]:
    """Every topic's decision on every listing: keywords, the calibrated probability from the
    ranker's similarity, and the optional LLM judge."""
    if not listings:
        return []
    ranker = make_ranker(config, store.embeddings, progress)
    ctx, warnings = feedback.prepared(config, store, ranker, client, [item.paper for item in listings])
    selected = relevance.select(listings, ctx,
                                judge=feedback.judge_runner(config) if config.relevance.judge != "off" else None)
    if stats is not None:
        stats.warnings += warnings
        stats.embedded += getattr(ranker, "embedded", 0)
    return selected


def stage_enrich(config: Config, store: Store, client: PoliteClient, papers: list[Paper],
                 kept: list[Paper]) -> None:
    """Store every listed paper; enrich the kept ones once (one batched export-API call)."""
    missing = store.papers.fill_enrichment(kept)
    if missing:
        fetch.enrich(client, config.arxiv.api_url, missing)
    store.papers.save(papers)


def stage_read_and_analyze(config: Config, store: Store, client: PoliteClient, kept: list[Listing],
                           progress: Progress, stats: RunStats, force: bool = False) -> dict[str, FullText]:
    """Full text, code link and analysis of each kept paper, stored as they come.

    The two streams overlap: a paper's analysis starts as soon as its text is in, while
    the next downloads go on (in a worker thread, at the per-host pace); the day's wall
    time approaches the slower stream, not their sum. Only what is not analysed yet is
    analysed (everything, with ``force``).
    """
    a = config.arxiv
    fetcher = FullTextFetcher(client, config.cache_path, a.html_url, a.pdf_url, a.fulltext,
                              int(a.max_download_mb * 1_000_000))
    backend = backend_class(config.backend_name).name
    extractive = make_analyzer(config, "extractive")
    todo = {item.paper.versioned_id for item in kept
            if needs_analysis(store, backend, config.language, item, config.reanalyze_replacements, force)}
    stats.analyses_cached = len(kept) - len(todo)
    texts: dict[str, FullText] = {}
    progress.stage("Full texts", len(kept))
    progress.stage(f"Analyses ({backend})", len(todo))

    def on_result(paper: Paper, result: Analysis) -> None:
        store.analyses.save(paper, result)
        stats.tokens_in += result.tokens_in
        stats.tokens_out += result.tokens_out
        if result.ok:
            stats.analysed += 1
            stats.claims_unsupported += result.unsupported_count
            stats.claims_supported += result.claims_total - result.unsupported_count
        else:
            stats.analyses_failed += 1
            if backend != extractive.name:
                store.analyses.save(paper, extractive.analyze_now(paper, texts[paper.versioned_id]))
        progress.advance(stage=f"Analyses ({backend})")

    async def read(paper: Paper) -> FullText:
        stored = store.fulltexts.get(paper)
        if stored and (stored.status in ("ok", "missing") or stored.attempts >= a.fulltext_attempts):
            text = stored.text
        else:  # the download and parsing run in a thread; the store is used from this one only
            text, status = await asyncio.to_thread(fetcher.fetch, paper)
            store.fulltexts.save(paper, text, status)
        stats.downloaded += text.downloaded
        stats.from_cache += text.from_cache and text.source != "abstract"
        stats.fulltext_failed += text.source == "abstract"
        store.papers.set_code_url(paper, find_code_url(paper, text))
        progress.advance(stage="Full texts")
        return text

    async def go() -> list[str]:
        async with opened(config, store) as llm:
            run = AnalysisRun(llm, config.llm.concurrency, on_result)
            for item in kept:
                text = texts[item.paper.versioned_id] = await read(item.paper)
                if item.paper.versioned_id in todo:
                    run.submit(item.paper, text)
            return await run.finish()

    stats.errors += asyncio.run(go())
    return texts


def stage_overview(config: Config, store: Store, report: DayReport, stats: RunStats) -> None:
    """The day's 今日速览, written once per set of analyses (an LLM call, or a grouped list)."""
    if not report.entries:
        return
    key = overview.digest_key(report.entries)
    stored = store.overviews.get(report.day)
    if stored and stored.key == key and stored.backend == config.backend_name:
        report.overview = stored.overview
        return
    async def go():
        async with opened(config, store) as analyzer:
            return await overview_of(analyzer, report.entries)

    try:
        if stats.errors:  # the endpoint is unusable this run: said once already
            raise AnalysisError("the LLM endpoint is unavailable")
        result = asyncio.run(go())
    except (AnalysisError, LLMUnavailable) as exc:
        if not stats.errors:
            stats.warnings.append(f"{exc}; the report lists the papers grouped instead")
        result = overview.grouped(report.entries, config.language)
    stats.tokens_in += result.tokens_in
    stats.tokens_out += result.tokens_out
    store.overviews.save(report.day, key, config.backend_name if result.kind == "llm" else "extractive", result)
    report.overview = result
    report.cost_note = cost_note(config, report.entries, result)


def stage_deliver(config: Config, store: Store, report: DayReport, paths: dict[str, Path] | None = None,
                  target: str | None = None, force: bool = False,
                  stats: RunStats | None = None) -> list[deliver.Delivery]:
    """Send the day's report to every target that has not had it (or only ``target``)."""
    if target is None and not deliver.targets(config):
        return []
    if not report.entries and config.delivery.skip_empty and not force:
        if stats is not None:
            stats.notes.append(f"No paper matched on {report.day}: the report is written, nothing was "
                               "sent (delivery.skip_empty)")
        return []
    results = deliver.send_pending(config, store, report, paths or write_report(report, config.reports_path),
                                   target, force)
    for r in results if stats is not None else []:
        (stats.delivered if r.status == "sent" else stats.delivery_failed).append(
            f"{r.target} ({report.day})" + (f": {r.error}" if r.error else ""))
    return results


def stage_catchup(config: Config, store: Store, client: PoliteClient, day: dt.date,
                  progress: Progress, stats: RunStats) -> None:
    """Rebuild announcement days missed since the last run (export API)."""
    for missed in backfill.missed_days(store.days.all(), day, config.schedule.catchup_days):
        try:
            batch = backfill.fetch_day(client, config.arxiv.api_url, config.categories, missed,
                                       config.announce_types)
        except FeedError as exc:
            stats.warnings.append(f"catch-up of {missed} failed, will retry next run: {exc}")
            continue
        if batch.listings:
            day_stats = RunStats()
            process_day(config, store, client, batch, progress, day_stats)
            stats.add(day_stats)
        stats.caught_up.append(missed.isoformat())
