"""The commands beside the daily run, as library functions the CLI calls.

Each opens the store with ``open_store`` and does its work through the
pipeline's stages; none prints anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from arxiv_monitor.sources.arxiv import catchup as backfill
from arxiv_monitor.delivery import send as deliver
from arxiv_monitor.relevance import evaluate, feedback
from arxiv_monitor.relevance import decide as relevance
from arxiv_monitor.checks import preflight
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.ids import ArxivId
from arxiv_monitor.core.models import Listing, Paper, RunStats, TopicDecision
from arxiv_monitor.pipeline import (NoProgress, Progress, make_client, process_day, stage_deliver, stage_overview,
                       stage_read_and_analyze)
from arxiv_monitor.relevance.rank import make_ranker
from arxiv_monitor.report.assemble import build_day_report, degradation, publish, published_report, write_report
from arxiv_monitor.store import PaperRow, Store, open_store


def run_backfill(config: Config, first: dt.date, last: dt.date, force: bool = False,
                 progress: Progress | None = None) -> RunStats:
    """``arxiv-monitor backfill``: build the reports of past announcement days."""
    progress = progress or NoProgress()
    stats = RunStats(warnings=preflight(config))
    with open_store(config) as store, store.run_lock(), make_client(config) as client:
        known = set(store.days.all())
        for day in backfill.announcement_days(first, last):
            if not force and day.isoformat() in known:
                continue
            progress.stage(f"Backfill {day}", 1)
            batch = backfill.fetch_day(client, config.arxiv.api_url, config.categories, day,
                                       config.announce_types)
            stats.items += batch.items_read
            if batch.listings:
                day_stats = RunStats()
                process_day(config, store, client, batch, progress, day_stats)
                stats.matched += day_stats.matched
                stats.analysed += day_stats.analysed
                stats.errors += [e for e in day_stats.errors if e not in stats.errors]
            stats.caught_up.append(day.isoformat())
        stats.warnings += client.warnings
    return stats


def redeliver(config: Config, day: str, target: str | None = None,
              force: bool = False) -> list[deliver.Delivery]:
    """``arxiv-monitor deliver``: send a stored day's report again where needed."""
    with open_store(config) as store:
        if store.days.info(day) is None:
            raise MonitorError(f"No stored report for {day}")
        return stage_deliver(config, store, published_report(config, store, day), target=target, force=force)


def reanalyze(config: Config, day: str | None = None, arxiv_id: str | None = None,
              force: bool = True, progress: Progress | None = None) -> RunStats:
    """``arxiv-monitor analyze``: (re)analyse stored papers, then re-render their days."""
    progress = progress or NoProgress()
    stats = RunStats(day=day, warnings=preflight(config))
    with open_store(config) as store, store.run_lock(), make_client(config) as client:
        selected, days = _stored_selection(store, day, arxiv_id)
        stage_read_and_analyze(config, store, client, selected, progress, stats, force=force)
        for d in days:
            report = build_day_report(config, store, d)
            stage_overview(config, store, report, stats)
            report.notices = degradation(report, 0, stats.errors)
            publish(store, report)
            stats.report = str(write_report(report, config.reports_path)["md"])
    return stats


def _stored_selection(store: Store, day: str | None, arxiv_id: str | None) -> tuple[list[Listing], list[str]]:
    """The kept papers of ``day``, or the paper ``arxiv_id`` (of that day, when both are given)."""
    if day and store.days.info(day) is None:
        raise MonitorError(f"No stored run for {day}")
    if not arxiv_id:
        if not day:
            raise MonitorError("Say which papers: --date D or --id ARXIV_ID")
        return store.days.listings(day), [day]
    wanted = parse_id(arxiv_id)
    found = [(d, item) for d, item in store.days.listings_of(wanted.bare)
             if item.kept and (day is None or d == day) and wanted.same_paper(item.paper.ident)]
    if not found:
        where = f" on {day}" if day else ""
        raise MonitorError(f"Paper {arxiv_id} is not a kept paper of any stored day{where}")
    latest = max(found, key=lambda t: t[1].paper.version)[1]
    return [latest], sorted({d for d, item in found if item.paper.version == latest.paper.version})


def rerender(config: Config, day: str | None = None) -> dict[str, Path]:
    """``arxiv-monitor report [--date D]``: re-render a stored day (default: the latest), no network."""
    with open_store(config) as store:
        if day is None:
            days = store.days.all()
            if not days:
                raise MonitorError("Nothing stored yet: run `arxiv-monitor run` first.")
            day = days[0]
        return write_report(published_report(config, store, day), config.reports_path)


def parse_id(text: str) -> ArxivId:
    try:
        return ArxivId.parse(text)
    except ValueError as exc:
        raise MonitorError(str(exc)) from None


def _stored_paper(store: Store, arxiv_id: str) -> Paper:
    wanted = parse_id(arxiv_id)
    paper = store.papers.version(wanted.bare, wanted.version) if wanted.version else \
        store.papers.latest(wanted.bare)
    if paper is None:
        raise MonitorError(f"Paper {arxiv_id} is not stored: run the day that lists it first "
                           "(every paper of a run day can be explained and rated)")
    return paper


@dataclass
class Explanation:
    """Every topic's decision on a stored paper, and the user's ratings."""

    paper: Paper
    decisions: list[TopicDecision]
    ratings: dict[str, bool]
    days: dict[str, list[tuple[str, bool]]]  # per topic: the days that listed it, kept or not


def explain(config: Config, arxiv_id: str) -> Explanation:
    """``arxiv-monitor explain``: every topic's decision on a stored paper, with its evidence."""
    with open_store(config) as store:
        paper = _stored_paper(store, arxiv_id)
        ranker = make_ranker(config, store.embeddings)
        item = Listing(paper)
        ctx, _ = feedback.prepared(config, store, ranker, batch=[paper])
        item.decisions = relevance.decide([paper], ctx)[0]
        if config.relevance.judge != "off":
            feedback.judge_runner(config)([item])
        days: dict[str, list[tuple[str, bool]]] = {}
        for day, listed in store.days.listings_of(paper.arxiv_id):
            for d in listed.decisions:
                days.setdefault(d.topic, []).append((day, d.kept))
        return Explanation(paper, item.decisions, store.ratings.of_paper(paper.arxiv_id), days)


@dataclass
class RatingResult:
    """What ``rate`` stored, and the topic's counts of ratings so far."""

    paper: Paper
    topic: str
    verdict: str  # "good", "bad" or "clear"
    good: int
    bad: int


def rate(config: Config, arxiv_id: str, verdict: str, topic: str | None = None) -> RatingResult:
    """``arxiv-monitor rate``: store (or clear) a rating of a paper for a topic.

    Without ``topic``, the rating goes to the topic the paper was listed
    under on its latest day, else to the first topic.
    """
    if verdict not in ("good", "bad", "clear"):
        raise MonitorError(f"The rating is `good`, `bad` or `clear`, not {verdict!r}.")
    ids = [t.id for t in config.topic_list]
    with open_store(config) as store:
        paper = _stored_paper(store, arxiv_id)
        if topic is None:
            listed = [item.best for _, item in store.days.listings_of(paper.arxiv_id) if item.best]
            topic = listed[0].topic if listed else ids[0]
        if topic not in ids:
            raise MonitorError(f"Unknown topic {topic!r}; topics: {', '.join(ids)}")
        if verdict == "clear":
            store.ratings.clear(paper.arxiv_id, topic)
        else:
            store.ratings.set(paper.arxiv_id, topic, verdict == "good")
        counts = store.ratings.all(topic)
    good = sum(r.good for r in counts)
    return RatingResult(paper, topic, verdict, good, len(counts) - good)


def list_papers(config: Config, day: str | None = None, limit: int = 50) -> list[PaperRow]:
    """``arxiv-monitor papers``: stored kept papers with their analysis status."""
    with open_store(config) as store:
        return store.days.paper_rows(day, limit)


@dataclass
class Evaluation:
    """What ``eval relevance`` measured: figures per topic and mode, and what it skipped."""

    ranker: str
    figures: dict[str, dict[str, dict[str, float]]]
    warnings: list[str]


def eval_relevance(config: Config, labels: Path, cv: int = 0, sweep: bool = False) -> Evaluation:
    """``arxiv-monitor eval relevance``: figures per topic and mode on a labelled set."""
    records = evaluate.load_labels(labels)
    topics, warnings = evaluate.check_topics(records, config.topic_list, labels)
    with open_store(config) as store:
        ranker = make_ranker(config, store.embeddings)
        ctx, problems = feedback.prepared(config.model_copy(update={"topics": topics}), store, ranker,
                                          ratings=False)
        warnings += problems
        shipped = [t for t, c in ctx.calibrations.items() if c.kind == "shipped"]
        if shipped:
            warnings.append(f"{', '.join(shipped)} use(s) the calibration shipped with the package, fitted on "
                            f"the labelled dev set: on that set the combined row is optimistic; --cv K measures "
                            "a calibration on papers it was not fitted on")
        return Evaluation(ranker.name, evaluate.evaluate(records, ctx, cv, sweep), warnings)
