"""A lab server's commands, as library functions the CLI calls: copying a home's SQLite store
into PostgreSQL (``db migrate``) and the analysis worker (``worker``), several of which may
share one day's analyses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from arxiv_monitor.analysis.base import needs_analysis
from arxiv_monitor.components import Parts
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import Listing
from arxiv_monitor.core.topics import TopicConfig
from arxiv_monitor.pipeline import NoProgress, Progress, RunStats, stage_read_and_analyze
from arxiv_monitor.store import Store, StoreError, open_store
from arxiv_monitor.store.claims import CLAIM_TTL, analysis_key, worker_name
from arxiv_monitor.store.copy import TableCopy, copy_store
from arxiv_monitor.store.users import User


def migrate_db(config: Config, target: str, progress: Progress | None = None) -> list[TableCopy]:
    """``arxiv-monitor db migrate --to URL``: copy the configured store (a SQLite file) into the
    new database at ``target``; each table's counts and checksums, read back from both."""
    if not target.startswith(("postgresql://", "postgres://")):
        raise MonitorError(f"--to takes a PostgreSQL URL (postgresql://user@host:5432/dbname), not {target!r}")
    if config.database.startswith(("postgresql://", "postgres://")):
        raise MonitorError("paths.database already names a PostgreSQL server: db migrate copies a SQLite home "
                           "(run it with the config that names the SQLite file)")
    progress = progress or NoProgress()
    with open_store(config) as source, open_store(target) as dest:
        progress.stage("Tables", 0)
        try:
            return copy_store(source, dest, lambda table, rows: progress.advance(stage="Tables"))
        except ValueError as exc:
            raise StoreError(f"Cannot copy into {dest.where}: {exc}") from None


@dataclass
class WorkStats:
    day: str
    worker: str
    todo: int = 0  # papers of the day without an analysis when the worker began
    taken: int = 0  # claimed by this worker (and analysed, or failed)
    run: RunStats = field(default_factory=RunStats)


def work(config: Config, day: str | None = None, ttl: float = CLAIM_TTL, batch: int | None = None,
         progress: Progress | None = None) -> WorkStats:
    """``arxiv-monitor worker``: analyse the kept papers of ``day`` (the latest stored day) that
    have no analysis yet, a few at a time, each claimed first so that workers sharing the
    database never analyse one paper twice. On a lab, the papers kept for any active user, in
    each user's language. A claim lasts ``ttl`` seconds: a killed worker's papers are taken by
    another once it runs out. Returns when every paper is analysed (or failed) by some worker."""
    worker = worker_name()  # as the analysis stage names this process in its claims
    with open_store(config) as store, Parts(config, store, progress or NoProgress()) as parts:
        wanted = _kept(config, store, day)
        day = day or max((d for d, _, _ in wanted), default=None)
        if day is None:
            raise MonitorError("The store holds no day yet: run `arxiv-monitor run` first.")
        stats = WorkStats(day, worker)
        for language in sorted({lang for d, lang, _ in wanted if d == day}):
            listings = list({i.paper.versioned_id: i for d, lang, items in wanted if d == day and lang == language
                             for i in items}.values())
            with parts.sibling(config.model_copy(update={"language": language}), store) as own:
                _work_language(own, store, listings, ttl, batch, worker, stats)
        return stats


def _kept(config: Config, store: Store, day: str | None) -> list[tuple[str, str, list[Listing]]]:
    """(day, language, kept listings) of each active lab user's day (``day``, else their latest),
    else the home's."""
    users = [u for u in store.users.all() if u.active] if store.dialect != "sqlite" else []
    out = []
    for user in users:
        with open_store(config, user.login) as own:
            if found := day or next(iter(own.days.all()), None):
                out.append((found, user.language, own.days.listings(found)))
    if not users and (found := day or next(iter(store.days.all()), None)):
        out.append((found, config.language, store.days.listings(found)))
    return out


def _work_language(parts: Parts, store: Store, listings: list[Listing], ttl: float, batch: int | None,
                   worker: str, stats: WorkStats) -> None:
    config = parts.config
    backend, language = config.backend_name, config.language
    pending = {analysis_key(i.paper.versioned_id, backend, language): i for i in listings
               if needs_analysis(store, backend, language, i, config.reanalyze_replacements)}
    stats.todo += len(pending)
    while pending:
        keys = list(pending)
        taken = store.claims.take(keys, worker, ttl, batch or config.llm.concurrency)
        if not taken:
            if store.claims.held_by_others(keys, worker) is None:
                break  # every paper is done (by this worker or another)
            time.sleep(1.0)  # another worker holds the rest: wait for it to finish or its claims to run out
            continue
        items = [pending[k] for k in taken if needs_analysis(store, backend, language, pending[k],
                                                             config.reanalyze_replacements)]
        stage_read_and_analyze(parts, store, items, stats.run, claim_ttl=ttl)  # (releases them if it fails)
        store.claims.finish(taken, worker)  # those another finished meanwhile too
        stats.taken += len(taken)
        for k in taken:
            pending.pop(k)


# -- users and their topics -----------------------------------------------------------

def _lab_store(config: Config):
    if not config.database.startswith(("postgresql://", "postgres://")):
        raise MonitorError("A lab server needs PostgreSQL: set paths.database to a postgresql:// URL "
                           "(`arxiv-monitor db migrate --to …` copies this home into one).")
    return open_store(config)


def add_user(config: Config, login: str, name: str = "", email: str = "", role: str = "member",
             password: str | None = None, language: str | None = None) -> str:
    """``arxiv-monitor users add``: a new account; returns its first API token (shown once)."""
    with _lab_store(config) as store:
        try:
            return store.users.add(login, name, email, role, password, language or config.language)
        except ValueError as exc:
            raise MonitorError(f"Cannot add {login}: {exc}") from None


def list_users(config: Config) -> list[User]:
    with _lab_store(config) as store:
        return store.users.all()


def disable_user(config: Config, login: str, disabled: bool = True) -> None:
    with _lab_store(config) as store:
        if not store.users.disable(login, disabled):
            raise MonitorError(f"No user {login!r}: see `arxiv-monitor users list`.")


def read_topics(path: Path) -> list[TopicConfig]:
    """The ``[[topics]]`` of a TOML file, checked as config.toml's are."""
    import tomllib

    from pydantic import ValidationError

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        topics = [TopicConfig(**t) for t in data.get("topics", [])]
    except (OSError, tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise MonitorError(f"{path}: not a file of [[topics]] tables ({str(exc).splitlines()[0]})") from None
    if not topics:
        raise MonitorError(f"{path} has no [[topics]] table: write them as in config.toml.")
    return topics


def save_topic(config: Config, topic: TopicConfig, owner: str = "") -> None:
    """``arxiv-monitor lab topics add``: a topic the lab shares (``owner`` ''), or a user's own."""
    with _lab_store(config) as store:
        if owner:
            user = store.users.get(owner)
            if user is None:
                raise MonitorError(f"No user {owner!r}: see `arxiv-monitor users list`.")
            if user.role == "guest":
                raise MonitorError(f"{owner} is a guest: guests read, and own no topics.")
        store.lab_topics.save(owner, topic.model_dump(exclude_defaults=True))


def follow(config: Config, login: str, topic: str, following: bool = True) -> None:
    with _lab_store(config) as store:
        if store.users.get(login) is None:
            raise MonitorError(f"No user {login!r}: see `arxiv-monitor users list`.")
        try:
            store.lab_topics.follow(login, topic, following)
        except ValueError as exc:
            raise MonitorError(f"Cannot follow: {exc} (see `arxiv-monitor lab topics list`).") from None


def lab_topics(config: Config) -> tuple[list[dict], dict[str, list[str]], dict[str, list[dict]]]:
    """The lab's shared topics, who follows each, and each user's own topics."""
    with _lab_store(config) as store:
        return (store.lab_topics.owned(""), store.lab_topics.followers(),
                {u.login: store.lab_topics.owned(u.login) for u in store.users.all()})


# -- the lab's daily run ------------------------------------------------------------------

@dataclass
class UserDay:
    login: str
    kept: list[str]
    report: str | None
    stats: RunStats
    seconds: float = 0.0  # the user's part of the run
    config: Config | None = None  # the lab's config as the user's run saw it (``Config.for_user``)


@dataclass
class LabStats:
    day: str | None = None
    items: int = 0
    users: list[UserDay] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # users without topics (or disabled)
    errors: list[str] = field(default_factory=list)

    @property
    def kept(self) -> int:
        """Papers kept for anyone (each counted once)."""
        return len({pid for u in self.users for pid in u.kept})

    @property
    def analyses(self) -> int:
        return sum(u.stats.analysed for u in self.users)

    @property
    def separate(self) -> int:
        """The analyses separate copies (one per user) would have made."""
        return sum(len(u.kept) for u in self.users)

    def summary(self) -> str:
        return (f"{self.kept} papers kept for {len(self.users)} users; {self.analyses} analyses, where separate "
                f"copies would make {self.separate}")

    def as_run_stats(self) -> RunStats:
        """The lab's day in the terms ``serve``'s health page reports a run in."""
        return RunStats(day=self.day, items=self.items, kept=self.kept, matched=self.kept, analysed=self.analyses,
                        message=self.summary(), errors=list(self.errors))


@contextlib.contextmanager
def _unfrozen_after():
    """A lab run freezes the heap after each user (``gc.freeze``): each user's decisions make
    tens of thousands of small objects, and the cycle collector would otherwise rescan all
    that the run holds each time. Everything is handed back to the collector at the end."""
    try:
        yield
    finally:
        gc.unfreeze()


def lab_run(config: Config, feeds: list | None = None, progress: Progress | None = None) -> LabStats:
    """``arxiv-monitor lab run``: each source read once; then, for each active user with topics,
    their decisions (the shared embeddings), the analyses nobody has made yet in their language
    (so each kept paper is read and analysed once for everyone), their report and delivery."""
    from arxiv_monitor.checks import preflight
    from arxiv_monitor.pipeline import process_day

    progress = progress or NoProgress()
    config, _ = preflight(config)
    stats = LabStats()
    with _lab_store(config) as store, _unfrozen_after(), store.run_lock(), Parts(config, store, progress) as parts:
        run_id = store.runs.start()
        batch = parts.sources.read_files(feeds) if feeds else parts.sources.latest()
        stats.items = batch.items_read
        users = [(user, store.lab_topics.of_user(user.login)) for user in store.users.all()]
        if batch.listings and parts.ranker.kind == "semantic":
            # every topic's description lines embedded together (a few model calls, not a few per user)
            every = {json.dumps(t, sort_keys=True): t for _, ts in users for t in ts}
            parts.ranker.scores([batch.listings[0].paper], [TopicConfig(**t) for t in every.values()])
        for user, topics in users:
            if user.disabled or not topics:
                stats.skipped.append(user.login)
                continue
            ucfg = config.for_user(user.login, user.language, user.email, topics)
            with open_store(ucfg, user.login) as own, parts.sibling(ucfg, own) as uparts:
                day_stats = RunStats()
                started = time.perf_counter()
                try:
                    if batch.listings:
                        process_day(uparts, own, batch, day_stats)
                except MonitorError as exc:
                    stats.errors.append(f"{user.login}: {exc}")
                    continue
                kept = [i.paper.id for i in own.days.listings(day_stats.day)] if day_stats.day else []
                stats.day = stats.day or day_stats.day
                stats.users.append(UserDay(user.login, kept, day_stats.report, day_stats,
                                           time.perf_counter() - started, ucfg))
                stats.errors += [f"{user.login}: {e}" for e in day_stats.errors]
            gc.freeze()  # what the users before kept alive (the day, the model, the caches) is not scanned again
        store.runs.finish(run_id, stats.day, "ok" if not stats.errors else "errors",
                          {"lab": stats.summary(), "users": len(stats.users), "errors": stats.errors})
    return stats


def scheduled_run(config: Config, today: dt.date | None = None) -> RunStats:
    """What ``serve`` runs on its schedule: on a lab (``web.accounts``), the lab's day
    (``lab_run``), then each user's trends that are due, delivered through their targets;
    else the home's day and trends (``commands.scheduled_run``)."""
    from arxiv_monitor import commands

    if not config.web.accounts:
        return commands.scheduled_run(config, today)
    lab = lab_run(config)
    stats = lab.as_run_stats()
    for day in lab.users:
        commands.build_due_trends(day.config or config, stats, today, day.login, f"{day.login}: ")
    return stats
