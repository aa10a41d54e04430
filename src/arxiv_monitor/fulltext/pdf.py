"""A paper's text from its PDF (PyMuPDF): reading order, headings, words and links.

* **Reading order.** Text lines in one or two columns; a line that crosses the
  middle (a title, a wide figure) splits the page into bands, each read left
  column first. Lines on the same baseline (a section number and its title)
  are one line. Running headers and footers that repeat on every page, page
  numbers and arXiv's side stamp are dropped.
* **Headings** are found by their style and their form: larger, bold, all
  capitals (small caps included) or italic text, numbered ``3``, ``3.1``,
  ``III.``, ``C.``, ``Appendix A``, or one of the usual unnumbered names
  (Abstract, References, Acknowledgments …). A run-in ``Abstract.`` or
  ``Abstract—`` starts the abstract. Figure and table captions, algorithm
  lines and equations never count.
* **Words broken at a line end** are joined against the document's own
  vocabulary: a word the document writes elsewhere with or without its
  hyphen is written so again; ``X-/Embodiment``, ``OpenVLA-/OFT`` and
  ``LLM-/based`` keep their hyphen (a capital or an acronym says so); else an
  English word list decides: ``rep-/resentation`` becomes "representation",
  while ``zero-/shot`` joins two words and keeps its hyphen. Inside a URL or
  a path a line-end hyphen is always kept (``github.com/robot-/lab``).
* **Links**: the PDF's link annotations give every URL exactly; a URL broken
  across lines in the text is mended from them, with or without a line-end
  hyphen, as the annotation has it.
* **Bibliography**: dropped under its heading, and also without one, from the
  first run of reference entries (``[12] A. Author, …``).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.core.models import Section
from arxiv_monitor.fulltext.sections import Extracted, is_appendix, should_drop

_MATH_FONTS = re.compile(r"^(CMMI|CMSY|CMEX|MSAM|MSBM|STIX|Math|rsfs|eufm|CMBSY|txsy|txex)", re.IGNORECASE)
_NUMBER = r"(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,6}\.|[A-H](?:\.\d{1,2})*\.?|Appendix\s+[A-Z0-9]{1,2}[.:]?)"
_NUMBERED = re.compile(rf"^(?P<num>{_NUMBER})\s+(?P<title>[A-Za-z][^\n]{{0,90}})$")
_NAMED = re.compile(
    r"^(abstract|introduction|related work|background|preliminaries|methods?|methodology|approach|"
    r"experiments?|evaluation|results|discussion|conclusions?|limitations|references|bibliography|"
    r"acknowledge?ments?|appendix|appendices|supplementary material|broader impact)s?$", re.IGNORECASE)
_RUN_IN = re.compile(r"^(?P<name>Abstract|ABSTRACT)\s*[.:—–-]\s*(?P<rest>.+)$")
_CAPTION = re.compile(r"^(fig\.?|figure|table|algorithm|listing|require|ensure)\s*[\d:.]", re.IGNORECASE)
_REFERENCE = re.compile(r"^(\[\d{1,3}\]|\d{1,3}\.\s+[A-Z][\w'’-]+,\s+[A-Z]\.|[A-Z][\w'’-]+,\s+[A-Z]\.(\s?[A-Z]\.)*[,:]?\s)")
_STAMP = re.compile(r"^(\d{1,3}|arXiv:\d{4}\.\d{4,5}v\d+.*|page \d+( of \d+)?)$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")


@dataclass
class Line:
    """One visual line of text with its style."""

    text: str
    size: float
    bold: bool
    italic: bool
    math: bool
    x0: float
    y0: float
    x1: float
    y1: float
    page: int
    first_bold: str = ""  # the leading bold run (a run-in heading)
    new_block: bool = False  # the first line of a PDF text block


def _line(spans: list[dict], page: int, new_block: bool) -> Line | None:
    text = "".join(s["text"] for s in spans)
    if not text.strip():
        return None
    letters = [s for s in spans if s["text"].strip()]
    sizes = Counter()
    for s in letters:
        sizes[round(s["size"], 1)] += len(s["text"].strip())
    bold = all(s["flags"] & 16 or "Bold" in s["font"] or "Medi" in s["font"] or "BX" in s["font"] for s in letters)
    italic = all(s["flags"] & 2 or "Ital" in s["font"] or s["font"].startswith("CMTI") for s in letters)
    lead = ""
    for s in spans:
        if s["flags"] & 16 or "BX" in s["font"] or "Bold" in s["font"] or "Medi" in s["font"]:
            lead += s["text"]
        elif s["text"].strip():
            break
        else:
            lead += s["text"]
    math = sum(len(s["text"]) for s in letters if _MATH_FONTS.match(s["font"])) > 0
    xs = [s["bbox"] for s in spans]
    return Line(re.sub(r"\s+", " ", text).strip(), sizes.most_common(1)[0][0], bold, italic, math,
                min(b[0] for b in xs), min(b[1] for b in xs), max(b[2] for b in xs), max(b[3] for b in xs),
                page, lead.strip(), new_block)


def _page_lines(page, number: int) -> list[Line]:
    """The page's lines in reading order (see the module docstring)."""
    raw = []
    for block in page.get_text("dict", flags=0)["blocks"]:
        for k, line in enumerate(block.get("lines", [])):
            made = _line(line["spans"], number, k == 0)
            if made:
                raw.append(made)
    merged: list[Line] = []
    for ln in _reading_order(raw, page.rect.width):  # columns first: a baseline never spans them
        prev = merged[-1] if merged else None
        if prev and abs(prev.y1 - ln.y1) < 2.5 and 0 <= ln.x0 - prev.x1 < 2 * ln.size and \
                not (ln.math or prev.math):
            merged[-1] = _join_same_baseline(prev, ln)
        else:
            merged.append(ln)
    return merged


def _join_same_baseline(a: Line, b: Line) -> Line:
    text = f"{a.text} {b.text}"
    bold = a.bold and b.bold
    return Line(text, max(a.size, b.size), bold, a.italic and b.italic, a.math or b.math, a.x0, min(a.y0, b.y0),
                b.x1, max(a.y1, b.y1), a.page, a.first_bold + (" " + b.first_bold if a.bold else ""),
                a.new_block or b.new_block)


def _reading_order(lines: list[Line], width: float) -> list[Line]:
    mid = width / 2
    left = [ln for ln in lines if ln.x1 <= mid + 8]
    right = [ln for ln in lines if ln.x0 >= mid - 8]
    # a page is in two columns when some full column-width line sits wholly in each half
    two_columns = any(ln.x1 - ln.x0 > 0.3 * width for ln in left) and \
        any(ln.x1 - ln.x0 > 0.3 * width for ln in right)
    if not two_columns:
        return sorted(lines, key=lambda l: (l.y0, l.x0))
    cuts = _band_cuts(left, right)
    ordered, band = [], []
    for ln in sorted(lines, key=lambda l: (l.y0, l.x0)):
        if (ln.x0 < mid - 20 and ln.x1 > mid + 20) or (cuts and ln.y0 > cuts[0]):
            ordered += sorted(band, key=lambda l: (l.x0 >= mid - 8, l.y0, l.x0))
            band = []
            while cuts and ln.y0 > cuts[0]:
                cuts.pop(0)
            if ln.x0 < mid - 20 and ln.x1 > mid + 20:  # crosses the middle: a band of its own
                ordered.append(ln)
                continue
        band.append(ln)
    return ordered + sorted(band, key=lambda l: (l.x0 >= mid - 8, l.y0, l.x0))


def _band_cuts(left: list[Line], right: list[Line]) -> list[float]:
    """Heights where both columns have a wide gap at once: balanced columns end there, and
    what follows (a bibliography set in two columns, say) is a new band."""
    def gaps(column: list[Line]) -> list[tuple[float, float]]:
        ys = sorted((ln.y0, ln.y1) for ln in column)
        size = sorted(ln.y1 - ln.y0 for ln in column)[len(column) // 2] if column else 10
        return [(a[1], b[0]) for a, b in zip(ys, ys[1:]) if b[0] - a[1] > 2.2 * size]
    cuts = []
    for l0, l1 in gaps(left):
        for r0, r1 in gaps(right):
            top, bottom = max(l0, r0), min(l1, r1)
            if bottom - top >= 8:
                cuts.append((top + bottom) / 2)
    return sorted(cuts)


def _repeated(pages: list[list[Line]], height: float) -> set[str]:
    """Running headers and footers: the same text at the top or bottom of several pages."""
    seen: Counter = Counter()
    for lines in pages:
        edge = {re.sub(r"\d+", "#", ln.text) for ln in lines if ln.y0 < height * 0.09 or ln.y1 > height * 0.93}
        seen.update(edge)
    return {text for text, n in seen.items() if n >= 2 and len(pages) >= 2}


def _body_size(lines: list[Line]) -> float:
    sizes: Counter = Counter()
    for ln in lines:
        sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _heading(ln: Line, body: float) -> str | None:
    """The heading text of a line that is a section heading, else None."""
    text = ln.text.strip()
    if len(text) > 90 or ln.math or _CAPTION.match(text) or text.endswith((",", ";")):
        return None
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3 or len(text.split()) > 12:
        return None
    words = re.sub(rf"^{_NUMBER}\s+", "", text)
    caps = sum(c.isupper() for c in words if c.isalpha()) >= 0.9 * max(1, sum(c.isalpha() for c in words))
    strong = ln.size >= body + 0.8 or ln.bold or caps
    if _NUMBERED.match(text) and not words.endswith(".") and (strong or (ln.italic and re.match(r"^[A-H]\.", text))):
        return text
    if _NAMED.match(words.rstrip(".:")) and strong:
        return text.rstrip(".:")
    return None


def _vocabulary(lines: list[Line]) -> tuple[Counter, Counter]:
    """Words as the document writes them: whole words (also the parts of its compounds), and
    hyphenated compounds. A word broken at a line's end is not counted."""
    plain, hyphenated = Counter(), Counter()
    for ln in lines:
        words = _WORD.findall(ln.text.rstrip("-") if ln.text.endswith("-") else ln.text)
        if ln.text.endswith("-") and words:
            words = words[:-1]
        for w in words[1:] if words and words[0][:1].islower() else words:  # may end a broken word
            if "-" in w:
                hyphenated[w.lower()] += 1
                for part in w.lower().split("-"):
                    plain[part] += 1
            else:
                plain[w.lower()] += 1
    return plain, hyphenated


def _join(a: str, b: str, plain: Counter, hyphenated: Counter) -> str:
    """Join two lines of one paragraph, mending a word broken at the end of ``a``."""
    m = re.search(r"([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)-$", a)
    n = re.match(r"([A-Za-z0-9]+)", b)
    if not m or not n:
        return f"{a} {b}"
    left, right = m.group(1), n.group(1)
    if re.search(r"(?:https?://|www\.|[\w-]\.(?:com|org|io|net|edu|ai|dev|app)/)[\w.~/%+-]*$", a[:m.start(1)]):
        return a + b  # inside a URL or a path a hyphen is the URL's ("embodied-\nlab"), never TeX's
    head, last = left.rsplit("-", 1) if "-" in left else ("", left)
    whole, kept = (last + right).lower(), f"{last}-{right}".lower()
    if plain[whole] or hyphenated[kept]:
        keep = hyphenated[kept] >= plain[whole]  # as the document writes it elsewhere
    elif right[0].isupper() or last.isupper() or any(c.isdigit() for c in last + right) or head:
        keep = True  # a name or an acronym: "X-Embodiment", "LLM-based", "OpenVLA-OFT"
    else:  # English decides: "rep-resentation" is one word, "zero-shot" two
        english = _english()
        keep = not english[whole] and english[last.lower()] > 0 and english[right.lower()] > 0
    return a + b if keep else a[:-1] + b


@functools.lru_cache(maxsize=1)
def _english() -> Any:
    """English word frequencies (pyspellchecker's list), loaded on the first ambiguous break."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1).word_frequency


def _mend_urls(text: str, links: list[str]) -> str:
    """Put back URLs that a line break split, using the exact URLs of the link annotations."""
    for url in sorted(links, key=len, reverse=True):
        if url in text or len(url) < 12:
            continue
        # a line break may split it anywhere; a font without "_" prints a space instead
        # and a hyphen at a line's end may be TeX's, not the URL's: the annotation decides
        pattern = r"-?\s?".join(r"[_\s]" if c == "_" else re.escape(c) for c in url.split("://", 1)[-1])
        text = re.sub(rf"(?:https?://\s?)?{pattern}", url, text)
    return text


def _paragraphs(lines: list[Line], plain: Counter, hyphenated: Counter) -> list[str]:
    """Lines joined into paragraphs (a new block, or a large vertical gap, starts one)."""
    out: list[str] = []
    prev: Line | None = None
    for ln in lines:
        gap = prev is not None and (ln.page != prev.page or ln.y0 - prev.y1 > 0.9 * ln.size or ln.y0 < prev.y0 - 5)
        if prev is None or (ln.new_block and gap) or ln.math or (prev.math and not ln.math):
            out.append(ln.text)
        else:
            out[-1] = _join(out[-1], ln.text, plain, hyphenated)
        prev = ln
    return out


def extract(data: bytes) -> Extracted:
    """The sections and links of a PDF. Raises ValueError for a PDF that does not open or
    has no text (scanned, or cut short)."""
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises its own FileDataError and others
        raise ValueError(f"corrupt PDF: {exc}") from exc
    with doc:
        if doc.page_count == 0:
            raise ValueError("corrupt PDF: no pages")
        height = doc[0].rect.height
        pages = [_page_lines(page, n) for n, page in enumerate(doc)]
        links = list(dict.fromkeys(link["uri"] for page in doc for link in page.get_links()
                                   if link.get("uri", "").startswith("http")))
        count = doc.page_count
    noise = _repeated(pages, height)
    lines = [ln for page in pages for ln in page
             if not _STAMP.match(ln.text) and re.sub(r"\d+", "#", ln.text) not in noise]
    sections = _sections(lines, links)
    if not sections or sum(len(s.text) for s in sections) < 200:
        raise ValueError("the PDF has no extractable text (scanned or empty)")
    return Extracted(sections, links, count)


def _sections(lines: list[Line], links: list[str]) -> list[Section]:
    body_size = _body_size(lines)
    plain, hyphenated = _vocabulary(lines)
    sections: list[Section] = []
    title, chunk, dropping, after_refs, refs_run = "Front matter", [], False, False, 0

    def close() -> None:
        if chunk and not dropping:
            text = _mend_urls("\n".join(_paragraphs(chunk, plain, hyphenated)), links)
            sections.append(Section(title, text))

    for i, ln in enumerate(lines):
        heading = _heading(ln, body_size)
        run_in = _RUN_IN.match(ln.text) if (ln.first_bold.lower().startswith("abstract") or ln.bold
                                            or ln.italic) and not heading else None
        if heading is None and run_in is None and _REFERENCE.match(ln.text) and not dropping:
            refs_run = refs_run + 1 if ln.new_block or refs_run == 0 else refs_run
            if refs_run >= 3 and _references_follow(lines, i):
                close()
                title, chunk, dropping, after_refs = "References", [], True, True
            chunk.append(ln)
            continue
        refs_run = 0 if heading or not ln.new_block else refs_run
        if run_in:
            close()
            title, chunk, dropping = "Abstract", [], False
            chunk.append(Line(run_in.group("rest"), ln.size, False, False, False, ln.x0, ln.y0, ln.x1,
                              ln.y1, ln.page, "", True))
            continue
        if heading:
            close()
            title, chunk = _display_title(heading), []
            after_refs = after_refs or _is_refs(title)
            dropping = should_drop(title) or (after_refs and not is_appendix(title))
            continue
        chunk.append(ln)
    close()
    return _abstract_named(sections)


def _references_follow(lines: list[Line], start: int) -> bool:
    """Most of the next lines that start a block look like reference entries too."""
    starts = [ln for ln in lines[max(0, start - 3):start + 30] if ln.new_block]
    return sum(bool(_REFERENCE.match(ln.text)) for ln in starts) >= max(3, len(starts) // 2)


def _is_refs(title: str) -> bool:
    return bool(re.match(r"^(references|bibliography)$", re.sub(rf"^{_NUMBER}\s+", "", title), re.IGNORECASE))


def _display_title(text: str) -> str:
    """``"II. RELATED WORK"`` -> ``"II. Related Work"``: headings set in capitals read as titles."""
    num = re.match(rf"^{_NUMBER}\s+", text)
    head, rest = (text[:num.end()], text[num.end():]) if num else ("", text)
    if rest.isupper():
        rest = " ".join(w.capitalize() for w in rest.split())
    return head + rest


def _abstract_named(sections: list[Section]) -> list[Section]:
    """With no abstract heading (REVTeX), the front matter's last long paragraph is the abstract."""
    if any(s.title == "Abstract" for s in sections) or not sections or sections[0].title != "Front matter":
        return sections
    paras = sections[0].text.split("\n")
    long = [k for k, p in enumerate(paras) if len(p.split()) >= 40]
    if not long:
        return sections
    k = long[-1]
    front = "\n".join(paras[:k] + paras[k + 1:])
    named = [Section("Abstract", paras[k])]
    return ([Section("Front matter", front)] if front.strip() else []) + named + sections[1:]
