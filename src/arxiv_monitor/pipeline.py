"""The daily job, as a list of stages, in the order they run.

    list (sources) -> match -> enrich -> (full text + code link | analyse, overlapped)
          -> overview -> report -> deliver -> catch up missed days

``process_day`` runs a day's listings through the stages; ``finish_day`` is the tail
every command shares (overview, notices, one frozen report, publish, write, deliver);
``rebuild_days`` lists past days from the sources and processes them (catch-up and
``backfill``). Every stage is keyed by paper id and version and records its result in the
store as it goes, so a rerun skips what is done and a run killed midway is finished by
running again. The parts (sources, ranker, analyser, channels) come built from the
composition root (``components.Parts``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from arxiv_monitor.analysis import overview
from arxiv_monitor.analysis.base import AnalysisRun, needs_analysis
from arxiv_monitor.checks import preflight
from arxiv_monitor.components import Parts
from arxiv_monitor.core import stopping
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import AnalysisError, FeedError, LLMUnavailable
from arxiv_monitor.core.models import (
    Analysis,
    DayReport,
    FeedBatch,
    FullText,
    Listing,
    Overview,
    Paper,
)
from arxiv_monitor.core.topics import topic_keywords
from arxiv_monitor.delivery import ledger
from arxiv_monitor.fulltext.codelink import find_code_url
from arxiv_monitor.relevance import decide as relevance
from arxiv_monitor.relevance import feedback
from arxiv_monitor.report.assemble import (
    build_day_report,
    cost_note,
    degradation,
    publish,
    published_report,
    write_report,
)
from arxiv_monitor.report.digest import day_digest
from arxiv_monitor.sources import signals
from arxiv_monitor.sources.base import empty_day_message, missed_days
from arxiv_monitor.sources.signals import DayOfSignals
from arxiv_monitor.store import Store, damaged, open_store
from arxiv_monitor.store.claims import CLAIM_TTL, analysis_key

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


@dataclass
class RunStats:
    """Counts printed in the run summary and stored with the run."""

    day: str | None = None
    items: int = 0
    kept: int = 0
    matched: int = 0
    embedded: int = 0  # papers and topic texts embedded by the ranker (not from its cache)
    downloaded: int = 0
    from_cache: int = 0
    fulltext_failed: int = 0
    analysed: int = 0
    analyses_cached: int = 0
    analyses_failed: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    claims_supported: int = 0
    claims_unsupported: int = 0
    report: str | None = None
    caught_up: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    delivery_failed: list[str] = field(default_factory=list)
    message: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, part: RunStats) -> None:
        """Add a caught-up day's counts to the run's (its day and report stay the run's own)."""
        for name in ("items", "matched", "embedded", "downloaded", "from_cache", "fulltext_failed", "analysed",
                     "analyses_cached", "analyses_failed", "tokens_in", "tokens_out", "claims_supported",
                     "claims_unsupported"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        for name in ("caught_up", "delivered", "delivery_failed", "notes", "warnings", "errors"):
            getattr(self, name).extend(x for x in getattr(part, name) if x not in getattr(self, name))


def run(config: Config, feeds: list[Path] | None = None, progress: Progress | None = None) -> RunStats:
    """Run the daily job once. Refuses to run beside another run."""
    progress = progress or NoProgress()
    config, warnings = preflight(config)
    stats = RunStats(warnings=warnings)
    with open_store(config) as store, store.run_lock(), Parts(config, store, progress) as parts:
        run_id = store.runs.start()
        try:
            progress.stage("Reading feed", 1)
            batch = parts.sources.read_files(feeds) if feeds else parts.sources.latest()
            progress.advance()
            stats.items, stats.kept = batch.items_read, len(batch.listings)
            if not batch.listings:
                stats.message = empty_day_message(batch, config.announce_types, parts.sources.labels)
            else:
                process_day(parts, store, batch, stats)
                if not feeds:
                    day = dt.date.fromisoformat(stats.day or "")
                    missed = missed_days(parts.sources, store.days.all(), list(store.pending_days.all()), day,
                                         config.schedule.catchup_days)
                    rebuild_days(parts, store, missed, stats)
            stats.warnings += parts.client.warnings
        except BaseException as exc:
            if not damaged(exc):  # a damaged file is left as it is
                status = "stopped" if isinstance(exc, stopping.Stopped) else "failed"
                store.runs.finish(run_id, stats.day, status, {**asdict(stats), "error": str(exc)})
            raise
        store.runs.finish(run_id, stats.day, "ok" if not stats.errors else "errors", asdict(stats))
        return stats


def rebuild_days(parts: Parts, store: Store, days: list[dt.date], stats: RunStats,
                 force: bool = False) -> None:
    """List past days from the sources and process them (catch-up, ``backfill``); a day that
    cannot be listed is recorded and tried again by the next runs. Without ``force``, a
    stored day is left as it is."""
    known = set(store.days.all())
    for day in days:
        if day.isoformat() in known and not force:
            store.pending_days.done(day.isoformat())
            continue
        parts.progress.stage(f"Catching up {day}", 1)
        try:
            batch = parts.sources.day(day)
        except FeedError as exc:
            attempts = store.pending_days.failed(day.isoformat(), str(exc))
            stats.warnings.append(f"catch-up of {day} failed (attempt {attempts}), will retry next run: {exc}")
            continue
        day_stats = RunStats(items=batch.items_read)
        if batch.listings:
            process_day(parts, store, batch, day_stats)
        day_stats.caught_up.append(day.isoformat())
        stats.add(day_stats)
        store.pending_days.done(day.isoformat())
        parts.progress.advance()


def process_day(parts: Parts, store: Store, batch: FeedBatch, stats: RunStats) -> DayReport:
    """Match, enrich, read, analyse, report and deliver one day's listings."""
    config = parts.config
    day = (batch.day or dt.date.today()).isoformat()
    key = feedback.decision_key(config, store)
    decided_with, listed = store.days.decided(day)
    if decided_with == key and listed == {(item.paper.id, item.paper.version) for item in batch.listings}:
        kept = store.days.listings(day)  # a rerun: the same listing, decided with the same topics and ratings
        stage_read_and_analyze(parts, store, kept, stats)
    else:
        sure = relevance.sure_keeps([item.paper for item in batch.listings], config.topic_list)
        with prefetch(parts, store, sure) as early:  # their texts come in while the ranker works
            community = stage_signals(parts, store, day, batch.listings, stats)
            listings = stage_match(parts, store, batch.listings, stats, community)
            kept = [item for item in listings if item.kept]
            stage_enrich(parts, store, [item.paper for item in listings], [item.paper for item in kept])
            store.days.save(day, config.categories, topic_keywords(config.topic_list), batch.items_read, listings,
                            key)
            stage_read_and_analyze(parts, store, kept, stats, prefetched=early)
    report = finish_day(parts, store, day, stats, malformed=len(batch.malformed))
    stats.day, stats.matched = day, len(kept)
    return report


@contextlib.contextmanager
def prefetch(parts: Parts, store: Store, papers: list[Paper]) -> Iterator[dict[str, Future]]:
    """The full texts of papers sure to be kept, fetched in one worker thread (at the
    per-host pace) while the ranker embeds the day: by versioned id, a future of what
    ``fetcher.fetch`` returns. Papers whose text is stored already are left out."""
    wanted = [p for p in papers if (stored := store.fulltexts.get(p)) is None or stored.status not in ("ok", "missing")]
    if not wanted or not parts.fetcher.enabled:
        yield {}
        return
    pool = ThreadPoolExecutor(1, thread_name_prefix="prefetch")
    try:
        yield {p.versioned_id: pool.submit(parts.fetcher.fetch, p) for p in wanted}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def stage_signals(parts: Parts, store: Store, day: str, listings: list[Listing], stats: RunStats) -> DayOfSignals:
    """What the followed community signals say about the day's papers, stored; one that
    cannot be reached is skipped with one warning (and one line in the report)."""
    if not parts.signals or not listings:
        return DayOfSignals()
    found = signals.ask(parts.signals, dt.date.fromisoformat(day), [item.paper for item in listings])
    store.signals.save(day, found.values, found.answered, found.unreachable)
    stats.warnings += [f"{label} could not be reached ({why}); the day goes on without its signal"
                       for label, why in found.unreachable.items()]
    return found


def stage_match(parts: Parts, store: Store, listings: list[Listing], stats: RunStats,
                community: DayOfSignals | None = None) -> list[Listing]:
    """Every topic's decision on every listing: keywords, the calibrated probability from the
    ranker's similarity, and the optional LLM judge; the community signals only order papers
    of equal probability."""
    if not listings:
        return []
    ctx, warnings = feedback.prepared(parts.config, store, parts.ranker, parts.sources, parts.client,
                                      [item.paper for item in listings])
    selected = relevance.select(listings, ctx, judge=parts.judge, tiebreak=community.weight if community else None)
    stats.warnings += warnings + (parts.judge.warnings if parts.judge else [])
    stats.embedded += getattr(parts.ranker, "embedded", 0)
    return selected


def stage_enrich(parts: Parts, store: Store, papers: list[Paper], kept: list[Paper]) -> None:
    """Store every listed paper; enrich the kept ones once (arXiv: one batched export-API call)."""
    missing = store.papers.fill_enrichment(kept)
    if missing:
        parts.sources.enrich(missing)
    store.papers.save(papers)


def stage_read_and_analyze(parts: Parts, store: Store, kept: list[Listing], stats: RunStats,
                           force: bool = False, prefetched: dict[str, Future] | None = None,
                           claim_ttl: float = CLAIM_TTL) -> dict[str, FullText]:
    """Full text, code link and analysis of each kept paper, stored as they come.

    The two streams overlap: a paper's analysis starts as soon as its text is in, while
    the next downloads go on (in a worker thread, at the per-host pace); the day's wall
    time approaches the slower stream, not their sum. Only what is not analysed yet is
    analysed (everything, with ``force``). On a server's store, each analysis is claimed first
    (for ``claim_ttl`` seconds): what another worker holds is theirs, and waited for.
    """

    config = parts.config
    backend = config.backend_name
    todo = {item.paper.versioned_id for item in kept
            if needs_analysis(store, backend, config.language, item, config.reanalyze_replacements, force)}
    stats.analyses_cached = len(kept) - len(todo)
    keys = {analysis_key(vid, backend, config.language): vid for vid in todo}
    shared = store.dialect != "sqlite" and not force  # a server's store: workers may share the stage
    with store.claims.shared_work(list(keys), claim_ttl) if shared else contextlib.nullcontext(list(keys)) as mine:
        return _read_and_analyze(parts, store, kept, {keys[k] for k in mine}, stats, prefetched or {})


def _read_and_analyze(parts: Parts, store: Store, kept: list[Listing], todo: set[str], stats: RunStats,
                      prefetched: dict[str, Future]) -> dict[str, FullText]:
    """The two streams of ``stage_read_and_analyze``: the texts of ``kept``, the analyses of ``todo``."""
    config, progress = parts.config, parts.progress
    backend = config.backend_name
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
            if backend != "extractive":
                store.analyses.save(paper, parts.extractive.analyze_now(paper, texts[paper.versioned_id]))
        progress.advance(stage=f"Analyses ({backend})")

    async def go() -> list[str]:
        run = AnalysisRun(parts.analyzer, config.llm.concurrency, on_result) if todo else None
        order = {vid: n for n, vid in enumerate(prefetched)}  # the order the prefetch fetches them in
        try:  # the prefetched first, as their texts come in; then the others
            for item in sorted(kept, key=lambda i: order.get(i.paper.versioned_id, len(order))):
                if stopping.requested():
                    break  # the analyses in flight finish and are saved; then the run stops
                text = texts[item.paper.versioned_id] = await read_text(parts, store, item.paper, stats,
                                                                        prefetched)
                if run is not None and item.paper.versioned_id in todo:
                    run.submit(item.paper, text)
        except BaseException:
            if run is not None:  # a full disk, say: the analyses in flight are stopped, not orphaned
                await run.abandon()
            raise
        outcome = await run.finish() if run is not None else []
        stopping.check()
        return outcome

    stats.errors += parts.run(go())
    return texts


async def read_text(parts: Parts, store: Store, paper: Paper, stats: RunStats,
                    prefetched: dict[str, Future]) -> FullText:
    """A kept paper's full text: stored, prefetched while the ranker worked, or fetched now (the
    download and parsing in a thread; the store is used from the caller's thread only); its
    code link is found and stored."""
    import asyncio

    stored = store.fulltexts.get(paper)
    if stored and (stored.status in ("ok", "missing") or stored.attempts >= parts.config.arxiv.fulltext_attempts):
        text = stored.text
    else:
        fetching = prefetched.get(paper.versioned_id)
        text, status = await (asyncio.wrap_future(fetching) if fetching is not None
                              else asyncio.to_thread(parts.fetcher.fetch, paper))
        store.fulltexts.save(paper, text, status)
    stats.downloaded += text.downloaded
    stats.from_cache += text.from_cache and text.source != "abstract"
    stats.fulltext_failed += text.source == "abstract"
    store.papers.set_code_url(paper, find_code_url(paper, text))
    parts.progress.advance(stage="Full texts")
    return text


def finish_day(parts: Parts, store: Store, day: str, stats: RunStats, malformed: int | None = None,
               deliver: bool = True) -> DayReport:
    """The tail every command shares: the overview and the notices, then one frozen report,
    published, written, and delivered where due (with earlier days whose delivery failed).
    ``malformed`` (the listing's unreadable items) is remembered from the day's publication
    when not given."""
    config = parts.config
    draft = build_day_report(config, store, day, parts.model)
    summary = stage_overview(parts, store, draft, stats)
    if malformed is None:
        malformed = int(store.days.published(day).get("malformed", 0))
    report = dataclasses.replace(draft, overview=summary, cost_note=cost_note(config, draft.entries, summary),
                                 notices=degradation(draft.entries, config.language, malformed, stats.errors,
                                                     store.signals.gaps(day)))
    paths = write_report(report, config.reports_path, store)  # before publish: unchanged, it is not rewritten
    publish(store, report, malformed)
    stats.report = str(paths["md"])
    if deliver:
        for earlier in ledger.days_to_retry(store, day, config.schedule.catchup_days):
            stage_deliver(parts, store, published_report(config, store, earlier), stats=stats)
        stage_deliver(parts, store, report, paths, stats=stats)
    return report


def stage_overview(parts: Parts, store: Store, report: DayReport, stats: RunStats) -> Overview | None:
    """The day's 今日速览, written once per set of analyses (an LLM call, or a grouped list)."""
    config = parts.config
    if not report.entries:
        return None
    key = overview.digest_key(report.entries)
    stored = store.overviews.get(report.day)
    if stored and stored.key == key and stored.backend == config.backend_name:
        return stored.overview
    try:
        if stats.errors:  # the endpoint is unusable this run: said once already
            raise AnalysisError("the LLM endpoint is unavailable")
        result = parts.run(parts.analyzer.overview(report.entries))
    except (AnalysisError, LLMUnavailable) as exc:
        if not stats.errors:
            stats.warnings.append(f"{exc}; the report lists the papers grouped instead")
        result = overview.grouped(report.entries, config.language, failed=str(exc))
    stats.tokens_in += result.tokens_in
    stats.tokens_out += result.tokens_out
    store.overviews.save(report.day, key, config.backend_name if result.kind == "llm" else "extractive", result)
    return result


def stage_deliver(parts: Parts, store: Store, report: DayReport, paths: dict[str, Path] | None = None,
                  target: str | None = None, force: bool = False,
                  stats: RunStats | None = None) -> list[ledger.Delivery]:
    """Send the day's report to every target that has not had it (or only ``target``)."""
    config = parts.config
    if target is None and not any(c.unavailable() is None for c in parts.channels):
        return []
    if not report.entries and config.delivery.skip_empty and not force:
        if stats is not None:
            stats.notes.append(f"No paper matched on {report.day}: the report is written, nothing was "
                               "sent (delivery.skip_empty)")
        return []
    results = ledger.send_pending(parts.channels, store, day_digest(report),
                                  paths or write_report(report, config.reports_path),
                                  config.user_agent, config.secrets(), target, force)
    for r in results if stats is not None else []:
        (stats.delivered if r.status == "sent" else stats.delivery_failed).append(
            f"{r.target} ({report.day})" + (f": {r.error}" if r.error else ""))
    return results
