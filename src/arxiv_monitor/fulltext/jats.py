"""A paper's text from JATS XML (bioRxiv and medRxiv): sections, captions, tables, links.

JATS is structured, so nothing is guessed as in a PDF:

* each top-level ``<sec>`` of the ``<body>`` is a section, titled by its ``<title>`` (with
  its ``<label>``); nested sections keep their titles as lines; a section without a title
  is named after its ``sec-type`` or label, and an empty one is skipped;
* figure and table captions are kept where the figure or table stands (``Figure 1.
  caption``); a table's rows follow its caption, each cell once, a row a line;
* math as TeX (``<tex-math>``) or as the text of its MathML;
* the reference list is dropped whole, so no reference text reaches the analysis;
  acknowledgements, data availability and supplementary material are kept (after the
  body), since they name the code and data;
* every ``<ext-link>``, ``<uri>`` and ``<self-uri>`` is a link (the code link is found
  there and in the data-availability text).

A file that is not well-formed XML, or not a JATS article, is refused (ValueError), so the
PDF is read instead.
"""

from __future__ import annotations

import re

from arxiv_monitor.core.models import Section
from arxiv_monitor.fulltext.sections import Extracted, should_drop

XLINK = "{http://www.w3.org/1999/xlink}href"
_WS = re.compile(r"\s+")
_SKIP = {"ref-list", "fn-group", "graphic", "media", "alternatives", "object-id", "xref"}
_BLOCKS = {"p", "disp-quote", "list-item", "statement", "def", "preformat", "code", "verse-line", "disp-formula"}


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el) -> str:
    """An element's text, its math as TeX, its inline links and xrefs as written."""
    parts: list[str] = []

    def walk(node) -> None:
        name = _local(node.tag)
        if name in ("tex-math",):
            parts.append(f"${(node.text or '').strip().strip('$')}$")
        elif name == "math":
            parts.append(" ".join("".join(node.itertext()).split()))
        elif name in ("inline-formula", "disp-formula") and node.find(".//{*}tex-math") is not None:
            walk(node.find(".//{*}tex-math"))
        elif name in ("fn", "ref-list"):
            pass
        elif name == "name":  # surname and given names, in reading order
            given, surname = node.find("{*}given-names"), node.find("{*}surname")
            parts.append(" ".join(_text(x) for x in (given, surname) if x is not None))
        else:
            parts.append(node.text or "")
            for child in node:
                walk(child)
                parts.append(child.tail or "")
    walk(el)
    return _WS.sub(" ", "".join(parts)).strip()


def _caption(el, kind: str) -> str:
    label = el.find("{*}label")
    caption = el.find("{*}caption")
    head = _text(label) if label is not None else kind
    body = " ".join(x for x in ([_text(c) for c in caption] or [_text(caption)]) if x) if caption is not None else ""
    return f"{head.rstrip('.:')}. {body}".strip() if body else head


def _table_rows(wrap) -> list[str]:
    rows = []
    for row in wrap.iter("{*}tr"):
        cells = [_text(c) for c in row if _local(c.tag) in ("td", "th")]
        if any(cells):
            rows.append(" | ".join(c for c in cells if c))
    return rows


def _lines(el, out: list[str], depth: int = 0) -> None:
    """The readable lines of a section's content, in document order."""
    for child in el:
        name = _local(child.tag)
        if name in _SKIP or name in ("label", "title"):  # a section's own heading is said by its parent
            continue
        if name == "sec":
            heading = _title_of(child, "")
            if heading and should_drop(heading):
                continue
            if heading:
                out.append(heading)
            _lines(child, out, depth + 1)
        elif name == "fig":
            out.append(_caption(child, "Figure"))
        elif name == "table-wrap":
            out.append(_caption(child, "Table"))
            out.extend(_table_rows(child))
            foot = child.find("{*}table-wrap-foot")
            if foot is not None and "".join(foot.itertext()).strip():  # its notes (footnotes) included
                out.append(_WS.sub(" ", " ".join(foot.itertext())).strip())
        elif name == "supplementary-material":
            out.append(_caption(child, "Supplementary material"))
        elif name == "list":
            _lines(child, out, depth + 1)
        elif name in _BLOCKS:
            text = _text(child)
            if text:
                out.append(text)
        elif name in ("boxed-text", "fig-group", "table-wrap-group", "app", "ack", "notes", "glossary"):
            _lines(child, out, depth + 1)


def _title_of(sec, fallback: str) -> str:
    """A section's heading: its label and title; without a title, its label and kind
    (``sec-type``), else ``fallback``."""
    label = sec.find("{*}label")
    title = sec.find("{*}title")
    kind = (sec.get("sec-type") or "").replace("-", " ").replace("|", " ").strip().capitalize()
    name = _text(title) if title is not None and _text(title) else kind
    text = " ".join(x for x in (_text(label) if label is not None else "", name) if x)
    return text or fallback


def _section(sec, fallback: str) -> Section | None:
    title = _title_of(sec, fallback)
    if should_drop(title):
        return None
    lines: list[str] = []
    _lines(sec, lines)
    body = "\n".join(x for x in lines if x)
    return Section(title, body) if body else None


def extract(data: bytes) -> Extracted:
    """Sections and links of a JATS article. Raises ValueError if it is not one."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"the JATS file is not well-formed XML ({exc})") from None
    if _local(root.tag) != "article":
        raise ValueError(f"not a JATS article (root element <{_local(root.tag)}>)")
    for refs in list(root.iter("{*}ref-list")):  # references never reach the text
        refs.getparent().remove(refs)
    links = [el.get(XLINK) for el in root.iter() if _local(el.tag) in ("ext-link", "uri", "self-uri")
             and el.get(XLINK)] + [_text(el) for el in root.iter() if _local(el.tag) == "uri" and not el.get(XLINK)]
    front, sections = _front(root)
    sections += _body(root) + _back(root)
    supplements = [_caption(el, "Supplementary material") for el in root.iter()
                   if _local(el.tag) == "supplementary-material" and el.getparent() is not None
                   and _local(el.getparent().tag) not in ("sec", "app", "body")]
    if supplements:
        sections.append(Section("Supplementary material", "\n".join(supplements)))
    if front:
        sections.insert(0, Section("Front matter", "\n".join(front)))
    if len([s for s in sections if s.title not in ("Front matter", "Abstract")]) == 0:
        raise ValueError("the JATS file has no body sections (only its abstract)")
    return Extracted(sections, list(dict.fromkeys(links)))


def _front(root) -> tuple[list[str], list[Section]]:
    """The title and authors (front matter lines), and the abstract as a section."""
    meta = root.find(".//{*}article-meta")
    front: list[str] = []
    if meta is None:
        return front, []
    title = meta.find(".//{*}article-title")
    if title is not None:
        front.append(_text(title))
    names = [_text(n) for n in meta.iter() if _local(n.tag) in ("name", "string-name", "collab")]
    if names:
        front.append(", ".join(names))
    abstracts = [a for a in meta.iter() if _local(a.tag) == "abstract" and a.get("abstract-type")
                 not in ("graphical", "toc", "teaser")]
    if not abstracts:
        return front, []
    lines: list[str] = []
    _lines(abstracts[0], lines)
    return front, [Section("Abstract", "\n".join(lines) or _text(abstracts[0]))]


def _body(root) -> list[Section]:
    """The body's sections; paragraphs before the first one become an Introduction."""
    from lxml import etree

    body = next((el for el in root if _local(el.tag) == "body"), None)
    if body is None:
        return []
    sections: list[Section] = []
    loose: list[str] = []
    for n, child in enumerate(body, start=1):
        if _local(child.tag) == "sec":
            if section := _section(child, f"Section {n}"):
                sections.append(section)
        else:
            holder = etree.Element("holder")
            holder.append(child.__copy__())
            _lines(holder, loose)
    return ([Section("Introduction", "\n".join(loose))] if loose else []) + sections


def _back(root) -> list[Section]:
    """Back-matter sections, acknowledgements and appendices (not the references)."""
    back = next((el for el in root if _local(el.tag) == "back"), None)
    out: list[Section] = []
    for child in back if back is not None else []:
        name = _local(child.tag)
        if name in ("sec", "ack", "app-group", "app", "notes"):
            for sec in ([child] if name != "app-group" else list(child)):
                if section := _section(sec, "Acknowledgements" if name == "ack" else "Appendix"):
                    out.append(section)
    return out
