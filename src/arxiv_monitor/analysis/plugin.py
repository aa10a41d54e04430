"""The built-in analyser backends, registered as any outside plugin registers its own (the
``analysers`` entry point of the ``arxiv_monitor`` group)."""

from __future__ import annotations

from arxiv_monitor.core.hookspecs import hookimpl


@hookimpl
def register_analyzers(register) -> None:  # type: ignore[no-untyped-def]
    from arxiv_monitor.analysis.extractive import ExtractiveAnalyzer
    from arxiv_monitor.analysis.openai_backend import OpenAIAnalyzer

    register(OpenAIAnalyzer)
    register(ExtractiveAnalyzer)
