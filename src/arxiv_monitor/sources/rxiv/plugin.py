"""bioRxiv and medRxiv as paper sources: built-in plugins, registered as any outside one
would be (the ``rxiv`` entry point of the ``arxiv_monitor`` group)."""

from __future__ import annotations

from arxiv_monitor.core.hookspecs import hookimpl


@hookimpl
def register_sources(register) -> None:  # type: ignore[no-untyped-def]
    from arxiv_monitor.sources.rxiv.source import BiorxivSource, MedrxivSource

    register(BiorxivSource)
    register(MedrxivSource)
