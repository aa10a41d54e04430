"""The built-in report formats, registered as any outside plugin registers its own (the
``renderers`` entry point of the ``arxiv_monitor`` group)."""

from __future__ import annotations

from arxiv_monitor.core.hookspecs import hookimpl


@hookimpl
def register_renderers(register) -> None:  # type: ignore[no-untyped-def]
    from arxiv_monitor.report.render import HtmlRenderer, JsonRenderer, MarkdownRenderer

    register(MarkdownRenderer)
    register(HtmlRenderer)
    register(JsonRenderer)
