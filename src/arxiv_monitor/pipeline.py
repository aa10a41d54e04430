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
import re
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from . import backfill, deliver, feedback, fetch, overview, relevance, report
from .analyze import Analyzer, analyze_all, make_analyzer
from .codelink import find_code_url
from .config import Config
from .errors import AnalysisError, FeedError, LLMUnavailable, MonitorError
from .fulltext import FullTextFetcher
from .models import Analysis, DayReport, FeedBatch, FullText, KeywordHit, Paper, ReportEntry, RunStats
from .net import PoliteClient
from .rank import make_ranker
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
    stats.kept = len(batch.papers)
    stats.day, stats.matched, report_path = process_day(config, store, client, batch, progress, stats)
    stats.report = str(report_path)
    if not feeds:
        stage_catchup(config, store, client, dt.date.fromisoformat(stats.day), progress, stats)


def process_day(config: Config, store: Store, client: PoliteClient, batch: FeedBatch,
                progress: Progress, stats: RunStats, enriched: bool = False) -> tuple[str, int, Path]:
    """Match, enrich, read, analyse, report and deliver one day's papers."""
    day = (batch.day or dt.date.today()).isoformat()
    selected, decisions = stage_match(config, store, batch.papers, client)
    if enriched:
        store.save_papers([p for p, _ in selected])
        store.mark_enriched([p for p, _ in selected])
    else:
        stage_enrich(config, store, client, selected)
    store.save_day(day, config.categories, topic_keywords(config), batch.items_read, selected, decisions)
    texts = stage_fulltext(config, store, client, selected, progress, stats)
    stage_analyze(config, store, selected, texts, progress, stats)
    stage_overview(config, store, day, stats)
    report_path = stage_report(config, store, day)["md"]
    for earlier in _days_to_retry(config, store, day):
        stage_deliver(config, store, earlier, stats=stats)
    stage_deliver(config, store, day, stats=stats)
    return day, len(selected), report_path


def topic_keywords(config: Config) -> list[str]:
    """The keywords of all topics, as the report header lists them."""
    words = [k.removeprefix("title:").split("@")[0] for t in config.topic_list for k in t.any]
    return list(dict.fromkeys(words))


def _example_papers(config: Config, store: Store, client: PoliteClient | None) -> dict[str, Paper]:
    """The topics' example papers (title and abstract), fetched once from the export API."""
    wanted = {i for t in config.topic_list for i in t.examples}
    found = {i: p for i in wanted if (p := store.latest_paper(i)) is not None}
    missing = sorted(wanted - set(found))
    if missing and client is not None:
        fetched = backfill.fetch_ids(client, config.arxiv.api_url, missing)
        store.save_papers(fetched)
        found.update({p.arxiv_id: p for p in fetched})
    return found


def stage_match(config: Config, store: Store, papers: list[Paper],
                client: PoliteClient | None = None) -> tuple[Selected, list[list[dict]]]:
    """Keep the papers relevant to a topic: keywords first, then the ranker's score."""
    if not papers:
        return [], []
    ranker = make_ranker(config, store)
    topics = config.topic_list
    examples = _example_papers(config, store, client) if ranker.kind != "keywords" else {}
    kept = relevance.select(papers, topics, ranker, examples,
                            adjust=feedback.feedback_adjuster(config, store, ranker),
                            judge=feedback.judge_runner(config) if config.relevance.judge != "off" else None)
    return [(p, hits) for p, hits, _ in kept], [[d.to_dict() for d in ds] for _, _, ds in kept]


def stage_catchup(config: Config, store: Store, client: PoliteClient, day: dt.date,
                  progress: Progress, stats: RunStats) -> None:
    """Rebuild announcement days missed since the last run (export API)."""
    known = set(store.days())
    earlier = sorted(d for d in known if d < day.isoformat())
    if not earlier or config.schedule.catchup_days == 0:
        return  # a first run has missed nothing
    first = max(dt.date.fromisoformat(earlier[-1]) + dt.timedelta(days=1),
                day - dt.timedelta(days=config.schedule.catchup_days))
    for missed in backfill.announcement_days(first, day - dt.timedelta(days=1)):
        if missed.isoformat() in known:
            continue
        try:
            batch = backfill.fetch_day(client, config.arxiv.api_url, config.categories, missed,
                                       config.announce_types)
        except FeedError as exc:
            stats.warnings.append(f"catch-up of {missed} failed, will retry next run: {exc}")
            continue
        if batch.papers:
            process_day(config, store, client, batch, progress, stats, enriched=True)
        stats.caught_up.append(missed.isoformat())


def run_backfill(config: Config, first: dt.date, last: dt.date, force: bool = False,
                 progress: Progress | None = None) -> RunStats:
    """``arxiv-monitor backfill``: build the reports of past announcement days."""
    progress = progress or NoProgress()
    stats = RunStats()
    store = Store(config.db_path)
    try:
        with store.run_lock(), make_client(config) as client:
            known = set(store.days())
            days = [d for d in backfill.announcement_days(first, last)
                    if force or d.isoformat() not in known]
            for day in days:
                progress.stage(f"Backfill {day}", 1)
                batch = backfill.fetch_day(client, config.arxiv.api_url, config.categories, day,
                                           config.announce_types)
                stats.items += batch.items_read
                if batch.papers:
                    _, matched, _ = process_day(config, store, client, batch, progress, stats, enriched=True)
                    stats.matched += matched
                stats.caught_up.append(day.isoformat())
            stats.warnings += client.warnings
    finally:
        store.close()
    return stats


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


def _needs_analysis(config: Config, store: Store, analyzer: Analyzer, paper: Paper,
                    force: bool = False) -> bool:
    """Whether ``paper`` needs an analysis by ``analyzer``.

    An analysis is keyed by (paper version, backend, model, prompt version,
    language). A good analysis by the same backend in the same language is
    kept when only the model or the prompt changed: those papers are redone
    on request (``arxiv-monitor analyze --reanalyze``), never silently.
    """
    if force:
        return True
    if paper.is_replacement and not config.reanalyze_replacements:
        if store.earlier_analysed_version(paper):
            return False
    return not any(a.ok and a.backend == analyzer.name and a.language == analyzer.language
                   for a in store.analyses_for(paper))


def stage_analyze(config: Config, store: Store, selected: Selected, texts: dict[str, FullText],
                  progress: Progress, stats: RunStats, force: bool = False) -> None:
    """Analyse what is not analysed yet (everything, with ``force``); store each as it arrives."""
    analyzer = make_analyzer(config)
    extractive = make_analyzer(config, "extractive")
    todo = [(p, texts[p.versioned_id]) for p, _ in selected
            if _needs_analysis(config, store, analyzer, p, force)]
    stats.analyses_cached = len(selected) - len(todo)
    progress.stage(f"Analyses ({analyzer.name})", len(todo))

    def on_result(paper: Paper, result: Analysis) -> None:
        store.save_analysis(paper, result)
        stats.tokens_in += result.tokens_in
        stats.tokens_out += result.tokens_out
        if result.ok:
            stats.analysed += 1
            stats.claims_unsupported += result.unsupported_count
            stats.claims_supported += result.claims_total - result.unsupported_count
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


def stage_overview(config: Config, store: Store, day: str, stats: RunStats) -> None:
    """Write the day's 今日速览 once per set of analyses (an LLM call, or a grouped list)."""
    report_ = build_day_report(config, store, day)
    if not report_.entries:
        return
    key = overview.digest_key(report_.entries)
    stored = store.get_overview(day)
    if stored and stored[0] == key and stored[1] == config.backend_name:
        return
    analyzer = make_analyzer(config)

    async def go() -> overview.Overview:
        try:
            return await analyzer.overview(report_.entries)
        finally:
            await analyzer.aclose()

    try:
        if stats.errors:  # the endpoint is unusable this run: said once already
            raise AnalysisError("the LLM endpoint is unavailable")
        result = asyncio.run(go())
    except (AnalysisError, LLMUnavailable) as exc:
        if not stats.errors:
            stats.warnings.append(f"{exc}; the report lists the papers grouped instead")
        result = overview.grouped(report_.entries)
    stats.tokens_in += result.tokens_in
    stats.tokens_out += result.tokens_out
    store.save_overview(day, key, config.backend_name if result.kind == "llm" else "extractive",
                        result.to_json())


def build_day_report(config: Config, store: Store, day: str) -> DayReport:
    """Assemble one stored day into a DayReport, with no network."""
    info = store.day_info(day)
    if info is None:
        raise MonitorError(f"No stored run for {day}; known days: {', '.join(store.days()[:10]) or 'none'}")
    backend = config.backend_name
    model = config.llm.model if backend != "extractive" else ""
    entries = []
    topics = store.day_topics(day)
    for paper, hits, code_url in store.day_papers(day):
        stored = store.get_fulltext(paper)
        entry = _entry(config, store, paper, hits, code_url, stored[0].source if stored else None)
        entry.topics = [relevance.TopicDecision.from_dict(d) for d in topics.get(paper.arxiv_id, [])]
        entries.append(entry)
    stored = store.get_overview(day)
    summary = overview.Overview.from_json(stored[2]) if stored else None
    return DayReport(day, info["categories"], info["keywords"], info["items"], entries,
                     backend, model, summary, _cost_note(config, entries, summary))


def _cost_note(config: Config, entries: list[ReportEntry], summary: object | None) -> str:
    tokens_in = sum(e.analysis.tokens_in for e in entries if e.analysis) + getattr(summary, "tokens_in", 0)
    tokens_out = sum(e.analysis.tokens_out for e in entries if e.analysis) + getattr(summary, "tokens_out", 0)
    if not tokens_in and not tokens_out:
        return ""
    note = f"大模型用量：输入 {tokens_in} tokens，输出 {tokens_out} tokens"
    cost = config.llm.cost(tokens_in, tokens_out)
    return note + (f"，估算费用 {cost:.4f} {config.llm.currency}" if cost is not None else "")


def _entry(config: Config, store: Store, paper: Paper, hits: list[KeywordHit],
           code_url: str | None, source: str | None) -> ReportEntry:
    rows = [a for a in store.analyses_for(paper) if a.language == config.language] or \
        store.analyses_for(paper)
    mine = [a for a in rows if a.backend == config.backend_name]
    primary = next((a for a in mine if a.ok), mine[0] if mine else next((a for a in rows if a.ok), None))
    fallback = next((a for a in rows if a.ok and a.backend == "extractive"), None)
    updated_from = None
    if primary is None and paper.is_replacement:
        updated_from = store.earlier_analysed_version(paper)
        if updated_from:
            earlier = store.analyses_for(paper, updated_from)
            primary = next((a for a in earlier if a.ok and a.backend == config.backend_name),
                           next((a for a in earlier if a.ok), None))
    return ReportEntry(paper, hits, code_url, source, primary, fallback, updated_from)


def stage_report(config: Config, store: Store, day: str) -> dict[str, Path]:
    """Write the day's reports (Markdown, HTML, JSON) from the store."""
    return report.write_report(build_day_report(config, store, day), config.reports_path)


def _days_to_retry(config: Config, store: Store, day: str) -> list[str]:
    """Earlier recent days whose delivery to some target failed."""
    since = (dt.date.fromisoformat(day) - dt.timedelta(days=config.schedule.catchup_days)).isoformat()
    failed = {d["day"] for d in store.deliveries() if d["status"] == "failed" and since <= d["day"] < day}
    return sorted(failed)


def stage_deliver(config: Config, store: Store, day: str, target: str | None = None,
                  force: bool = False, stats: RunStats | None = None) -> list[deliver.Delivery]:
    """Send ``day``'s report to every target that has not had it (or ``target``)."""
    names = deliver.targets(config)
    if target:
        if target not in names:
            raise MonitorError(f"No delivery target {target!r}; configured: {', '.join(names) or 'none'}")
        names = [target]
    pending = [n for n in names if force or store.delivery_status(day, n) != "sent"]
    if not pending:
        return []
    paths = stage_report(config, store, day)
    results = deliver.deliver(config, build_day_report(config, store, day), paths, pending)
    for r in results:
        store.record_delivery(day, r.target, r.status, r.error, r.messages)
        if stats is not None:
            (stats.delivered if r.status == "sent" else stats.delivery_failed).append(
                f"{r.target} ({day})" + (f": {r.error}" if r.error else ""))
    return results


def redeliver(config: Config, day: str, target: str | None = None,
              force: bool = False) -> list[deliver.Delivery]:
    """``arxiv-monitor deliver``: send a stored day's report again where needed."""
    store = Store(config.db_path)
    try:
        if store.day_info(day) is None:
            raise MonitorError(f"No stored report for {day}")
        return stage_deliver(config, store, day, target, force)
    finally:
        store.close()


def reanalyze(config: Config, day: str | None = None, arxiv_id: str | None = None,
              force: bool = True, progress: Progress | None = None) -> RunStats:
    """``arxiv-monitor analyze``: (re)analyse a stored day or paper, then re-render its days."""
    progress = progress or NoProgress()
    stats = RunStats(day=day)
    store = Store(config.db_path)
    try:
        with store.run_lock(), make_client(config) as client:
            selected, days = _stored_selection(store, day, arxiv_id)
            texts = stage_fulltext(config, store, client, selected, progress, stats)
            stage_analyze(config, store, selected, texts, progress, stats, force=force)
            for d in days:
                stage_overview(config, store, d, stats)
                stats.report = str(stage_report(config, store, d)["md"])
    finally:
        store.close()
    return stats


def _stored_selection(store: Store, day: str | None, arxiv_id: str | None) -> tuple[Selected, list[str]]:
    if day:
        if store.day_info(day) is None:
            raise MonitorError(f"No stored run for {day}")
        return [(p, hits) for p, hits, _ in store.day_papers(day)], [day]
    if not arxiv_id:
        raise MonitorError("Say which papers: --date D or --id ARXIV_ID")
    bare = arxiv_id.split("v")[0] if re.fullmatch(r"\d{4}\.\d{4,5}v\d+", arxiv_id) else arxiv_id
    found = [(d, p, hits) for d in store.days() for p, hits, _ in store.day_papers(d)
             if p.arxiv_id == bare and (bare == arxiv_id or p.versioned_id == arxiv_id)]
    if not found:
        raise MonitorError(f"Paper {arxiv_id} is not stored; run the day that lists it first")
    latest = max(found, key=lambda t: t[1].version)
    return [(latest[1], latest[2])], sorted({d for d, p, _ in found if p.version == latest[1].version})


def rerender(config: Config, day: str) -> dict[str, Path]:
    """``arxiv-monitor report --date D``: re-render a stored day, no network."""
    store = Store(config.db_path)
    try:
        return stage_report(config, store, day)
    finally:
        store.close()
