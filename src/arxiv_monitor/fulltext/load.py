"""A paper and its full text, named as a user names it: a local PDF, HTML, JATS or text file,
or a paper id (the stored paper and text, else fetched from its source, politely)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import FullText, Paper
from arxiv_monitor.fulltext.download import FullTextFetcher, read_file

if TYPE_CHECKING:
    from arxiv_monitor.sources.base import Sources
    from arxiv_monitor.store import Store


def is_file(target: str) -> bool:
    return Path(target).expanduser().exists()


def from_file(target: str) -> tuple[Paper, FullText]:
    """A local file's text, and a paper named after its first lines."""
    path = Path(target).expanduser()
    try:
        text = read_file(path)
    except (ValueError, OSError) as exc:
        raise MonitorError(f"Cannot read {path}: {exc}") from None
    front = next((s.text for s in text.sections if s.title == "Front matter"), "")
    abstract = next((s.text for s in text.sections if s.title == "Abstract"), "")
    title = front.split("\n", 1)[0].strip() if front else path.stem
    return Paper("local", 1, title, abstract), text


def from_id(target: str, store: Store, sources: Sources, fetcher: FullTextFetcher) -> tuple[Paper, FullText]:
    """The paper ``target`` names (stored, else fetched) and its full text (stored, else fetched)."""
    try:
        ref = PaperId.parse(target)
    except ValueError as exc:
        raise MonitorError(f"{target} is neither a file nor a paper id: {exc}") from None
    paper = store.papers.version(ref.canonical, ref.version) if ref.version else store.papers.latest(ref.canonical)
    if paper is None:
        found = sources.fetch([ref])
        if not found:
            raise MonitorError(f"{ref} cannot be found (no such paper, or its source cannot be reached)")
        paper = found[0]
    stored = store.fulltexts.get(paper)
    if stored and stored.status == "ok":
        return paper, stored.text
    return paper, fetcher.fetch(paper)[0]
