"""The commands of a lab server: ``db migrate`` (a SQLite home into PostgreSQL), ``worker``
(the analysis stage, shared by as many workers as the LLM endpoint serves), ``users`` and
``lab`` (shared topics, follows, the daily run for every user). A thin shell
over ``lab``, joined to the app by ``cli`` (``register``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from arxiv_monitor.shell import ConfigOpt, Table, VerboseOpt, _config, _lazy, _note, _with_progress, console, out

lab = _lazy("arxiv_monitor.lab")
db_app = typer.Typer(help="The database: copy a home's SQLite store into PostgreSQL.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``db`` group and ``worker`` to the app."""
    app.add_typer(db_app, name="db")
    app.command()(worker)
    app.add_typer(users_app, name="users")
    lab_app.add_typer(topics_app, name="topics")
    app.add_typer(lab_app, name="lab")


@db_app.command(name="migrate")
def migrate(
    to: Annotated[str, typer.Option("--to", help="The new PostgreSQL database, postgresql://user@host:5432/dbname.")],
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Copy this home's SQLite store into a new PostgreSQL database, and check every table.

    Each table's rows are counted and checksummed on both sides after the copy."""
    _, report = _with_progress(verbose, config, lambda c, p: lab.migrate_db(c, to, p))
    table = Table("table", "rows (SQLite)", "rows (PostgreSQL)", "checksum (SQLite)", "checksum (PostgreSQL)", "")
    for t in report:
        table.add_row(t.table, str(t.source_rows), str(t.target_rows), t.source_sum[:16], t.target_sum[:16],
                      "ok" if t.ok else "DIFFERS")
    out.print(table)
    bad = [t.table for t in report if not t.ok]
    if bad:
        _note("error:", f"These tables differ after the copy: {', '.join(bad)}. Keep using the SQLite store; "
              "drop the new database and report the problem.", "red")
        raise typer.Exit(1)
    console.print(f"Copied {sum(t.source_rows for t in report)} rows of {len(report)} tables; every count and "
                  "checksum matches. Set paths.database to the new URL to use it.")


def worker(
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="The day whose papers to analyse (default: the latest stored).")] = None,
    ttl: Annotated[float, typer.Option("--ttl", min=1, help="Seconds a claim lasts: a killed worker's papers are taken over after it.")] = 900,
    batch: Annotated[Optional[int], typer.Option("--batch", min=1, help="Papers claimed at a time (default: llm.concurrency).")] = None,
    watch: Annotated[Optional[float], typer.Option("--watch", min=1, help="Keep working: look for new papers every this many seconds, until stopped.")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Analyse a stored day's kept papers beside other workers (each paper claimed by one).

    Each paper is claimed first, so no two workers analyse the same one; a killed worker's
    claims run out after --ttl seconds and another worker takes them. With --watch, the
    worker keeps going (a service beside `serve`), until SIGTERM."""
    from arxiv_monitor.core import stopping
    from arxiv_monitor.core.errors import MonitorError

    while True:
        try:
            _, stats = _with_progress(verbose, config, lambda c, p: lab.work(c, date, ttl, batch, progress=p))
        except MonitorError as exc:
            if watch is None:
                raise
            _note("waiting:", str(exc))
        else:
            run = stats.run
            if stats.todo or watch is None:
                console.print(f"Worker {stats.worker} on {stats.day}: {stats.todo} paper(s) needed an analysis; "
                              f"this worker took {stats.taken}: made {run.analysed}, failed {run.analyses_failed}; "
                              f"tokens {run.tokens_in} in / {run.tokens_out} out.")
            for error in run.errors:
                _note("error:", error, "red")
            if watch is None:
                if run.errors:
                    raise typer.Exit(1)
                return
        for _ in range(int(watch)):
            if stopping.requested():
                return
            time.sleep(1)


users_app = typer.Typer(help="A lab server's accounts (PostgreSQL).", no_args_is_help=True)
lab_app = typer.Typer(help="A lab server: its shared topics, who follows them, and its daily run.",
                      no_args_is_help=True)
topics_app = typer.Typer(help="The lab's shared topics and each user's own.", no_args_is_help=True)


@users_app.command(name="add")
def users_add(
    login: Annotated[str, typer.Argument(help="The login: lowercase letters, digits and _.")],
    name: Annotated[str, typer.Option("--name", help="The name reports greet them by.")] = "",
    email: Annotated[str, typer.Option("--email", help="Where their report is e-mailed.")] = "",
    role: Annotated[str, typer.Option("--role", help="admin, member or guest (reads only).")] = "member",
    language: Annotated[Optional[str], typer.Option("--language", help="Their analyses' language (default: the lab's).")] = None,
    password: Annotated[bool, typer.Option("--password", help="Set a password for the web login (asked, not echoed).")] = False,
    config: ConfigOpt = None,
) -> None:
    """Add a user and print their first API token (shown once: only its hash is kept)."""
    cfg = _config(config)
    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    token = lab.add_user(cfg, login, name, email, role, secret, language)
    console.print(f"Added {login} ({role}). Their API token, shown this once:")
    out.print(token, markup=False, highlight=False)


@users_app.command(name="list")
def users_list(config: ConfigOpt = None) -> None:
    """Every account: login, name, e-mail, role, language, and whether it is disabled."""
    table = Table("login", "name", "e-mail", "role", "language", "state")
    for u in lab.list_users(_config(config)):
        table.add_row(u.login, u.name, u.email, u.role, u.language, "disabled" if u.disabled else "active")
    out.print(table)


@users_app.command(name="disable")
def users_disable(
    login: Annotated[str, typer.Argument(help="The user to disable.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable them again instead.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Disable a user: their password and tokens are refused, and the run skips them."""
    lab.disable_user(_config(config), login, not enable)
    console.print(f"{login} is {'enabled' if enable else 'disabled'}.")


@topics_app.command(name="add")
def lab_topics_add(
    file: Annotated[Path, typer.Argument(help="A TOML file of [[topics]] tables, as in config.toml.")],
    owner: Annotated[Optional[str], typer.Option("--owner", help="A user's own topics (default: shared by the lab).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Add (or replace) topics: the lab's shared ones, or one user's own."""
    cfg = _config(config)
    for topic in lab.read_topics(file):
        lab.save_topic(cfg, topic, owner or "")
        console.print(f"Saved {topic.id} ({'shared by the lab' if not owner else 'owned by ' + owner}).")


@topics_app.command(name="list")
def lab_topics_list(config: ConfigOpt = None) -> None:
    """The lab's shared topics with their followers, and each user's own topics."""
    shared_topics, followers, own = lab.lab_topics(_config(config))
    table = Table("topic", "owner", "followers", "keywords")
    for t in shared_topics:
        table.add_row(t["id"], "(lab)", ", ".join(followers.get(t["id"], [])), ", ".join(t.get("any", [])[:6]))
    for login, topics in own.items():
        for t in topics:
            table.add_row(t["id"], login, "", ", ".join(t.get("any", [])[:6]))
    out.print(table)


@lab_app.command(name="follow")
def lab_follow(
    login: Annotated[str, typer.Argument(help="The user.")],
    topic: Annotated[str, typer.Argument(help="A lab topic's id.")],
    unfollow: Annotated[bool, typer.Option("--unfollow", help="Stop following it.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Have a user follow one of the lab's shared topics (or stop)."""
    lab.follow(_config(config), login, topic, not unfollow)
    console.print(f"{login} {'no longer follows' if unfollow else 'follows'} {topic}.")


@lab_app.command(name="run")
def lab_run(
    feed: Annotated[Optional[list[Path]], typer.Option("--feed", "-f", help="Read a local RSS file instead of downloading (repeatable).")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The lab's daily run: one fetch, each user's decisions, each paper analysed once, a report each.

    Each source is read once; each active user's topics decide on the day; each paper kept
    by anyone is read and analysed once (per language); each user's report is delivered."""
    _, stats = _with_progress(verbose, config, lambda c, p: lab.lab_run(c, feed, p))
    table = Table("user", "kept", "analyses made", "report")
    for u in stats.users:
        table.add_row(u.login, str(len(u.kept)), str(u.stats.analysed), u.report or "—")
    out.print(table)
    console.print(f"{stats.day or 'No day'}: {stats.summary()}."
                  + (f" Skipped (disabled, or no topics): {', '.join(stats.skipped)}." if stats.skipped else ""))
    for error in stats.errors:
        _note("error:", error, "red")
    if stats.errors:
        raise typer.Exit(1)
