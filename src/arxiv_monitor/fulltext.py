"""Stage 3: a paper's full text, from arXiv HTML (LaTeXML) or else the PDF.

Downloads are cached on disk under ``<cache>/html`` and ``<cache>/pdf``,
keyed by versioned id; a cached file is used without any network call, so a
user or a test can pre-seed the cache. Either source is turned into plain
text split into named sections, without references and appendix boilerplate.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import lxml.html
import pymupdf

from .errors import FetchError, HostUnreachable
from .models import FullText, Paper, Section
from .net import PoliteClient, TooLarge
from .sections import should_drop

log = logging.getLogger(__name__)

_WS = re.compile(r"\s+")
_DROP_XPATH = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_bibliography ')]"
    " | //script | //style | //nav | //header | //footer"
    " | //*[contains(@class, 'ltx_page_footer')] | //*[contains(@class, 'ltx_TOC')]"
    " | //*[contains(@class, 'ltx_note_mark')] | //*[contains(@class, 'ltx_tag_note')]"
)


def _text(el: lxml.html.HtmlElement) -> str:
    return _WS.sub(" ", " ".join(el.itertext())).strip()


# -- HTML (LaTeXML) ---------------------------------------------------------
def _prepare_html(root: lxml.html.HtmlElement) -> list[str]:
    """Math to ``$alttext$``, hrefs made visible; return footnote texts."""
    for math in root.xpath("//math"):
        alt = math.get("alttext") or _text(math)
        replacement = lxml.html.Element("span")
        replacement.text = f" ${alt}$ " if alt else " "
        replacement.tail = math.tail
        math.getparent().replace(math, replacement)
    for link in root.xpath("//a[starts-with(@href, 'http')]"):
        href = link.get("href")
        if href and href not in _text(link) and "arxiv.org" not in href:
            link.tail = f" <{href}>" + (link.tail or "")
    for el in root.xpath(_DROP_XPATH):
        el.drop_tree()
    footnotes = []
    for note in root.xpath("//*[contains(@class, 'ltx_note_outer')]"):
        footnotes.append(_text(note))
        note.drop_tree()
    return [f for f in footnotes if f]


def _walk(el: lxml.html.HtmlElement, out: list[str]) -> None:
    cls = el.get("class", "") if isinstance(el.tag, str) else ""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in {"h3", "h4", "h5", "h6"} and "ltx_title" in cls:
        out.append(_text(el))
    elif tag == "table" and "ltx_tabular" in cls:
        for row in el.xpath(".//tr"):
            cells = [_text(c) for c in row.xpath("./td|./th")]
            out.append(" | ".join(c for c in cells if c))
    elif tag in {"p", "figcaption", "pre"}:
        text = _text(el)
        if text:
            out.append(text)
    else:
        for child in el:
            _walk(child, out)


def _html_section(el: lxml.html.HtmlElement) -> Section | None:
    heading = el.xpath("./*[self::h1 or self::h2 or self::h3][contains(@class, 'ltx_title')]")
    title = _text(heading[0]) if heading else "Section"
    if heading:
        heading[0].drop_tree()
    if "ltx_appendix" in el.get("class", "") and not title.lower().startswith("appendix"):
        title = f"Appendix {title}"
    lines: list[str] = []
    _walk(el, lines)
    body = "\n".join(line for line in lines if line)
    return Section(title, body) if body and not should_drop(title) else None


def html_sections(data: bytes) -> list[Section]:
    """Sections of an arXiv HTML (LaTeXML) page. Raises ValueError if it is not one."""
    if b"ltx_document" not in data and b"ltx_page" not in data:
        raise ValueError("not a LaTeXML document (arXiv has no HTML for this paper)")
    root = lxml.html.fromstring(data)
    footnotes = _prepare_html(root)
    sections: list[Section] = []
    title = root.xpath("//*[contains(@class, 'ltx_title_document')]")
    front = [_text(title[0])] if title else []
    for abstract in root.xpath("//*[contains(@class, 'ltx_abstract')]")[:1]:
        for h in abstract.xpath(".//*[contains(@class, 'ltx_title')]"):
            h.drop_tree()
        sections.append(Section("Abstract", _text(abstract)))
    query = ("//section[contains(@class, 'ltx_section') or contains(@class, 'ltx_appendix')]"
             "[not(ancestor::section)]")
    for el in root.xpath(query):
        section = _html_section(el)
        if section:
            sections.append(section)
    if front or footnotes:
        sections.insert(0, Section("Front matter", "\n".join(front + footnotes)))
    if len(sections) <= 1:
        raise ValueError("the HTML page has no sections")
    return sections


# -- PDF --------------------------------------------------------------------
_PDF_HEADING = re.compile(
    r"^(?:(?P<num>\d{1,2}|[A-H])\.?\s+(?P<title>[A-Z][^\n]{1,70})"
    r"|(?P<named>Abstract|Introduction|Related Work|Background|Methods?|Methodology|Approach|"
    r"Experiments?|Evaluation|Results|Discussion|Conclusions?|Limitations|References|"
    r"Bibliography|Acknowledge?ments?|Appendix(?:\s+[A-Z].*)?))\s*$"
)
_NOISE = re.compile(r"^(\d{1,3}|arXiv:\d{4}\.\d{4,5}v\d+.*)$")


def _page_blocks(page: pymupdf.Page) -> list[str]:
    """Text blocks of one page in reading order, handling two columns.

    A page is two-column when a block wholly in its left half and one wholly
    in its right half sit side by side. Then blocks that cross the middle (titles, wide figures) split the
    page into bands, and each band is read left column first.
    """
    mid = page.rect.width / 2
    blocks = sorted((b for b in page.get_text("blocks") if b[6] == 0 and b[4].strip()),
                    key=lambda b: (round(b[1]), b[0]))
    right = [b for b in blocks if b[0] >= mid - 5]
    left = [b for b in blocks if b[2] <= mid + 5]
    side_by_side = any(lb[1] < rb[3] and rb[1] < lb[3] for lb in left for rb in right)
    if not side_by_side:
        return [b[4] for b in blocks]
    ordered: list[str] = []
    band: list[tuple] = []
    for block in blocks:
        if block[0] < mid - 10 and block[2] > mid + 10:
            ordered.extend(b[4] for b in sorted(band, key=lambda b: (b[0] >= mid - 5, b[1])))
            band = []
            ordered.append(block[4])
        else:
            band.append(block)
    ordered.extend(b[4] for b in sorted(band, key=lambda b: (b[0] >= mid - 5, b[1])))
    return ordered


def _join_lines(text: str) -> str:
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return _WS.sub(" ", text).strip()


def pdf_sections(data: bytes) -> list[Section]:
    """Sections of a PDF read with PyMuPDF. Raises ValueError for a corrupt PDF."""
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises its own FileDataError and others
        raise ValueError(f"corrupt PDF: {exc}") from exc
    sections: list[Section] = []
    title, body, dropping = "Front matter", [], False
    with doc:
        for page in doc:
            for raw in _page_blocks(page):
                text = _join_lines(raw)
                if _NOISE.match(text):
                    continue
                heading = _PDF_HEADING.match(text) if len(text) < 80 else None
                if heading:
                    if body and not dropping:
                        sections.append(Section(title, "\n".join(body)))
                    title, body = text, []
                    after_refs = dropping or title.lower() in {"references", "bibliography"}
                    dropping = should_drop(title) or (after_refs and not _is_appendix(title))
                    continue
                body.append(text)
    if body and not dropping:
        sections.append(Section(title, "\n".join(body)))
    if not sections or sum(len(s.text) for s in sections) < 200:
        raise ValueError("the PDF has no extractable text (scanned or empty)")
    return sections


def _is_appendix(title: str) -> bool:
    return bool(re.match(r"^(appendix|[A-H]\.?\s+[A-Z])", title, re.IGNORECASE))


# -- fetching ---------------------------------------------------------------
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
        for kind, parse in (("html", html_sections), ("pdf", pdf_sections)):
            path = None
            try:
                path = self._cached_or_download(kind, paper, counter)
                sections = parse(path.read_bytes())
                return FullText(kind, sections, downloaded=counter[0],
                                from_cache=counter[0] == 0), "ok"
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
