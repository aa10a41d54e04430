"""Stage 3: a paper's full text, from arXiv HTML (LaTeXML) or else the PDF.

Downloads are cached on disk under ``<cache>/html`` and ``<cache>/pdf``,
keyed by versioned id; a cached file is used without any network call, so a
user or a test can pre-seed the cache. The text itself comes from
``html_text`` and ``pdf_text``: named sections without the bibliography, and
the links the document holds.
"""

from __future__ import annotations

import logging
from pathlib import Path

from arxiv_monitor.fulltext import html as html_text, pdf as pdf_text
from arxiv_monitor.core.errors import FetchError, HostUnreachable
from arxiv_monitor.core.models import FullText, Paper, Section
from arxiv_monitor.core.net import PoliteClient, TooLarge

log = logging.getLogger(__name__)

def _transient(exc: FetchError) -> bool:
    """Worth asking again next run: the host was down or failing, not a definite answer."""
    if isinstance(exc, TooLarge) or "disabled" in exc.reason:
        return False
    return isinstance(exc, HostUnreachable) or exc.status not in (403, 404, 410)


class FullTextFetcher:
    """Gets full texts through the disk cache and the polite client."""

    def __init__(self, client: PoliteClient, cache_dir: Path, html_url: str, pdf_url: str,
                 enabled: bool = True, max_bytes: int = 50_000_000):
        self.client = client
        self.cache_dir = cache_dir
        self.html_url = html_url.rstrip("/")
        self.pdf_url = pdf_url.rstrip("/")
        self.enabled = enabled
        self.max_bytes = max_bytes

    def _cached_or_download(self, kind: str, paper: Paper, counter: list[int]) -> Path:
        path = self.cache_dir / kind / f"{paper.versioned_id}.{kind}"
        if path.exists():
            return path
        if not self.enabled:
            raise FetchError(path.name, "full-text downloads are disabled")
        base = self.html_url if kind == "html" else self.pdf_url
        self.client.get(f"{base}/{paper.versioned_id}", dest=path, max_bytes=self.max_bytes)
        counter[0] += 1
        return path

    def fetch(self, paper: Paper) -> tuple[FullText, str]:
        """The paper's full text and a status: ``ok``, ``missing`` or ``failed``.

        ``failed`` (a network problem, or a PDF that does not open: a download
        cut short) is retried on the next run; ``missing`` (no HTML and no
        PDF) is not. A file that does not parse is removed from the cache, so
        it is downloaded again. Without either source, the text is the
        abstract and ``error`` says why.
        """
        counter = [0]
        reasons, transient = [], False
        for kind, extract in (("html", html_text.extract), ("pdf", pdf_text.extract)):
            path = None
            try:
                path = self._cached_or_download(kind, paper, counter)
                got = extract(path.read_bytes())
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
        text = FullText("abstract", abstract, error="; ".join(reasons), downloaded=counter[0])
        return text, "failed" if transient else "missing"


def read_file(path: Path) -> FullText:
    """The full text of a local HTML, PDF or plain-text file (``arxiv-monitor read``, ``verify``)."""
    data = path.read_bytes()
    if path.suffix.lower() in (".txt", ".text", ".md") and data[:5] != b"%PDF-":
        return FullText("text", [Section("Text", data.decode("utf-8", errors="replace"))])
    kind = "pdf" if data[:5] == b"%PDF-" or path.suffix.lower() == ".pdf" else "html"
    got = (pdf_text.extract if kind == "pdf" else html_text.extract)(data)
    return FullText(kind, got.sections, links=got.links)


def html_sections(data: bytes) -> list[Section]:
    """The sections of an arXiv HTML page (see ``html_text``)."""
    return html_text.extract(data).sections


def pdf_sections(data: bytes) -> list[Section]:
    """The sections of a PDF (see ``pdf_text``)."""
    return pdf_text.extract(data).sections
