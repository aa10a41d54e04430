"""A paper's text from arXiv's HTML (LaTeXML): sections, equations, tables, listings, links.

* Inline math becomes ``$alttext$``; a display equation becomes its own line
  ``$$alttext$$`` (its equation number dropped).
* Each table cell is emitted once, a row a line, even when a cell holds a
  nested table; algorithm and code listings keep one line per listing line.
* A footnote stays where it is referenced, in parentheses, without LaTeXML's
  marks and labels, so an abstract's footnote (often the code link) stays in
  the abstract.
* The bibliography is dropped, and so is any section or subsection titled
  References or Bibliography; acknowledgements and checklists too.
* The page's charset is honoured, or sniffed (UTF-8, else Windows-1252).
* A page that shows LaTeXML's fatal-error marks (arXiv's "Conversion to HTML
  had a Fatal error" banner, or many undefined macros leaking into the text)
  is refused, so the PDF is read instead.
"""

from __future__ import annotations

import re

from arxiv_monitor.core.models import Section
from arxiv_monitor.fulltext.sections import Extracted, should_drop

_WS = re.compile(r"\s+")
_DROP = ("//*[contains(concat(' ', normalize-space(@class), ' '), ' ltx_bibliography ')]"
         " | //script | //style | //nav | //header | //footer"
         " | //*[contains(@class, 'ltx_page_footer')] | //*[contains(@class, 'ltx_TOC')]"
         " | //*[contains(@class, 'ltx_note_mark')] | //*[contains(@class, 'ltx_tag_note')]"
         " | //*[contains(@class, 'ltx_note_type')] | //*[contains(@class, 'ltx_tag_equation')]"
         " | //*[contains(@class, 'ltx_tag_listingline')] | //*[contains(@class, 'ltx_listing_data')]")
_FATAL = re.compile(r"Conversion to HTML had a Fatal error|This document may be truncated or damaged",
                    re.IGNORECASE)
MAX_UNDEFINED = 10


def _text(el) -> str:
    return _WS.sub(" ", "".join(el.itertext())).strip()


def _has(name: str) -> str:
    """An XPath test for the class token ``name`` (not a longer class that contains it)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def decode(data: bytes) -> str:
    """The page's text in its declared charset, else UTF-8, else Windows-1252."""
    head = data[:4096].decode("ascii", "replace")
    declared = re.search(r"""<meta[^>]+charset=["']?([\w-]+)""", head, re.IGNORECASE)
    for encoding in ([declared.group(1)] if declared else []) + ["utf-8", "cp1252"]:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", "replace")


def _check(root, source: str) -> None:
    if b"ltx_document" not in source.encode() and b"ltx_page" not in source.encode():
        raise ValueError("not a LaTeXML document (arXiv has no HTML for this paper)")
    if _FATAL.search(_text(root)[:3000]):
        raise ValueError("the HTML conversion failed (LaTeXML fatal error)")
    undefined = root.xpath("//*[contains(@class, 'ltx_ERROR')]")
    if len(undefined) >= MAX_UNDEFINED:
        names = ", ".join(dict.fromkeys(_text(e) for e in undefined[:5]))
        raise ValueError(f"the HTML conversion is broken ({len(undefined)} undefined macros such as {names})")


def _prepare(root) -> list[str]:
    """Math to TeX, link targets visible, footnotes in place; returns every link URL."""
    import lxml.html

    for math in root.xpath("//math"):
        alt = re.sub(r"%\s*\n\s*", "", math.get("alttext") or "") or _text(math)  # TeX line continuations
        replacement = lxml.html.Element("span")
        block = math.get("display") == "block"
        replacement.text = (f"\n$${alt}$$\n" if block else f" ${alt}$ ") if alt else " "
        replacement.tail = math.tail
        math.getparent().replace(math, replacement)
    links = []
    for link in root.xpath("//a[starts-with(@href, 'http')]"):
        href = link.get("href")
        if "arxiv.org" in href or "dlmf.nist.gov" in href:
            continue
        links.append(href)
        if href not in _text(link):
            link.tail = f" <{href}>" + (link.tail or "")
    for note in root.xpath("//*[contains(@class, 'ltx_note') and contains(@class, 'ltx_role_footnote')]"
                           " | //*[contains(@class, 'ltx_role_footnotetext')]"):
        content = note.xpath(".//*[contains(@class, 'ltx_note_content')]")
        for junk in note.xpath(".//*[contains(@class, 'ltx_note_mark') or contains(@class, 'ltx_tag_note')"
                               " or contains(@class, 'ltx_note_type')]"):
            junk.drop_tree()
        text = _text(content[0]) if content else _text(note)
        replacement = lxml.html.Element("span")
        replacement.text = f" ({text})" if text else ""
        replacement.tail = note.tail
        note.getparent().replace(note, replacement)
    for el in root.xpath(_DROP):
        el.drop_tree()
    return list(dict.fromkeys(links))


def _cls(el) -> str:
    return el.get("class", "") if isinstance(el.tag, str) else ""


def _walk(el, out: list[str]) -> None:
    cls, tag = _cls(el), el.tag if isinstance(el.tag, str) else ""
    if tag in {"h3", "h4", "h5", "h6"} and "ltx_title" in cls:
        out.append(_text(el))
    elif "ltx_equation" in cls or "ltx_equationgroup" in cls:
        out.append(" ".join(_text(el).split()))
    elif (tag == "table" or "ltx_tabular" in cls) and ("ltx_tabular" in cls or "ltx_table" in cls):
        for row in el.xpath("./tr | ./tbody/tr | ./thead/tr | ./tfoot/tr | ./*[contains(@class, 'ltx_tbody')]"
                            "/*[contains(@class, 'ltx_tr')] | ./*[contains(@class, 'ltx_tr')]"):
            cells = [_text(c) for c in row.xpath("./td | ./th | ./*[contains(@class, 'ltx_td')]")]
            if any(cells):
                out.append(" | ".join(c for c in cells if c))
    elif "ltx_listingline" in cls:  # code keeps its spacing and indentation
        line = "".join(el.itertext()).replace("\xa0", " ").strip("\n").rstrip()
        if line.strip():
            out.append(line)
    elif tag in {"p", "figcaption", "pre"} or "ltx_caption" in cls:
        text = _text(el)
        if text:
            out.append(text)
    else:
        for child in el:
            _walk(child, out)


def _is_references(el) -> bool:
    title = el.xpath("./*[contains(@class, 'ltx_title')]")
    return bool(title) and should_drop(_text(title[0]))


def _section(el) -> Section | None:
    heading = el.xpath("./*[self::h1 or self::h2 or self::h3][contains(@class, 'ltx_title')]")
    title = _text(heading[0]) if heading else "Section"
    if heading:
        heading[0].drop_tree()
    if "ltx_appendix" in el.get("class", "") and not title.lower().startswith("appendix"):
        title = f"Appendix {title}"
    if should_drop(title):
        return None
    for sub in el.xpath(".//section[contains(@class, 'ltx_subsection') or contains(@class, 'ltx_subsubsection')"
                        " or contains(@class, 'ltx_paragraph')]"):
        if _is_references(sub):
            sub.drop_tree()
    lines: list[str] = []
    _walk(el, lines)
    body = "\n".join(line for line in lines if line)
    return Section(title, body) if body else None


def extract(data: bytes) -> Extracted:
    """Sections and links of an arXiv HTML (LaTeXML) page. Raises ValueError if it is not one,
    or if its conversion failed."""
    import lxml.html

    source = decode(data)
    root = lxml.html.document_fromstring(source)
    _check(root, source)
    links = _prepare(root)
    sections: list[Section] = []
    title = root.xpath("//*[contains(@class, 'ltx_title_document')]")
    front = [_text(title[0])] if title else []
    front += [_text(a) for a in root.xpath(f"//*[{_has('ltx_authors')}]")[:1]]
    for abstract in root.xpath(f"//*[{_has('ltx_abstract')}]")[:1]:
        for h in abstract.xpath(".//*[contains(@class, 'ltx_title')]"):
            h.drop_tree()
        lines: list[str] = []
        _walk(abstract, lines)
        sections.append(Section("Abstract", "\n".join(lines) or _text(abstract)))
    query = ("//section[contains(@class, 'ltx_section') or contains(@class, 'ltx_appendix')]"
             "[not(ancestor::section)]")
    for el in root.xpath(query):
        section = _section(el)
        if section:
            sections.append(section)
    if front:
        sections.insert(0, Section("Front matter", "\n".join(front)))
    if len(sections) <= 1:
        raise ValueError("the HTML page has no sections")
    return Extracted(sections, links)
