"""The built-in rankers, registered as any outside plugin registers its own (the ``rankers``
entry point of the ``arxiv_monitor`` group)."""

from __future__ import annotations

from arxiv_monitor.core.hookspecs import hookimpl


@hookimpl
def register_rankers(register) -> None:  # type: ignore[no-untyped-def]
    from arxiv_monitor.relevance.rank import KeywordRanker, TfidfRanker, semantic_ranker

    register("semantic", semantic_ranker)
    register("tfidf", lambda config, cache=None, progress=None: TfidfRanker())
    register("keywords", lambda config, cache=None, progress=None: KeywordRanker())
