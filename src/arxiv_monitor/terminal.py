"""Terminal output of the CLI: progress bars and the run summary (rich).

Imported by ``cli.py`` only when a command shows them, so ``--help`` stays quick.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from .models import RunStats


class RichProgress:
    """Shows each pipeline stage as a rich progress bar (two at once where stages overlap)."""

    def __init__(self, progress: Any):
        self.progress = progress
        self.tasks: dict[str, Any] = {}
        self.latest: str | None = None

    def stage(self, name: str, total: int) -> None:
        self.tasks[name] = self.progress.add_task(name, total=max(total, 0))
        self.latest = name

    def advance(self, step: int = 1, stage: str | None = None) -> None:
        name = stage or self.latest
        if name in self.tasks:
            self.progress.advance(self.tasks[name], step)


def columns() -> tuple:
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        """Items per second, once there is a rate."""

        def render(self, task: Any) -> Text:
            return Text(f"{task.speed:.1f}/s" if task.speed else "", style="progress.data.speed")

    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn())


def table(*args: Any, **kwargs: Any) -> Table:
    return Table(*args, **kwargs)


def summary(stats: RunStats, cost: float | None = None, currency: str = "") -> Table:
    """The run summary the CLI prints."""
    out = Table(title=f"arxiv-monitor run {stats.day or ''}".strip(), show_header=False)
    rows = [
        ("Feed items read", stats.items), ("Kept (announce types)", stats.kept),
        ("Matched", stats.matched), ("Embedded (ranking)", stats.embedded),
        ("Full texts downloaded", stats.downloaded), ("Full texts from cache", stats.from_cache),
        ("Abstract only (no full text)", stats.fulltext_failed),
        ("Analyses made", stats.analysed), ("Analyses cached", stats.analyses_cached),
        ("Analyses failed", stats.analyses_failed),
        ("Tokens in / out", f"{stats.tokens_in} / {stats.tokens_out}"
         + (f" (≈ {cost:.4f} {currency})" if cost is not None else "")),
        ("Claims supported / unsupported", f"{stats.claims_supported} / {stats.claims_unsupported}"),
        ("Report", stats.report or "-"),
        ("Delivered", "\n".join(stats.delivered) or "-"),
        ("Missed days caught up", ", ".join(stats.caught_up) or "-"),
    ]
    for label, value in rows:
        out.add_row(label, str(value))
    return out
