"""Atom feeds of the kept papers (all, or one topic's) and the reading list as BibTeX.

Any feed reader, and Zotero's feed subscriptions, can follow the feeds; the BibTeX
imports into Zotero (one entry per paper: arXiv id, DOI when known, authors,
title, year, URL).
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from arxiv_monitor import __version__
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.models import Paper
from arxiv_monitor.report import views
from arxiv_monitor.report.assemble import entry_of
from arxiv_monitor.store import Store

ATOM = "http://www.w3.org/2005/Atom"
LIMIT = 100


def atom(config: Config, store: Store, topic: str | None = None, page_url=None) -> bytes:
    """The feed of the latest kept papers (of one topic), newest first, with each TL;DR.
    ``page_url(arxiv_id)`` gives a paper's page (else its arXiv page)."""
    items = store.days.recent_kept(topic, LIMIT)
    labels = {t.id: t.label for t in config.topic_list}
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    title = "arxiv-monitor" + (f" · {labels.get(topic, topic)}" if topic else "")
    etree.SubElement(feed, f"{{{ATOM}}}title").text = title
    etree.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:arxiv-monitor:{topic or 'all'}"
    etree.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(items[0][0] if items else dt.date.today().isoformat())
    etree.SubElement(feed, f"{{{ATOM}}}generator", version=__version__).text = "arxiv-monitor"
    for day, item in items:
        paper = item.paper
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        etree.SubElement(entry, f"{{{ATOM}}}title").text = paper.title
        etree.SubElement(entry, f"{{{ATOM}}}id").text = paper.abs_url
        etree.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(day)
        link = page_url(paper.id) if page_url else paper.abs_url
        etree.SubElement(entry, f"{{{ATOM}}}link", href=link)
        etree.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=paper.abs_url, title=paper.source_label)
        for name in paper.authors:
            etree.SubElement(etree.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = name
        for category in paper.categories:
            etree.SubElement(entry, f"{{{ATOM}}}category", term=category)
        shown = entry_of(config, store, item)
        summary = views.tldr(shown) or paper.abstract
        etree.SubElement(entry, f"{{{ATOM}}}summary").text = summary
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _stamp(day: str) -> str:
    return f"{day}T00:00:00Z"


def bibtex(papers: list[Paper]) -> str:
    """One BibTeX entry per paper, as Zotero imports them (bibtexparser writes it)."""
    from bibtexparser.bibdatabase import BibDatabase
    from bibtexparser.bwriter import BibTexWriter

    db = BibDatabase()
    for p in papers:
        entry = {"ENTRYTYPE": "misc", "ID": p.source + re.sub(r"\W", "_", p.ref.key),
                 "title": "{" + p.title + "}", "author": " and ".join(p.authors) or "Anonymous", "url": p.abs_url}
        if p.source == "arxiv":
            entry.update(eprint=p.id, archiveprefix="arXiv")
            if p.primary_category:
                entry["primaryclass"] = p.primary_category
        else:  # a bioRxiv or medRxiv preprint: cited by its DOI
            entry.update(howpublished=p.source_label, publisher="Cold Spring Harbor Laboratory"
                         if p.source in ("biorxiv", "medrxiv") else p.source_label)
        if p.year:
            entry["year"] = str(p.year)
        if p.doi:
            entry["doi"] = p.doi
        db.entries.append(entry)
    writer = BibTexWriter()
    writer.indent = "  "
    return writer.write(db)
