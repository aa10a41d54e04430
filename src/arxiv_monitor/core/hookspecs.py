"""The plugin hooks: every seam where arxiv-monitor can be extended.

A plugin is a module with functions marked ``@hookimpl`` (``from arxiv_monitor import
hookimpl``), named in the entry-point group ``arxiv_monitor`` of its package's
``pyproject.toml``::

    [project.entry-points.arxiv_monitor]
    my_plugin = "my_package.plugin"

The built-in sources, channels, renderers, rankers and analysers register through these
same hooks, from entry points in arxiv-monitor's own ``pyproject.toml``. A plugin module
should import its heavy dependencies inside its functions: every command loads it.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("arxiv_monitor")
hookimpl = pluggy.HookimplMarker("arxiv_monitor")


@hookspec
def register_sources(register):  # type: ignore[no-untyped-def]
    """Register paper sources: ``register(SourceClass)``, a subclass of
    ``arxiv_monitor.sources.Source``. A source lists a day's papers, fetches papers by id,
    says where their full texts are, and owns its id scheme and links. Its ``name`` is the
    scheme of its ids (``biorxiv:10.1101/…``) and the name users enable in ``sources``."""


@hookspec
def register_channels(register):  # type: ignore[no-untyped-def]
    """Register delivery channels: ``register(ChannelClass)``, a subclass of
    ``arxiv_monitor.delivery.Channel``. Its ``kind`` is what a ``[[webhooks]]`` entry names;
    the delivery ledger sends its messages once each and retries a failed one alone."""


@hookspec
def register_renderers(register):  # type: ignore[no-untyped-def]
    """Register report renderers: ``register(RendererClass)``, a subclass of
    ``arxiv_monitor.report.Renderer``: one file format of the reports (``ext``), written
    beside the Markdown, HTML and JSON ones."""


@hookspec
def register_signals(register):  # type: ignore[no-untyped-def]
    """Register community signals: ``register(SignalClass)``, a subclass of
    ``arxiv_monitor.sources.signals.Signal``: what a community says about the day's papers
    (upvotes, a repository's stars), shown beside them. ``signals`` names the ones followed."""


@hookspec
def register_rankers(register):  # type: ignore[no-untyped-def]
    """Register relevance rankers: ``register(name, factory)``, where
    ``factory(config, cache, progress)`` returns a ranker (``arxiv_monitor.relevance.rank``):
    similarity scores of papers against topics. ``relevance.ranker`` names one."""


@hookspec
def register_analyzers(register):  # type: ignore[no-untyped-def]
    """Register analyser backends: ``register(AnalyzerClass)``, a subclass of
    ``arxiv_monitor.analysis.Analyzer``. ``llm.backend`` names one by its ``name``."""


@hookspec
def register_commands(cli):  # type: ignore[no-untyped-def]
    """Add commands to the ``arxiv-monitor`` command line: ``cli`` is its Typer app
    (``@cli.command()``)."""
