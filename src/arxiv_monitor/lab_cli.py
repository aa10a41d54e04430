"""The commands of a lab server: ``db migrate`` (a SQLite home into PostgreSQL) and ``worker``
(the analysis stage, shared by as many workers as the LLM endpoint serves). A thin shell
over ``lab``, joined to the app by ``cli`` (``register``)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from arxiv_monitor.shell import ConfigOpt, Table, VerboseOpt, _lazy, _note, _with_progress, console, out

lab = _lazy("arxiv_monitor.lab")
db_app = typer.Typer(help="The database: copy a home's SQLite store into PostgreSQL.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``db`` group and ``worker`` to the app."""
    app.add_typer(db_app, name="db")
    app.command()(worker)


@db_app.command(name="migrate")
def migrate(
    to: Annotated[str, typer.Option("--to", help="The new PostgreSQL database, postgresql://user@host:5432/dbname.")],
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Copy every row of this home's SQLite store into a new PostgreSQL database, then check
    each table (row counts and a checksum, read back from both)."""
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
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Analyse a stored day's kept papers beside other workers: each paper is claimed first, so
    no two workers analyse the same one."""
    _, stats = _with_progress(verbose, config, lambda c, p: lab.work(c, date, ttl, batch, progress=p))
    run = stats.run
    console.print(f"Worker {stats.worker} on {stats.day}: {stats.todo} paper(s) needed an analysis; this worker "
                  f"took {stats.taken}: made {run.analysed}, failed {run.analyses_failed}; "
                  f"tokens {run.tokens_in} in / {run.tokens_out} out.")
    for error in run.errors:
        _note("error:", error, "red")
    if run.errors:
        raise typer.Exit(1)
