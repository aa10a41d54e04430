"""Hugging Face Daily Papers as a community signal: a built-in plugin, registered as any
outside one would be (the ``huggingface`` entry point of the ``arxiv_monitor`` group)."""

from __future__ import annotations

from arxiv_monitor.core.hookspecs import hookimpl


@hookimpl
def register_signals(register) -> None:  # type: ignore[no-untyped-def]
    from arxiv_monitor.sources.huggingface.signal import HuggingFaceSignal

    register(HuggingFaceSignal)
