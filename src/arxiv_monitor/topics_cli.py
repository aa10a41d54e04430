"""The commands that shape topics: ``tune`` (the ratings that teach a topic most) and
``topics suggest`` (a topic drafted from one line). A thin shell over ``commands``, joined to
the app by ``cli`` (``register``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from arxiv_monitor.shell import ConfigOpt, _config, _note, _result, commands, out, terminal

topics_app = typer.Typer(help="Draft and add topics.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``tune`` and the ``topics`` group to the app."""
    app.command()(tune)
    app.add_typer(topics_app, name="topics")


def tune(
    topic: Annotated[str, typer.Argument(help="The topic to tune (its id).")],
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=30, help="Papers to ask about.")] = 8,
    days: Annotated[int, typer.Option("--days", min=1, help="Ask about the papers of this many last days.")] = 30,
    ask: Annotated[bool, typer.Option("--ask/--list", help="Ask for each rating here, or only list the papers.")] = True,
    config: ConfigOpt = None,
) -> None:
    """Rate the few papers that would teach a topic most (near its cut-off, unlike each other)."""
    cfg = _config(config)
    found = commands.tune(cfg, topic, count, days)
    for note in found.notes:
        _note("note:", note)
    out.print(found.effect())
    if not found.questions:
        return
    out.print(terminal.questions(found), markup=False, highlight=False)
    if not ask:
        return _result(f"Rate with: arxiv-monitor rate PAPER good|bad --topic {topic}")
    rated = 0
    for n, q in enumerate(found.questions, start=1):
        answer = typer.prompt(f"[{n}] {q.paper.id} {q.paper.title}\n    good, bad, skip or quit", default="skip",
                              show_default=False).strip().lower()[:1]
        if answer == "q":
            break
        if answer in ("g", "b"):
            commands.rate(cfg, q.paper.id, "good" if answer == "g" else "bad", topic)
            rated += 1
    if rated:
        _result(f"Rated {rated} paper(s) for {topic}. " + commands.tune(cfg, topic, count, days).effect())


@topics_app.command(name="suggest")
def suggest(
    text: Annotated[str, typer.Argument(help='What the topic is about, in one line, e.g. "spatio-temporal traffic forecasting".')],
    example: Annotated[Optional[list[str]], typer.Option("--example", "-e", help="A paper of the topic, by id (repeatable).")] = None,
    library: Annotated[Optional[Path], typer.Option("--library", help="A library export (BibTeX, CSL JSON, RIS): its newest 20 items as examples.")] = None,
    zotero: Annotated[Optional[str], typer.Option("--zotero", help='A Zotero library: "user:ID", "group:ID" or "local"; its newest 20 items as examples (the key and API address of a topic library of the same name, else $ZOTERO_API_KEY).')] = None,
    collection: Annotated[str, typer.Option("--collection", help="With --zotero: one collection's key.")] = "",
    save: Annotated[Optional[bool], typer.Option("--save/--no-save", help="Add the draft to the config without asking, or only show it.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Draft a topic from one line (the LLM, else keywords mined from stored papers); review it, then save it."""
    from arxiv_monitor.core.config import add_topic, topics_toml
    from arxiv_monitor.core.topics import zotero_library

    cfg = _config(config)
    source = zotero_library(cfg.topic_list, zotero, collection) if zotero else None
    draft = commands.suggest_topic(cfg, text, example or [], library, source)
    for note in draft.notes:
        _note("note:", note)
    out.print(terminal.draft(draft), markup=False, highlight=False)
    if not draft.keywords:
        return _result("No keyword could be drafted: store a few days first, or configure an LLM (llm.base_url).")
    out.print(topics_toml([draft.topic()]), markup=False, highlight=False)
    if save is False or (save is None and not typer.confirm("Add this topic to your config?", default=False)):
        return _result("Not saved. Edit the lines above into your config.toml, or run again with --save.")
    also = add_topic(config, draft.topic(), cfg)
    _result(f"Added topic {draft.id} to your config" + (f", with {also[0]}" if also else "") + ".")
