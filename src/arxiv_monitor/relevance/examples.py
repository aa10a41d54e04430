"""A topic's example papers: their titles and abstracts, fetched once from their sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import Paper
from arxiv_monitor.core.topics import TopicConfig

if TYPE_CHECKING:
    from arxiv_monitor.sources.base import Sources
    from arxiv_monitor.store import Store


def example_papers(topics: list[TopicConfig], store: Store, sources: Sources | None) -> dict[str, Paper]:
    """The topics' example papers by the id the topic names them with: stored ones as they
    are, the others fetched (without ``sources``, only the stored ones)."""
    wanted = {i: PaperId.parse(i) for t in topics for i in t.examples}
    found = {i: p for i, ref in wanted.items() if (p := store.papers.latest(ref.canonical)) is not None}
    missing = [ref for i, ref in sorted(wanted.items()) if i not in found]
    if missing and sources is not None:
        fetched = sources.fetch(missing)
        store.papers.save(fetched)
        by_id = {p.id: p for p in fetched}
        found.update({i: by_id[ref.canonical] for i, ref in wanted.items() if ref.canonical in by_id})
    return found
