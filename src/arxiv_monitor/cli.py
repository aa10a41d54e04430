"""The ``arxiv-monitor`` command: a thin shell around the library.

It starts at once: the library (``commands``, ``pipeline``, ``config`` and all
they import: pydantic, httpx, numpy, Jinja2, PyMuPDF, ONNX Runtime, the web
framework) is loaded lazily, on the first use of one of its names, so
``--help`` and ``version`` import none of it.
"""

from __future__ import annotations

import logging
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from arxiv_monitor import __version__, lab_cli, topics_cli
from arxiv_monitor.core.errors import MonitorError, redact
from arxiv_monitor.shell import (  # noqa: F401 - the shell's shared parts, used by the commands below
    _SECRETS,
    ConfigOpt,
    Table,
    VerboseOpt,
    _config,
    _note,
    _result,
    _setup_logging,
    _with_progress,
    commands,
    console,
    out,
    pipeline,
    terminal,
)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DELIVERY = 0, 1, 2, 3
EXIT_CODES = {  # the README's table is made from this (scripts/readme.py)
    EXIT_OK: "done: the report is written and delivered where due (also: nothing to do, a weekend "
             "feed, a run stopped by SIGTERM after saving its work)",
    EXIT_ERROR: "an error: a setting, the database, the feed or the LLM endpoint (one line says which and "
                "what to do); anything already done is stored and a rerun finishes the day",
    EXIT_USAGE: "a command-line mistake (an unknown option, a missing argument)",
    EXIT_DELIVERY: "the report is written, but a delivery failed (each failed target is named; the next run "
                   "or `deliver` sends it again)",
}

app = typer.Typer(
    help="Follow arXiv every announcement day: match your topics, read the papers, "
         "analyse them with an LLM and write a daily report.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)


topics_cli.register(app)
lab_cli.register(app)


def _version(value: bool) -> None:
    if value:
        _result(__version__)
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Follow arXiv every announcement day: match your topics, read the papers, analyse them with
    an LLM and write a daily report."""
@app.command()
def run(
    feed: Annotated[Optional[list[Path]], typer.Option("--feed", "-f", help="Read a local RSS file instead of downloading (repeatable).")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run the daily job: fetch, match, full text, analyse, report."""
    cfg, stats = _with_progress(verbose, config, lambda c, p: pipeline.run(c, feed, p))
    if stats.message:
        console.print(stats.message)
        return
    console.print(terminal.summary(stats, cfg.llm.cost(stats.tokens_in, stats.tokens_out), cfg.llm.currency))
    if stats.report:  # whole, on its own line: the one thing to open next
        console.print(f"Report: {stats.report}", soft_wrap=True, highlight=False)
    for note in stats.notes:
        console.print(escape(note))
    for warning in stats.warnings:
        _note("warning:", warning)
    for failure in stats.delivery_failed:
        _note("delivery failed (retried next run):", failure)
    for error in stats.errors:
        _note("error:", error, "red")
    if stats.errors:
        raise typer.Exit(EXIT_ERROR)
    if stats.delivery_failed:
        raise typer.Exit(EXIT_DELIVERY)


@app.command()
def init(
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    repo: Annotated[bool, typer.Option("--repo", help="For a fork run by GitHub Actions: config.toml at the repository root, with [site] for GitHub Pages.")] = False,
    print_: Annotated[bool, typer.Option("--print", help="Print the commented config instead of writing it.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Write a commented config file with the defaults."""
    from arxiv_monitor.core.config import config_file, default_home, repository_config

    if print_:
        text = resources.files("arxiv_monitor.core").joinpath("config.toml").read_text("utf-8")
        typer.echo(repository_config(text, Path.cwd()) if repo else text, nl=False)
        return
    path = config or (Path.cwd() / "config.toml" if repo else config_file(default_home()))
    if path.exists() and not force:
        raise MonitorError(f"{path} exists already; use --force to overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = resources.files("arxiv_monitor.core").joinpath("config.toml").read_text("utf-8")
    path.write_text(repository_config(text, path.parent) if repo else text, encoding="utf-8")
    console.print(f"Wrote {path}" + (" (commit it; the workflow copies it into place)" if repo else ""))


@app.command()
def report(
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="Day to render, YYYY-MM-DD (default: latest).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Re-render a stored day's report, with no network."""
    for path in commands.rerender(_config(config), date).values():
        console.print(f"Wrote {path}")


@app.command()
def analyze(
    reanalyze: Annotated[bool, typer.Option("--reanalyze", help="Analyse again even where a good analysis exists (after a prompt or model change).")] = False,
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="The papers of this stored day.")] = None,
    paper_id: Annotated[Optional[str], typer.Option("--id", help="One stored paper, kept or not (e.g. 2601.22586, 2601.22586v2, biorxiv:10.1101/…).")] = None,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Analyse stored papers: those not yet analysed, or all of them with --reanalyze."""
    _, stats = _with_progress(verbose, config,
                              lambda c, p: commands.reanalyze(c, date, paper_id, reanalyze, p))
    console.print(f"Analyses made {stats.analysed}, failed {stats.analyses_failed}, "
                  f"kept {stats.analyses_cached}; tokens {stats.tokens_in} in / {stats.tokens_out} out. "
                  + (f"Report: {stats.report}" if stats.report else "No day's report shows this paper: see it with "
                     "`arxiv-monitor web` (its page), or `papers`."))
    for error in stats.errors:
        _note("error:", error, "red")
    if stats.errors:
        raise typer.Exit(1)


@app.command(name="deliver")
def deliver_cmd(
    date: Annotated[str, typer.Option("--date", "-d", help="Day to deliver, YYYY-MM-DD.")],
    target: Annotated[Optional[str], typer.Option("--target", "-t", help="Only this target (email or a webhook name).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Send even where it was sent already.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Send a stored day's report to the targets that have not had it."""
    cfg = _config(config)
    results = commands.redeliver(cfg, date, target, force)
    if not results:
        console.print(f"Nothing to send for {date}: every target has it (use --force to resend).")
    for r in results:
        if r.status == "sent":
            console.print(f"{escape(r.target)}: [green]sent[/]")
        else:
            _note(f"{escape(r.target)}: failed:", r.error or "", "red")
    if any(r.status != "sent" for r in results):
        raise typer.Exit(EXIT_DELIVERY)


@app.command(name="backfill")
def backfill_cmd(
    from_: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    to: Annotated[Optional[str], typer.Option("--to", help="Last day, YYYY-MM-DD (default: --from).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild days that are stored already.")] = False,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Build the reports of past announcement days from the export API."""
    first, last = _date(from_), _date(to or from_)
    _, stats = _with_progress(verbose, config, lambda c, p: commands.run_backfill(c, first, last, force, p))
    console.print(f"Backfilled {len(stats.caught_up)} day(s): {', '.join(stats.caught_up) or 'none'}; "
                  f"{stats.matched} papers matched, {stats.analysed} analysed.")
    for warning in stats.warnings:
        _note("warning:", warning)
    for error in stats.errors:
        _note("error:", error, "red")
    if stats.errors:
        raise typer.Exit(1)


@app.command()
def trends(
    when: Annotated[Optional[str], typer.Argument(help="A day in the period (YYYY-MM-DD), or the period itself: 2026-W05, 2026-02.", show_default=False)] = None,
    week: Annotated[bool, typer.Option("--week", help="The week (Monday to Sunday) of the day given; without one, the last complete week.")] = False,
    month: Annotated[bool, typer.Option("--month", help="The month of the day given; without one, the last complete month.")] = False,
    from_: Annotated[Optional[str], typer.Option("--from", help="A range's first day, YYYY-MM-DD.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="A range's last day, YYYY-MM-DD (default: today).")] = None,
    no_deliver: Annotated[bool, typer.Option("--no-deliver", help="Write the report, send nothing.")] = False,
    config: ConfigOpt = None,
) -> None:
    """A week's, a month's or a range's trends from the stored days: volumes, themes, key papers, charts."""
    import datetime as dt

    from arxiv_monitor.trends.period import Period

    today = dt.date.today()
    period = Period.chosen(when, "month" if month else "week", _date(from_) if from_ else None,
                           _date(to) if to else None, today)
    result = commands.trends(_config(config), period, deliver=not no_deliver, today=today)
    r = result.report
    rising = [th.label or th.name for th in r.themes if th.trend == "rising"]
    console.print(f"{r.label}: {r.papers} papers kept on {len(r.days)} stored day(s); {len(r.themes)} themes"
                  + (f", rising: {'; '.join(rising)}" if rising else ", none rising") + ".")
    for notice in r.notices:
        _note("note:", notice)
    console.print(f"Report: {result.paths['md']}", soft_wrap=True)
    for d in result.deliveries:
        if d.status == "sent":
            console.print(f"{escape(d.target)}: [green]sent[/]")
        else:
            _note(f"{escape(d.target)}: failed:", d.error or "", "red")


@app.command()
def serve(
    config: ConfigOpt = None,
    run_now: Annotated[bool, typer.Option("--run-now", help="Run once at start, then follow the schedule.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")] = True,
) -> None:
    """Run the daily job on the configured cron schedule, with /healthz, until SIGTERM."""
    from arxiv_monitor.serve import serve as serve_forever

    _setup_logging(verbose)
    cfg = _config(config)
    from arxiv_monitor import lab
    from arxiv_monitor.commands import explain

    serve_forever(cfg, lambda: lab.scheduled_run(_config(config)), run_now=run_now, explain=explain)


@app.command()
def web(
    host: Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default web.host, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option("--port", help="Port (default web.port, 8000).")] = None,
    config: ConfigOpt = None,
) -> None:
    """The reading room alone: browse, search and rate every stored day at http://127.0.0.1:8000/."""
    from arxiv_monitor.commands import explain
    from arxiv_monitor.web.app import check_bind, run

    _setup_logging(False)
    cfg = _config(config)
    check_bind(cfg, host or cfg.web.host)  # refused before it says where it listens
    console.print(f"Reading room on http://{host or cfg.web.host}:{port or cfg.web.port}/ (Ctrl-C stops it)")
    run(cfg, host, port, explain=explain)


@app.command()
def site(
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder to write (default site.out_dir, <home>/site).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Rewrite every page, not only the changed ones.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Write the reading room as a static site (GitHub Pages), with client-side search."""
    from arxiv_monitor.web.site import build

    cfg = _config(config)
    folder = out_dir or (Path(cfg.site.out_dir).expanduser() if cfg.site.out_dir else cfg.home_path / "site")
    built = build(cfg, folder, full)
    console.print(f"Site in {folder}: {built.written} files written, {built.skipped} unchanged; "
                  f"search index rebuilt for {', '.join(built.indexed) or 'no shard'}.")


@app.command()
def explain(
    paper_id: Annotated[str, typer.Argument(help="A paper of a stored day (kept or not), e.g. 2601.22586.")],
    config: ConfigOpt = None,
) -> None:
    """Show, per topic, why a paper is kept or not: keywords, negatives, score, decision."""
    _result(terminal.explanation(commands.explain(_config(config), paper_id)))


@app.command()
def rate(
    paper_id: Annotated[Optional[str], typer.Argument(help="A paper of a stored day (kept or not), e.g. 2601.22586.", show_default=False)] = None,
    verdict: Annotated[Optional[str], typer.Argument(help="good, bad, or clear (removes your rating).", show_default=False)] = None,
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Topic id (default: the paper's best topic).")] = None,
    import_file: Annotated[Optional[Path], typer.Option("--import", help="Apply a ratings file exported from the static reading room.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Store your rating of a paper for a topic (used to tune that topic's ranking); with
    lab.url, on that lab server, as you."""
    if import_file is not None:
        done = commands.import_ratings(_config(config), import_file)
        console.print(f"Imported {import_file}: {done.applied} rating(s) applied, {done.unchanged} already so, "
                      f"{len(done.skipped)} skipped.")
        for why in done.skipped:
            _note("skipped:", why)
        return
    if not paper_id or not verdict:
        raise MonitorError("Say a paper and good, bad or clear (arxiv-monitor rate 2601.22586 good), "
                           "or --import FILE.")
    cfg = _config(config)
    if cfg.lab.url:  # a lab member's CLI: rated on the server, as them
        from arxiv_monitor import remote

        r = remote.rate(cfg, paper_id, verdict, topic)
    else:
        r = commands.rate(cfg, paper_id, verdict, topic)
    done = "Cleared the rating of" if r.verdict == "clear" else "Rated"
    why = f" ({r.chosen}; say --topic to choose another)" if r.chosen else ""
    console.print(f"{done} {r.paper.id} {'' if r.verdict == 'clear' else r.verdict + ' '}for {r.topic}{why} "
                  f"({r.good} good, {r.bad} bad so far).")


@app.command()
def read(
    target: Annotated[str, typer.Argument(help="A PDF, HTML or JATS file, or a paper id (e.g. 2601.22586).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the sections (with their text) as JSON.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Show what an analysis of a paper is based on: its sections, what goes to the LLM, its code link."""
    import json as json_mod

    found = commands.read(_config(config), target)
    if as_json:
        _result(json_mod.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table("section", "kind", "tokens", "to the LLM", title=f"{found.title} ({found.source}; "
                  f"input budget {found.budget} tokens)")
    for s in found.sections:
        table.add_row(s.title, s.kind, str(s.tokens), s.sent)
    out.print(table)
    code = f"{found.code.url} (found in {found.code.found_in})" if found.code else "none found"
    _result(f"code: {code}" + (f"\nnote: {found.error}" if found.error else ""))


@app.command()
def verify(
    paper: Annotated[str, typer.Option("--paper", help="The paper: a PDF, HTML, JATS or text file, or a paper id.")],
    analysis: Annotated[Path, typer.Option("--analysis", help="JSON (section -> text, or a JSON report) or a "
                                                               "report's Markdown.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the claims as JSON.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Check an analysis against its paper: every number and name, with the paper's evidence."""
    import json as json_mod

    found = commands.verify(_config(config), paper, analysis)
    if as_json:
        _result(json_mod.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return
    _result(terminal.verification(found))


state_app = typer.Typer(help="The home's state as files a git branch holds (the GitHub Actions workflow).",
                        no_args_is_help=True)
app.add_typer(state_app, name="state")


@state_app.command("pack")
def state_pack(
    out: Annotated[Path, typer.Argument(help="Folder to write (emptied first).")],
    config: ConfigOpt = None,
) -> None:
    """Write the database (a consistent copy, gzip, in parts under 100 MB), the reports and the site."""
    from arxiv_monitor import state

    info = state.pack(_config(config), out)
    console.print(f"Packed the state into {out}: {len(info['parts'])} database part(s).")


@state_app.command("unpack")
def state_unpack(
    folder: Annotated[Path, typer.Argument(help="A folder written by `state pack` (the state branch).")],
    config: ConfigOpt = None,
) -> None:
    """Put a packed state in the home (the database is checked against its checksum first)."""
    from arxiv_monitor import state

    info = state.unpack(_config(config), folder)
    console.print(f"Unpacked the state of {info['made']} into the home.")


@state_app.command("prune-cache")
def state_prune(
    days: Annotated[int, typer.Option("--days", help="Delete downloads unused for this many days.")] = 30,
    config: ConfigOpt = None,
) -> None:
    """Delete downloaded full texts and feeds unused for a while (they are fetched again if needed)."""
    from arxiv_monitor import state

    removed, freed = state.prune_cache(_config(config), days)
    console.print(f"Removed {removed} cached file(s), {freed / 1e6:.1f} MB.")


eval_app = typer.Typer(help="Measure arxiv-monitor on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("relevance")
def eval_relevance(
    labels: Annotated[Path, typer.Argument(help="LABELS.jsonl: id, title, abstract, categories, labels per line.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    ranker: Annotated[Optional[str], typer.Option("--ranker", help="auto, semantic, tfidf or keywords.")] = None,
    cv: Annotated[int, typer.Option("--cv", help="K-fold cross-validation of a calibration trained on the labels.")] = 0,
    sweep: Annotated[bool, typer.Option("--sweep", help="Figures over probability cut-offs 0.1 … 0.9.")] = False,
    fit_prior: Annotated[bool, typer.Option("--fit-prior", help="Fit the prior for this ranker's model on the labels and keep it for later runs.")] = False,
    forget_prior: Annotated[bool, typer.Option("--forget-prior", help="Go back to the shipped prior for this ranker's model.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Precision, recall and F1 per topic: keywords only, ranker only, and combined."""
    import json as json_mod

    cfg = _config(config)
    if ranker:
        cfg = cfg.model_copy(update={"relevance": cfg.relevance.model_copy(update={"ranker": ranker})})
    result = commands.eval_relevance(cfg, labels, cv, sweep, "fit" if fit_prior else "forget" if forget_prior else "")
    name, figures = result.ranker, result.figures
    for warning in result.warnings:
        console.print(f"[yellow]Warning:[/] {warning}", markup=True, highlight=False)
    if as_json:
        _result(json_mod.dumps({"ranker": name, "topics": figures}, indent=2))
        return
    table = Table("topic", "ranker", "precision", "recall", "F1", "tp", "fp", "fn",
                  title=f"Relevance on {labels.name} (ranker {name})")
    for topic, modes in figures.items():
        for mode, f in modes.items():
            table.add_row(topic, mode, f"{f['precision']:.3f}", f"{f['recall']:.3f}", f"{f['f1']:.3f}",
                          str(f["tp"]), str(f["fp"]), str(f["fn"]))
    out.print(table)


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise MonitorError(f"Not a date (YYYY-MM-DD): {text!r}") from None


@app.command()
def papers(
    date: Annotated[Optional[str], typer.Option("--date", "-d", help="Only this day (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many rows.")] = 50,
    config: ConfigOpt = None,
) -> None:
    """List stored papers with their analysis status."""
    import textwrap

    table = Table("day", "id", "type", "analysis", "title", "code")
    table.columns[4].overflow, table.columns[4].no_wrap = "ellipsis", True  # one line a paper, cut at a word
    for r in commands.list_papers(_config(config), date, limit):
        shown = "-" if r.analysis is None else f"{r.analysis} ({r.backend})"
        if r.fallback:
            shown += " → extractive shown"
        table.add_row(r.day, r.versioned_id, r.announce_type, shown, textwrap.shorten(r.title, 70, placeholder=" …"),
                      r.code_url or "")
    out.print(table)


@app.command()
def version() -> None:
    """Print the version."""
    _result(__version__)


@app.command(name="plugins")
def plugins_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the plugins as JSON.")] = False,
) -> None:
    """List the loaded plugins (the built-in ones included) and the hooks each implements."""
    import json as json_mod
    from dataclasses import asdict

    from arxiv_monitor.core import plugins

    found, broken = plugins.loaded(), plugins.broken()
    if as_json:
        _result(json_mod.dumps({"plugins": [asdict(p) for p in found], "broken": broken}, indent=2))
        return
    table = Table("plugin", "package", "hooks", title="Plugins")
    for p in found:
        table.add_row(p.name, f"{p.package} {p.version}".strip() or "-", ", ".join(p.hooks))
    out.print(table)
    for name, why in broken.items():
        _note(f"not loaded: {name}:", why)


def _plugin_commands() -> None:
    """Commands added by plugins (``register_commands``); a broken plugin is left out."""
    from arxiv_monitor.core import plugins

    try:
        plugins.pm.hook.register_commands(cli=app)
    except Exception as exc:  # noqa: BLE001 - a third party's code must not stop the CLI
        logging.getLogger(__name__).warning("a plugin's commands could not be added: %s", exc)


def main() -> None:
    """Console entry point: domain errors become one clean message."""
    from arxiv_monitor.core.stopping import Stopped

    try:
        _plugin_commands()
        app()
    except Stopped:
        console.print("Stopped (SIGTERM): the work done is stored; the next run finishes the day.")
        sys.exit(EXIT_OK)
    except MonitorError as exc:
        if os.environ.get("ARXIV_MONITOR_RAISE"):
            raise
        console.print(f"[red]Error:[/] {escape(redact(str(exc), _SECRETS))}")
        sys.exit(EXIT_ERROR)

