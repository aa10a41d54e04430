"""Stage 1: read the day's arXiv RSS feed(s) and enrich papers from the export API.

arXiv's RSS 2.0 feed (https://rss.arxiv.org/rss/cs.AI+cs.LG) carries, per item:
``arxiv:announce_type`` (new, cross, replace, replace-cross), one comma-joined
``dc:creator`` that may hold TeX escapes, a guid ``oai:arXiv.org:<id>vN`` and a
description ``arXiv:<id>vN Announce Type: new Abstract: ...``. The channel's
``pubDate`` is the announcement date. Weekends and holidays give empty feeds.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import feedparser
from lxml import etree

from .errors import FeedError, FetchError
from .files import write_atomic
from .models import FeedBatch, Paper
from .net import PoliteClient

log = logging.getLogger(__name__)

ID_RE = re.compile(r"(?P<id>(?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(?:v(?P<v>\d+))?")
DESC_PREFIX_RE = re.compile(
    r"^\s*arXiv:\S+\s+Announce\s+Type:\s*(?P<type>[\w\-]+)\s*(?:Abstract:\s*)?", re.IGNORECASE
)
_TEX_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306",
    "H": "\u030b", "k": "\u0328", "r": "\u030a",
}
_TEX_LETTERS = {
    "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "aa": "å", "AA": "Å",
    "l": "ł", "L": "Ł", "i": "ı", "oe": "œ", "OE": "Œ",
}
_ACCENT_RE = re.compile(r"\\([\'`^\"~=.]|[cvuHkr](?=[\s{]))\s*\{?\\?([A-Za-z])\}?")
_LETTER_RE = re.compile(r"\\(ss|ae|AE|aa|AA|oe|OE|[oOlLi])(?![A-Za-z])\s?")


def detex(text: str) -> str:
    """Turn TeX accent escapes into Unicode: ``Garc\\'ia`` -> ``García``."""
    text = _ACCENT_RE.sub(lambda m: m.group(2) + _TEX_ACCENTS[m.group(1)], text)
    text = _LETTER_RE.sub(lambda m: _TEX_LETTERS[m.group(1)], text)
    text = text.replace("{", "").replace("}", "").replace("\\&", "&")
    return unicodedata.normalize("NFC", text)


def split_authors(creator: str) -> list[str]:
    """Split arXiv's comma-joined ``dc:creator`` into names."""
    parts = re.split(r",\s*|\s+and\s+", detex(creator or ""))
    return [re.sub(r"\s+", " ", p).strip() for p in parts if p.strip()]


def parse_id(text: str) -> tuple[str, int] | None:
    """Find an arXiv id in ``oai:arXiv.org:2601.22586v1`` or a URL: (id, version)."""
    match = ID_RE.search(text or "")
    if not match:
        return None
    return match.group("id"), int(match.group("v") or 1)


def _rfc822_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


NS = {"arxiv": "http://arxiv.org/schemas/atom", "dc": "http://purl.org/dc/elements/1.1/"}


def _child(item: etree._Element, path: str) -> str:
    found = item.find(path, NS)
    return (found.text or "") if found is not None else ""


def _paper_from_item(item: etree._Element) -> Paper | None:
    ids = parse_id(_child(item, "guid")) or parse_id(_child(item, "link"))
    if not ids:
        return None
    description = _child(item, "description")
    prefix = DESC_PREFIX_RE.match(description)
    announce_type = _child(item, "arxiv:announce_type") or (prefix.group("type") if prefix else "new")
    abstract = description[prefix.end():] if prefix else description
    return Paper(
        arxiv_id=ids[0],
        version=ids[1],
        title=_clean(_child(item, "title")),
        abstract=_clean(abstract),
        authors=split_authors(_child(item, "dc:creator")),
        categories=[c.text.strip() for c in item.findall("category") if c.text and c.text.strip()],
        announce_type=announce_type.strip().lower(),
        published=_rfc822_date(_child(item, "pubDate")),
    )


def parse_feed(content: bytes | str, source: str = "feed") -> FeedBatch:
    """Parse one arXiv RSS document into a FeedBatch (which may be empty).

    Raises FeedError for arXiv's "Feed error for query" channel and for a
    document that is not an RSS feed at all; skips (and lists) malformed
    items, and reads what it can of a damaged document.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{source} is not a readable RSS feed: {exc}") from exc
    channel = root.find("channel") if root is not None else None
    if channel is None:
        raise FeedError(f"{source} is not a readable RSS feed (no <rss><channel>)")
    title = _child(channel, "title").strip()
    if title.lower().startswith("feed error for query"):
        bad = title.split(":", 1)[1].strip() if ":" in title else source
        raise FeedError(f"arXiv rejected the feed query ({title!r}): check the category {bad!r}")
    batch = FeedBatch(day=_rfc822_date(_child(channel, "pubDate")), categories=[], papers=[])
    for item in channel.iter("item"):
        batch.items_read += 1
        paper = _paper_from_item(item)
        if paper is None or not paper.title:
            batch.malformed.append(_child(item, "guid") or _child(item, "title") or "?")
            continue
        batch.papers.append(paper)
    if parser.error_log:
        log.warning("%s: the feed is damaged (%s); read %d item(s)", source,
                    parser.error_log[0].message, len(batch.papers))
    if batch.malformed:
        log.warning("%s: skipped %d malformed item(s)", source, len(batch.malformed))
    return batch


def merge_batches(batches: Iterable[FeedBatch], categories: list[str], types: list[str]) -> FeedBatch:
    """Merge feeds, dedupe on the unversioned id and keep only ``types``."""
    merged = FeedBatch(day=None, categories=list(categories), papers=[])
    seen: dict[str, Paper] = {}
    for batch in batches:
        merged.day = merged.day or batch.day
        merged.items_read += batch.items_read
        merged.malformed += batch.malformed
        for paper in batch.papers:
            if paper.announce_type not in types:
                continue
            old = seen.get(paper.arxiv_id)
            if old is None:
                seen[paper.arxiv_id] = paper
                merged.papers.append(paper)
            else:
                old.categories += [c for c in paper.categories if c not in old.categories]
    return merged


def read_feed_files(paths: list[Path], categories: list[str], types: list[str]) -> FeedBatch:
    """Read local RSS files (``--feed``)."""
    batches = []
    for path in paths:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise FeedError(f"Cannot read feed file {path}: {exc.strerror}") from exc
        batches.append(parse_feed(content, str(path)))
    return merge_batches(batches, categories, types)


def fetch_feed(client: PoliteClient, rss_url: str, categories: list[str], types: list[str],
               cache_dir: Path | None = None) -> FeedBatch:
    """Download and parse the combined RSS feed for ``categories``.

    With ``cache_dir``, the last copy is kept with its validators and the
    request is conditional, so an unchanged feed is not downloaded again.
    """
    url = f"{rss_url.rstrip('/')}/{'+'.join(categories)}"
    cached = cache_dir / "feeds" / f"{'+'.join(categories)}.xml" if cache_dir else None
    meta_path = cached.with_suffix(".json") if cached else None
    headers = {}
    if cached and cached.exists() and meta_path and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        headers = {k: v for k, v in (("If-None-Match", meta.get("etag")),
                                     ("If-Modified-Since", meta.get("last_modified"))) if v}
    try:
        response = client.get(url, headers=headers)
    except FetchError as exc:
        raise FeedError(f"Cannot download the arXiv feed: {exc}") from exc
    if response.status_code == 304 and cached:
        content = cached.read_bytes()
    else:
        content = response.content
        batch = parse_feed(content, url)  # parse before caching: never cache a bad feed
        if cached and meta_path:
            write_atomic(cached, content)
            write_atomic(meta_path, json.dumps({"etag": response.headers.get("ETag"),
                                                "last_modified": response.headers.get("Last-Modified")}))
        return merge_batches([batch], categories, types)
    return merge_batches([parse_feed(content, url)], categories, types)


def _apply_api_entry(paper: Paper, entry: feedparser.FeedParserDict) -> None:
    primary = entry.get("arxiv_primary_category") or {}
    paper.primary_category = primary.get("term") or paper.primary_category
    paper.comments = _clean(entry.get("arxiv_comment", "")) or None
    paper.doi = entry.get("arxiv_doi") or None
    paper.journal_ref = _clean(entry.get("arxiv_journal_ref", "")) or None
    cats = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    if cats:
        paper.categories = cats
    if not paper.abstract and entry.get("summary"):
        paper.abstract = _clean(entry["summary"])


def enrich(client: PoliteClient, api_url: str, papers: list[Paper], chunk: int = 200) -> set[str]:
    """Add comments, primary category, DOI and journal ref via the export API.

    One batched ``id_list`` request per ``chunk`` papers. Returns the ids
    that were enriched; a failed call is logged and the run goes on.
    """
    by_id = {p.arxiv_id: p for p in papers}
    done: set[str] = set()
    for start in range(0, len(papers), chunk):
        ids = [p.arxiv_id for p in papers[start:start + chunk]]
        params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
        try:
            response = client.get(api_url, params=params)
        except FetchError as exc:
            log.warning("export API enrichment failed, going on without it: %s", exc)
            continue
        parsed = feedparser.parse(response.content)
        for entry in parsed.entries:
            ids_found = parse_id(entry.get("id", ""))
            paper = by_id.get(ids_found[0]) if ids_found else None
            if paper is not None:
                _apply_api_entry(paper, entry)
                done.add(paper.arxiv_id)
    return done
