"""A paper's full text: from the places its source names (arXiv HTML, else the PDF; JATS
XML for bioRxiv), through a disk cache, or from a local file.

Downloads are cached on disk under ``<cache>/<kind>/`` and keyed by versioned id; a cached
file is used without any network call, so a user or a test can pre-seed the cache. The
text itself comes from the extractor of its kind (``EXTRACTORS``): named sections without
the bibliography, and the links the document holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_monitor.core.errors import FetchError, HostUnreachable
from arxiv_monitor.core.ids import page_name
from arxiv_monitor.core.models import FullText, Paper, Section
from arxiv_monitor.core.net import PoliteClient, TooLarge
from arxiv_monitor.fulltext import html, jats, pdf
from arxiv_monitor.fulltext.sections import Extracted

if TYPE_CHECKING:
    from arxiv_monitor.sources.base import Sources

log = logging.getLogger(__name__)

EXTRACTORS: dict[str, Callable[[bytes], Extracted]] = {"html": html.extract, "pdf": pdf.extract, "jats": jats.extract}
SUFFIX = {"html": "html", "pdf": "pdf", "jats": "xml"}


def _transient(exc: FetchError) -> bool:
    """Worth asking again next run: the host was down or failing, not a definite answer."""
    if isinstance(exc, TooLarge) or "disabled" in exc.reason:
        return False
    return isinstance(exc, HostUnreachable) or exc.status not in (403, 404, 410)


class FullTextFetcher:
    """Gets full texts through the disk cache and the polite client."""

    def __init__(self, client: PoliteClient, cache_dir: Path, sources: Sources, enabled: bool = True,
                 max_bytes: int = 50_000_000):
        self.client = client
        self.cache_dir = cache_dir
        self.sources = sources
        self.enabled = enabled
        self.max_bytes = max_bytes

    def _cached_or_download(self, kind: str, url: str, paper: Paper, counter: list[int]) -> Path:
        path = self.cache_dir / kind / f"{page_name(paper.versioned_id)}.{SUFFIX.get(kind, kind)}"
        if path.exists():
            return path
        if not self.enabled:
            raise FetchError(path.name, "full-text downloads are disabled")
        self.client.get(url, dest=path, max_bytes=self.max_bytes)
        counter[0] += 1
        return path

    def fetch(self, paper: Paper) -> tuple[FullText, str]:
        """The paper's full text and a status: ``ok``, ``missing`` or ``failed``.

        ``failed`` (a network problem, or a PDF that does not open: a download cut short)
        is retried on the next run; ``missing`` (no place had it) is not. A file that does
        not parse is removed from the cache, so it is downloaded again. Without any, the
        text is the abstract and ``error`` says why.
        """
        counter = [0]
        reasons, transient = [], False
        source = self.sources.of(paper)
        for kind, url in source.fulltext_locations(paper) if source else []:
            path = None
            try:
                path = self._cached_or_download(kind, url, paper, counter)
                got = EXTRACTORS[kind](path.read_bytes())
                return FullText(kind, got.sections, downloaded=counter[0], from_cache=counter[0] == 0,
                                links=got.links), "ok"
            except FetchError as exc:
                transient |= _transient(exc)
                reasons.append(f"{kind.upper()}: {exc.reason}")
            except ValueError as exc:
                if path is not None:
                    path.unlink(missing_ok=True)
                transient |= kind == "pdf"
                reasons.append(f"{kind.upper()}: {exc}")
        abstract = [Section("Abstract", paper.abstract)]
        text = FullText("abstract", abstract, error="; ".join(reasons) or "its source gives no full text",
                        downloaded=counter[0])
        return text, "failed" if transient else "missing"


def read_file(path: Path) -> FullText:
    """The full text of a local HTML, PDF, JATS XML or plain-text file (``read``, ``verify``)."""
    data = path.read_bytes()
    if path.suffix.lower() in (".txt", ".text", ".md") and data[:5] != b"%PDF-":
        return FullText("text", [Section("Text", data.decode("utf-8", errors="replace"))])
    kind = "pdf" if data[:5] == b"%PDF-" or path.suffix.lower() == ".pdf" else \
        "jats" if path.suffix.lower() in (".xml", ".nxml") else "html"
    got = EXTRACTORS[kind](data)
    return FullText(kind, got.sections, links=got.links)


def html_sections(data: bytes) -> list[Section]:
    """The sections of an arXiv HTML page (see ``html``)."""
    return html.extract(data).sections


def pdf_sections(data: bytes) -> list[Section]:
    """The sections of a PDF (see ``pdf``)."""
    return pdf.extract(data).sections
