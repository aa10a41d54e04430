"""The parts of README.md that are made from the code, through cog (https://cog.readthedocs.io):
the command reference, the settings and topic tables, and the plugin hooks.

Regenerate after changing a command, a setting or a hook:

    .venv/bin/cog -r -I scripts README.md

``tests/test_docs.py`` runs ``cog --check``: the suite fails when the README says something the
code does not.
"""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import BaseModel, SecretStr

PREFIX = "ARXIV_MONITOR_"
FILE_ONLY = {"topics", "webhooks", "plugins"}


def _default(field: Any) -> str:
    extra = field.json_schema_extra or {}
    if "shown" in extra:
        return extra["shown"]
    if field.is_required():
        return "—"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value in ("", None) or value == []:
        return "—"
    if isinstance(value, list):
        return "`" + ", ".join(map(str, value)) + "`"
    return f"`{value}`"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") if not c.startswith("`") else c for c in cells) + " |"


def settings() -> str:
    """Every setting of ``Config``: its key, environment variable, default and meaning."""
    from arxiv_monitor.core.config import Config

    lines = [_row(["setting", "environment variable", "default", "meaning"]), "| --- | --- | --- | --- |"]
    sections = []
    for name, field in Config.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            sections.append((name, kind))
            continue
        env = "(file only)" if name in FILE_ONLY else f"`{PREFIX}{name.upper()}`"
        lines.append(_row([f"`{name}`", env, _default(field), field.description or ""]))
    for section, model in sections:
        for name, field in model.model_fields.items():
            lines.append(_row([f"`{section}.{name}`", f"`{PREFIX}{section.upper()}_{name.upper()}`",
                               _default(field), field.description or ""]))
    return "\n".join(lines) + "\n"


def topics() -> str:
    """The keys of a ``[[topics]]`` entry and of its ``[topics.library]``."""
    from arxiv_monitor.core.topics import LibrarySource, TopicConfig

    lines = [_row(["field", "meaning"]), "| --- | --- |"]
    for name, field in TopicConfig.model_fields.items():
        if "of earlier versions" in (field.description or ""):
            continue
        default = _default(field)
        lines.append(_row([f"`{name}`", (field.description or "") + (f" (default {default})" if default not in
                                                                     ("—", "`false`", "`true`") else "")]))
    legacy = [n for n, f in TopicConfig.model_fields.items() if "of earlier versions" in (f.description or "")]
    lines.append(_row([", ".join(f"`{n}`" for n in legacy), "of earlier versions: accepted, ignored, named in a "
                       "start-up warning"]))
    for name, field in LibrarySource.model_fields.items():
        lines.append(_row([f"`library.{name}`", (field.description or "") +
                           (f" (default {_default(field)})" if _default(field) != "—" else "")]))
    return "\n".join(lines) + "\n"


def commands() -> str:
    """Every command of the CLI with its arguments and options, and what it does."""
    import typer

    from arxiv_monitor.cli import app

    group = typer.main.get_command(app)
    lines = ["```"]
    rows = []

    def walk(cmd: Any, prefix: str) -> None:  # Typer's own click: a group has ``commands``
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, f"{prefix} {name}")
            return
        parts = []
        for p in cmd.params:
            if p.name in ("config", "verbose", "help"):
                continue
            if p.param_type_name == "argument":
                name = (p.metavar or p.name).upper()
                parts.append(name if p.required else f"[{name}]")
            else:
                flag = max(p.opts, key=len)
                metavar = "" if p.is_flag else " " + (p.metavar or p.name.upper().rstrip("_"))
                parts.append(f"{flag}{metavar}" if p.required else f"[{flag}{metavar}]")
        summary = (cmd.help or "").strip().split("\n")[0].rstrip(".")
        rows.append((f"arxiv-monitor{prefix} {' '.join(parts)}".rstrip(), summary))

    walk(group, "")
    width = max(len(usage) for usage, _ in rows) + 2
    lines += [f"{usage:<{width}}# {summary}" for usage, summary in rows]
    return "\n".join(lines + ["```"]) + "\n"


def hooks() -> str:
    """The plugin hooks and what each registers."""
    from arxiv_monitor.core import hookspecs

    lines = [_row(["hook", "what a plugin registers through it"]), "| --- | --- |"]
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("register_"):
            doc = " ".join(inspect.getdoc(fn).split()).replace("``", "`")
            lines.append(_row([f"`{name}({', '.join(inspect.signature(fn).parameters)})`", doc]))
    return "\n".join(lines) + "\n"


def exit_codes() -> str:
    """What each exit status of a command means."""
    from arxiv_monitor.cli import EXIT_CODES

    lines = [_row(["exit status", "meaning"]), "| --- | --- |"]
    lines += [_row([f"`{code}`", text]) for code, text in EXIT_CODES.items()]
    return "\n".join(lines) + "\n"
