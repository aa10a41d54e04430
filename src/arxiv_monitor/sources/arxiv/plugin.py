"""arXiv as a paper source: the built-in plugin, registered as any outside one would be (the
``arxiv`` entry point of the ``arxiv_monitor`` group). It imports its source lazily: every
command loads the plugins."""

from __future__ import annotations

from arxiv_monitor.core.hookspecs import hookimpl


@hookimpl
def register_sources(register) -> None:  # type: ignore[no-untyped-def]
    from arxiv_monitor.sources.arxiv.source import ArxivSource

    register(ArxivSource)
