"""The commands beside the daily run, as library functions the CLI calls.

Each opens the store and the parts it needs (``components.Parts``) and does its work
through the pipeline's stages; none prints anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from arxiv_monitor.analysis.inputs import Reading
from arxiv_monitor.analysis.inputs import read as read_inputs
from arxiv_monitor.checks import preflight
from arxiv_monitor.components import Parts
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import Listing, Paper
from arxiv_monitor.core.topics import LibrarySource, TopicConfig
from arxiv_monitor.delivery.ledger import Delivery
from arxiv_monitor.fulltext import load
from arxiv_monitor.pipeline import (
    NoProgress,
    Progress,
    RunStats,
    finish_day,
    rebuild_days,
    stage_deliver,
    stage_read_and_analyze,
)
from arxiv_monitor.relevance import evaluate, feedback
from arxiv_monitor.relevance.explain import Explanation
from arxiv_monitor.relevance.explain import explain as explain_paper
from arxiv_monitor.relevance.rank import make_ranker
from arxiv_monitor.relevance.suggest import Draft
from arxiv_monitor.relevance.tune import Tuning, tuning
from arxiv_monitor.report.assemble import published_report, write_report
from arxiv_monitor.store import PaperRow, Store, open_store
from arxiv_monitor.trends.model import TrendReport
from arxiv_monitor.trends.period import Period
from arxiv_monitor.trust.verify import Verification
from arxiv_monitor.trust.verify import verify as verify_analysis


def run_backfill(config: Config, first: dt.date, last: dt.date, force: bool = False,
                 progress: Progress | None = None) -> RunStats:
    """``arxiv-monitor backfill``: build the reports of past announcement days."""
    progress = progress or NoProgress()
    config, warnings = preflight(config)
    stats = RunStats(warnings=warnings)
    with open_store(config) as store, store.run_lock(), Parts(config, store, progress) as parts:
        rebuild_days(parts, store, parts.sources.announcement_days(first, last), stats, force)
        stats.warnings += parts.client.warnings
    return stats


def redeliver(config: Config, day: str, target: str | None = None, force: bool = False) -> list[Delivery]:
    """``arxiv-monitor deliver``: send a stored day's report again where needed."""
    with open_store(config) as store, Parts(config, store) as parts:
        if store.days.info(day) is None:
            raise MonitorError(f"No stored report for {day}")
        return stage_deliver(parts, store, published_report(config, store, day), target=target, force=force)


def reanalyze(config: Config, day: str | None = None, paper_id: str | None = None,
              force: bool = True, progress: Progress | None = None) -> RunStats:
    """``arxiv-monitor analyze``: (re)analyse stored papers, then publish their days again
    (and deliver them where the repair is worth an update)."""
    progress = progress or NoProgress()
    config, warnings = preflight(config)
    stats = RunStats(day=day, warnings=warnings)
    with open_store(config) as store, store.run_lock(), Parts(config, store, progress) as parts:
        selected, days = _stored_selection(store, day, paper_id)
        stage_read_and_analyze(parts, store, selected, stats, force=force)
        for d in days:
            finish_day(parts, store, d, stats)
    return stats


def _stored_selection(store: Store, day: str | None, paper_id: str | None) -> tuple[list[Listing], list[str]]:
    """The kept papers of ``day``, or the paper ``paper_id`` (of that day, when both are
    given) with the days whose reports show it. Any stored paper can be analysed, kept or
    not (a paper rated good that the ranking dropped, say)."""
    if day and store.days.info(day) is None:
        raise MonitorError(f"No stored run for {day}")
    if not paper_id:
        if not day:
            raise MonitorError("Say which papers: --date D or --id PAPER_ID")
        return store.days.listings(day), [day]
    paper = _stored_paper(store, paper_id)
    listed = [(d, item) for d, item in store.days.listings_of(paper.id)
              if (day is None or d == day) and item.paper.version == paper.version]
    if day and not listed:
        raise MonitorError(f"Paper {paper_id} is not listed on {day}")
    item = listed[0][1] if listed else Listing(paper)
    return [item], sorted({d for d, x in listed if x.kept})


def rerender(config: Config, day: str | None = None) -> dict[str, Path]:
    """``arxiv-monitor report [--date D]``: re-render a stored day (default: the latest), no network."""
    with open_store(config) as store:
        if day is None:
            days = store.days.all()
            if not days:
                raise MonitorError("Nothing stored yet: run `arxiv-monitor run` first.")
            day = days[0]
        return write_report(published_report(config, store, day), config.reports_path)


def parse_id(text: str) -> PaperId:
    try:
        return PaperId.parse(text)
    except ValueError as exc:
        raise MonitorError(str(exc)) from None


def _stored_paper(store: Store, paper_id: str) -> Paper:
    paper = store.papers.get(parse_id(paper_id))
    if paper is None:
        raise MonitorError(f"Paper {paper_id} is not stored: run the day that lists it first "
                           "(every paper of a run day can be explained and rated)")
    return paper


def explain(config: Config, paper_id: str, user: str | None = None) -> Explanation:
    """``arxiv-monitor explain``: every topic's decision on a stored paper, with its evidence (a
    lab ``user``'s, with ``config.for_user``: their topics and ratings)."""
    with open_store(config, user) as store, Parts(config, store) as parts:
        return explain_paper(config, store, parts.ranker, _stored_paper(store, paper_id), parts.judge)


def rate(config: Config, paper_id: str, verdict: str, topic: str | None = None) -> feedback.RatingResult:
    """``arxiv-monitor rate``: store (or clear) a rating of a paper for a topic (by default the
    paper's best topic, which the result names)."""
    with open_store(config) as store:
        return feedback.rate(config, store, _stored_paper(store, paper_id), verdict, topic)


def tune(config: Config, topic: str, n: int = 8, days: int = 30) -> Tuning:
    """``arxiv-monitor tune TOPIC``: the papers whose rating would teach the topic most, and
    what its ratings have moved so far."""
    with open_store(config) as store, Parts(config, store) as parts:
        return tuning(config, store, parts.ranker, topic, n, days)


def suggest_topic(config: Config, text: str, example_ids: list[str] | None = None,
                  library_file: Path | None = None, zotero: LibrarySource | None = None) -> Draft:
    """``arxiv-monitor topics suggest``: a topic drafted from one line and any example papers
    (ids: stored, else fetched from their source; or the newest items of a library export or
    a Zotero library), by the LLM, else mined from the stored papers; each keyword checked
    against the store."""
    from arxiv_monitor.core.errors import AnalysisError, LLMUnavailable
    from arxiv_monitor.relevance import library, suggest
    from arxiv_monitor.relevance.examples import example_papers

    with open_store(config) as store, Parts(config, store) as parts:
        ids = list(example_ids or [])
        found = example_papers([TopicConfig(id="draft", examples=ids)], store, parts.sources) if ids else {}
        if missing := [i for i in ids if i not in found]:
            raise MonitorError(f"No paper {', '.join(missing)} was found (stored or at its source): check the "
                               "id(s) given with --example.")
        examples = [found[i] for i in ids]
        items = [i for i in library.read_file(library_file) if i.title][:suggest.LIBRARY_ITEMS] \
            if library_file is not None else []
        if zotero is not None:  # its newest items (pyzotero, as a topic's library is read)
            items += library.read_zotero(zotero.model_copy(update={"limit": suggest.LIBRARY_ITEMS}), zotero.api_key)
        examples += [Paper(i.id, 1, i.title, i.abstract, [], []) for i in items]
        papers = store.papers.recent(suggest.CHECKED)
        notes = []
        try:
            reply = parts.run(parts.analyzer.draft_topic(
                text, [{"title": p.title, "abstract": p.abstract} for p in examples]))
        except (AnalysisError, LLMUnavailable) as exc:
            reply, notes = None, [f"the LLM could not draft it ({exc}); keywords were mined from the store instead"]
        draft = suggest.from_reply(reply, text) if reply else suggest.mined(text, examples, papers)
        draft.notes += notes
        return suggest.check(draft, papers)


def import_ratings(config: Config, path: Path) -> feedback.Imported:
    """``arxiv-monitor rate --import FILE``: the ratings exported from the static reading room."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MonitorError(f"Cannot read {path}: {exc.strerror}") from None
    except (ValueError, RecursionError) as exc:
        raise MonitorError(f"{path} is not JSON ({exc}): export it again from the reading room") from None
    with open_store(config) as store:
        return feedback.import_ratings(config, store, data, str(path))


def list_papers(config: Config, day: str | None = None, limit: int = 50) -> list[PaperRow]:
    """``arxiv-monitor papers``: stored kept papers with their analysis status."""
    with open_store(config) as store:
        return store.days.paper_rows(day, limit)


def _paper_and_text(config: Config, target: str):
    """A paper named by a file or an id, with its full text (``read``, ``verify``)."""
    if load.is_file(target):
        return load.from_file(target)
    with open_store(config) as store, Parts(config, store) as parts:
        return load.from_id(target, store, parts.sources, parts.fetcher)


def read(config: Config, target: str) -> Reading:
    """``arxiv-monitor read``: what an analysis of the paper is based on."""
    paper, text = _paper_and_text(config, target)
    return read_inputs(config, target, paper, text)


def verify(config: Config, target: str, analysis: Path) -> Verification:
    """``arxiv-monitor verify``: check an analysis file against the paper."""
    paper, text = _paper_and_text(config, target)
    return verify_analysis(paper, text, analysis)


@dataclass
class Evaluation:
    """What ``eval relevance`` measured: figures per topic and mode, and what it skipped."""

    ranker: str
    figures: dict[str, dict[str, dict[str, float]]]
    warnings: list[str]


def eval_relevance(config: Config, labels: Path, cv: int = 0, sweep: bool = False,
                   prior: str = "") -> Evaluation:
    """``arxiv-monitor eval relevance``: figures per topic and mode on a labelled set. ``prior``
    "fit": fit the prior for the ranker's model on the labels (with its 5-fold figures) and
    store it for later runs; "forget": go back to the shipped prior."""
    records = evaluate.load_labels(labels)
    topics, warnings = evaluate.check_topics(records, config.topic_list, labels)
    with open_store(config) as store:
        ranker = make_ranker(config, store.embeddings)
        if prior and ranker.kind == "keywords":
            raise MonitorError("The keywords ranker has no prior to fit: use relevance.ranker = \"semantic\" "
                               "or \"tfidf\" (or --ranker).")
        if prior == "forget" and store.priors.forget(ranker.name):
            warnings.append(f"the prior fitted for {ranker.name} is forgotten: the shipped prior is used again")
        ctx, problems = feedback.prepared(config.model_copy(update={"topics": topics}), store, ranker,
                                          ratings=False)
        warnings += problems
        shipped = [t for t, c in ctx.calibrations.items() if c.kind == "shipped"]
        if shipped:
            warnings.append(f"{', '.join(shipped)} use(s) the calibration shipped with the package, fitted on "
                            f"the labelled dev set: on that set the combined row is optimistic; --cv K measures "
                            "a calibration on papers it was not fitted on")
        evidence = evaluate.prior_evidence(records, ctx) if prior == "fit" else None
        figures = evaluate.evaluate(records, ctx, cv, sweep, evidence)
        if evidence is not None:
            store.priors.save(ranker.name, evaluate.fit_prior(evidence, str(labels)), labels.name)
            warnings.append(f"the prior for {ranker.name} is fitted on {labels.name} and stored: every run with "
                            "this ranker uses it (the rows above are the prior before; \"fitted prior, 5-fold\" "
                            "is the new one on papers it was not fitted on; --forget-prior goes back)")
        elif (found := store.priors.get(ranker.name)) and not shipped:
            warnings.append(f"the prior of {ranker.name} was fitted on {found[1]}: on that set the combined row "
                            "is optimistic")
        return Evaluation(ranker.name, figures, warnings)


@dataclass
class TrendsResult:
    """What ``arxiv-monitor trends`` made: the report, its files, and its deliveries."""

    report: TrendReport
    paths: dict[str, Path]
    deliveries: list[Delivery]


def trends(config: Config, period: Period, deliver: bool = True, today: dt.date | None = None,
           target: str | None = None, force: bool = False, user: str | None = None) -> TrendsResult:
    """``arxiv-monitor trends``: build a period's trends from the stored days, store and write
    them (``reports/trends/``), and deliver them where they are due (keyed by the period). On a
    lab, ``user``'s (with ``config.for_user``): from their days, into their own tables."""
    from arxiv_monitor.delivery import ledger
    from arxiv_monitor.relevance.rank import auto_ranker
    from arxiv_monitor.trends import render
    from arxiv_monitor.trends.build import build, digest

    today = today or dt.date.today()
    config, _ = preflight(config)
    with open_store(config, user) as store, Parts(config, store) as parts:
        ranker = parts.ranker if auto_ranker(config) == "semantic" else None
        analyzer = parts.analyzer if config.backend_name != "extractive" else None
        expected = parts.sources.announcement_days(period.start, min(period.end, today))
        report = build(config, store, period, ranker, analyzer, parts.run, expected, today)
        store.trends.save(report.key, report.kind, report.start, report.end, report.model_dump_json())
        paths = render.write(report, config.reports_path / "trends", config.site_url)
        sent: list[Delivery] = []
        if deliver and (target or any(c.unavailable() is None for c in parts.channels)):
            sent = ledger.send_pending(parts.channels, store, digest(report, config.site_url), paths,
                                       config.user_agent, config.secrets(), target, force)
    return TrendsResult(report, paths, sent)


def scheduled_run(config: Config, today: dt.date | None = None) -> RunStats:
    """What ``serve`` runs on its schedule: the daily run, then the trends that are due (the
    past week's on the first run of a week; see ``schedule.trends``)."""
    from arxiv_monitor.pipeline import run

    stats = run(config)
    build_due_trends(config, stats, today)
    return stats


def build_due_trends(config: Config, stats: RunStats, today: dt.date | None = None, user: str | None = None,
                     label: str = "") -> None:
    """Build and deliver the trends that are due, noted in ``stats`` (``label`` first). A trends
    report that fails is a warning: the day's run stands."""
    for period in due_trends(config, today or dt.date.today(), user):
        try:
            done = trends(config, period, today=today, user=user)
            stats.notes.append(f"{label}trends {period.key}: {done.paths['md']}")
        except MonitorError as exc:
            stats.warnings.append(f"{label}the trends of {period.key} could not be built: {exc}")


def due_trends(config: Config, today: dt.date, user: str | None = None) -> list[Period]:
    """The scheduled trends not built yet: the last complete week (and month) of
    ``schedule.trends``, once each (a lab ``user``'s, from their days)."""
    with open_store(config, user) as store:
        return [p for p in (Period.last_complete(kind, today) for kind in config.schedule.trends)
                if store.trends.get(p.key) is None and any(p.contains(d) for d in store.days.all()[:40])]
