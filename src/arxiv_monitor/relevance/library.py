"""Seeding a topic from the user's own library, as zotero-arxiv-daily does.

A topic's ``[topics.library]`` names a Zotero library (the web API with a user
or group id and a key, or Zotero 7's local API) or an export file (BibTeX,
CSL-JSON, RIS). Its most recently added items become the topic's example
papers:

* an item with an arXiv id (its archive id, URL, DOI ``10.48550/arXiv.…`` or
  an ``arXiv:`` line) takes its title and abstract from arXiv (stored once);
* an item with a DOI and no abstract of its own takes Crossref's;
* any other item uses its own abstract field; an item with none is skipped,
  and counted;
* recent items weigh more: the newest weighs 1, the oldest ``OLDEST_WEIGHT``
  (its similarity counts that much), on a log scale of the rank.

The resolved items are stored (``store.libraries``) and read again once a day
(an export file only when it changes); when the library cannot be read, the
stored copy is used with a warning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from arxiv_monitor.core.errors import FetchError, MonitorError
from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import Paper
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.core.topics import LibrarySource, TopicConfig
from arxiv_monitor.relevance.rank import Examples
from arxiv_monitor.sources.arxiv.ids import ArxivId
from arxiv_monitor.store import Store

if TYPE_CHECKING:
    from arxiv_monitor.sources.base import Sources

PAGE = 100  # the Zotero API's largest page
OLDEST_WEIGHT = 0.85
CROSSREF = "https://api.crossref.org/works"
_DOI_ARXIV = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)

log = logging.getLogger(__name__)


class LibraryError(MonitorError):
    """A topic library cannot be read: the message names it and what to do."""


@dataclass
class LibraryItem:
    """One item of a library, before and after resolving it to a title and abstract."""

    title: str
    abstract: str = ""
    arxiv_id: str = ""
    doi: str = ""
    added: str = ""  # when it was added (or published), ISO; newest first

    @property
    def id(self) -> str:
        if self.arxiv_id:
            return self.arxiv_id
        if self.doi:
            return f"doi:{self.doi.lower()}"
        return "lib:" + hashlib.sha1(self.title.casefold().encode()).hexdigest()[:12]


def arxiv_id_in(*fields: str) -> str:
    """The arXiv id in fields that name one: an archive id or eprint, an arxiv.org URL, an
    arXiv DOI, an ``arXiv:`` line (never a bare number, which a DOI may contain)."""
    for text in fields:
        text = text or ""
        found = _DOI_ARXIV.search(text)
        if found and (aid := ArxivId.search(found.group(1))):
            return aid.bare
        if re.search(r"arxiv", text, re.IGNORECASE) and (aid := ArxivId.search(text)):
            return aid.bare
    return ""


def _newest_first(items: list[LibraryItem]) -> list[LibraryItem]:
    dated = sorted((i for i in items if i.added), key=lambda i: i.added, reverse=True)
    return dated + [i for i in items if not i.added]


def _clean(text: str) -> str:
    return " ".join(re.sub(r"[{}]", "", text or "").split())


# --- export files ----------------------------------------------------------------------------

def read_file(path: Path, warnings: list[str] | None = None) -> list[LibraryItem]:
    """The items of a BibTeX (.bib), CSL-JSON (.json) or RIS (.ris) export, newest first.
    A file that is not UTF-8 is read as Windows-1252 (Latin-1), with a warning; a binary,
    empty or malformed one is a LibraryError naming it."""
    try:
        data = path.expanduser().read_bytes()
    except OSError as exc:
        raise LibraryError(f"Cannot read the library file {path}: {exc.strerror}. Check [topics.library] "
                           "file = … (export your library from Zotero as BibTeX, CSL JSON or RIS).") from None
    suffix = path.suffix.lower()
    if b"\0" in data[:65536]:
        raise LibraryError(f"{path} is a binary file, not a library export: export the library from Zotero "
                           "as BibTeX, CSL JSON or RIS and point [topics.library] file at it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        if warnings is not None:
            warnings.append(f"{path} is not UTF-8 (byte {exc.start}): read as Windows-1252/Latin-1; export it "
                            "again as UTF-8 if titles look wrong.")
    if not text.strip():
        raise LibraryError(f"{path} is empty: export the library again.")
    try:
        if suffix in (".bib", ".bibtex"):
            items = _bibtex(text)
        elif suffix in (".json", ".csljson"):
            items = _csl(json.loads(text))
        elif suffix in (".ris", ".txt"):
            items = _ris(text)
        else:
            raise LibraryError(f"{path}: not a library export this tool reads; use a .bib (BibTeX), "
                               ".json (CSL JSON) or .ris (RIS) file.")
    except LibraryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser's complaint about a malformed file
        raise LibraryError(f"{path} is not a readable {suffix[1:]} export ({exc}); export it again.") from None
    if not items:
        raise LibraryError(f"{path} has no entry with a title: is it a {suffix[1:]} export? Export it again.")
    return _newest_first(items)


def _bibtex(text: str) -> list[LibraryItem]:
    import bibtexparser
    from bibtexparser.bparser import BibTexParser
    from bibtexparser.customization import convert_to_unicode

    parser = BibTexParser(common_strings=True, customization=convert_to_unicode)
    parser.ignore_nonstandard_types = False
    out = []
    for e in bibtexparser.loads(text, parser).entries:
        if not e.get("title"):
            continue
        eprint = e.get("eprint", "") if e.get("archiveprefix", "arxiv").lower() == "arxiv" else ""
        arxiv = ArxivId.search(eprint).bare if ArxivId.search(eprint) else \
            arxiv_id_in(e.get("doi", ""), e.get("url", ""), e.get("journal", ""), e.get("note", ""))
        added = e.get("date-added") or e.get("added-at") or e.get("timestamp") or e.get("urldate") or ""
        if not added and e.get("year", "").isdigit():
            added = e["year"]
        out.append(LibraryItem(_clean(e["title"]), _clean(e.get("abstract", "")), arxiv,
                               e.get("doi", "").strip(), added[:10]))
    return out


def _csl(data: Any) -> list[LibraryItem]:
    records = data.get("items", []) if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ValueError("expected a list of CSL items")
    out = []
    for r in records:
        if not isinstance(r, dict) or not r.get("title"):
            continue
        arxiv = arxiv_id_in(r.get("DOI", ""), r.get("URL", ""), str(r.get("number", "")),
                            r.get("archive_location", ""), r.get("note", ""))
        parts = ((r.get("accessed") or r.get("issued") or {}).get("date-parts") or [[]])[0]
        added = "-".join(f"{int(p):02d}" for p in parts if str(p).isdigit())
        out.append(LibraryItem(_clean(r["title"]), _clean(r.get("abstract", "")), arxiv,
                               r.get("DOI", "").strip(), added))
    return out


def _ris(text: str) -> list[LibraryItem]:
    import rispy

    out = []
    for r in rispy.loads(text):
        title = r.get("title") or r.get("primary_title") or ""
        if not title:
            continue
        urls = r.get("urls") or []
        arxiv = arxiv_id_in(r.get("doi", ""), *urls, " ".join(r.get("notes") or []))
        added = (r.get("access_date") or r.get("date") or r.get("year") or "").replace("/", "-").strip("-")
        out.append(LibraryItem(_clean(title), _clean(r.get("abstract", "")), arxiv, r.get("doi", "").strip(),
                               added[:10]))
    return out


# --- Zotero ----------------------------------------------------------------------------------

def read_zotero(source: LibrarySource, key: str) -> list[LibraryItem]:
    """The most recently added top-level items of a Zotero library or collection (pyzotero,
    following the API's ``Link: rel="next"`` pages)."""
    from pyzotero import zotero

    kind, _, number = source.zotero.partition(":")
    try:
        if source.zotero == "local":
            zot = zotero.Zotero(0, "user", local=True)
        else:
            zot = zotero.Zotero(number, kind, api_key=key or None)
        if source.url:
            zot.endpoint = source.url.rstrip("/")
        params = {"sort": "dateAdded", "direction": "desc", "limit": min(PAGE, source.limit)}
        rows = zot.collection_items_top(source.collection, **params) if source.collection else zot.top(**params)
        out = _zotero_items(rows)
        while len(out) < source.limit and zot.links and zot.links.get("next"):
            out += _zotero_items(zot.follow())
    except Exception as exc:  # noqa: BLE001 - pyzotero's errors, and the HTTP client's
        raise LibraryError(_zotero_advice(source, exc)) from None
    return _newest_first(out[: source.limit])


def _zotero_items(rows: list[Any]) -> list[LibraryItem]:
    """Papers among the API's items (not notes or attachments), with their fields."""
    out = []
    for row in rows:
        d = row.get("data", row) if isinstance(row, dict) else {}
        if d.get("itemType") in ("attachment", "note", "annotation") or not d.get("title"):
            continue
        extra = [line for line in (d.get("extra") or "").splitlines() if "arxiv" in line.lower()]
        arxiv = arxiv_id_in(d.get("archiveID", ""), d.get("DOI", ""), d.get("url", ""), *extra)
        out.append(LibraryItem(_clean(d["title"]), _clean(d.get("abstractNote", "")), arxiv,
                               (d.get("DOI") or "").strip(), (d.get("dateAdded") or "")[:10]))
    return out


def _zotero_advice(source: LibrarySource, exc: Exception) -> str:
    name = type(exc).__name__
    where = f"the Zotero library {source.name}"
    if "NotAuthorised" in name or "403" in str(exc):
        return (f"Zotero refused {where}: check [topics.library] key (a key with read access to this "
                "library, from zotero.org/settings/keys) and the user or group id.")
    if "NotFound" in name or "404" in str(exc):
        return f"Zotero does not know {where}: check the user or group id and the collection key."
    if source.zotero == "local":
        return (f"Cannot reach {where} ({name}): is Zotero 7 running, with \u201cAllow other applications "
                "to communicate with Zotero\u201d checked in its Advanced settings?")
    return f"Cannot read {where} ({name}: {str(exc)[:200]}); the stored copy is used until it can be read."


# --- resolving and seeding -------------------------------------------------------------------

def resolve(items: list[LibraryItem], store: Store, sources: Sources | None, client: PoliteClient | None,
            crossref_url: str = CROSSREF, known: dict[str, dict] | None = None) -> tuple[list[LibraryItem], int]:
    """Each item with a title and abstract (from arXiv, Crossref or itself), and how many
    were skipped for want of one. ``known``: items resolved before, by id."""
    known = known or {}
    wanted = [PaperId("arxiv", i.arxiv_id) for i in items if i.arxiv_id and store.papers.latest(i.arxiv_id) is None]
    if wanted and sources is not None:
        store.papers.save(sources.fetch(wanted))
    out, skipped = [], 0
    for item in items:
        paper = store.papers.latest(item.arxiv_id) if item.arxiv_id else None
        if paper is not None:
            item.title, item.abstract = paper.title, paper.abstract
        elif not item.abstract and item.id in known:
            item.abstract = known[item.id].get("abstract", "")
        elif not item.abstract and item.doi and client is not None:
            item.abstract = _crossref_abstract(client, crossref_url, item.doi)
        if item.abstract:
            out.append(item)
        else:
            skipped += 1
    return out, skipped


def _crossref_abstract(client: PoliteClient, url: str, doi: str) -> str:
    try:
        data = client.get(f"{url.rstrip('/')}/{quote(doi, safe='/')}").json()
        jats = (data.get("message") or {}).get("abstract") or ""
    except (FetchError, ValueError, AttributeError) as exc:
        log.info("no abstract from Crossref for %s: %s", doi, exc)
        return ""
    if not jats:
        return ""
    import lxml.html

    root = lxml.html.fromstring(f"<div>{jats}</div>")  # JATS: <jats:title>, <jats:p>, inline markup
    for title in [el for el in root.iter() if str(el.tag).split(":")[-1] == "title"]:
        title.drop_tree()
    paragraphs = [el.text_content() for el in root.iter() if str(el.tag).split(":")[-1] == "p"]
    return " ".join(" ".join(paragraphs or [root.text_content()]).split())


def weights(n: int) -> list[float]:
    """Recency weights of n items, newest first: 1 down to OLDEST_WEIGHT on a log scale."""
    if n <= 1:
        return [1.0] * n
    top = math.log10(n)
    return [round(1 - (1 - OLDEST_WEIGHT) * math.log10(1 + r) / top, 4) for r in range(n)]


def load(source: LibrarySource, store: Store, sources: Sources | None, client: PoliteClient | None,
         crossref_url: str = CROSSREF) -> tuple[list[LibraryItem], int, list[str]]:
    """A topic library's resolved items (newest first), the number skipped, and warnings.
    Read again once a day (an export file also when it changed); without a client, or when
    it cannot be read, the stored copy."""
    stored = store.libraries.get(source.name)
    warnings: list[str] = []
    if client is not None and _stale(source, stored):
        try:
            raw = read_file(Path(source.file), warnings) if source.file else read_zotero(source, source.api_key)
            known = {i["id"]: i for i in (stored[0] if stored else [])}
            items, skipped = resolve(raw[: source.limit], store, sources, client, crossref_url, known)
            store.libraries.save(source.name, [{**asdict(i), "id": i.id} for i in items], skipped)
            stored = store.libraries.get(source.name)
        except LibraryError as exc:
            warnings.append(str(exc) + ("" if stored else " The topic is ranked without its library today."))
    if stored is None:
        return [], 0, warnings
    rows, skipped, _ = stored
    return [LibraryItem(r["title"], r["abstract"], r.get("arxiv_id", ""), r.get("doi", ""), r.get("added", ""))
            for r in rows], skipped, warnings


def _stale(source: LibrarySource, stored: tuple | None) -> bool:
    """An export file is read again when it changes (a 40 MB BibTeX file is parsed once per
    change); a Zotero library once a day."""
    if stored is None:
        return True
    if source.file:
        path = Path(source.file).expanduser()
        if not path.exists():
            return True  # read, to say so; the stored copy stands in
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).isoformat() > stored[2]
    return stored[2][:10] != dt.date.today().isoformat()


def seed(topics: list[TopicConfig], examples: dict[str, Paper], store: Store, sources: Sources | None,
         client: PoliteClient | None, crossref_url: str = CROSSREF) -> tuple[list[TopicConfig], Examples, list[str]]:
    """The topics with their library items added to their examples, the example papers
    (with recency weights), and warnings."""
    out, papers, warnings = [], Examples(examples, getattr(examples, "weights", {})), []
    for topic in topics:
        if topic.library is None:
            out.append(topic)
            continue
        items, skipped, problems = load(topic.library, store, sources, client, crossref_url)
        warnings += problems
        if skipped:
            log.info("topic %s: %d library items have no abstract and were skipped", topic.id, skipped)
        for item, weight in zip(items, weights(len(items))):
            papers[item.id] = Paper(item.id, 1, item.title, item.abstract)
            papers.weights[item.id] = max(weight, papers.weights.get(item.id, 0.0))
        ids = list(dict.fromkeys(topic.examples + [i.id for i in items]))
        out.append(topic.model_copy(update={"examples": ids}))
    return out, papers, warnings
