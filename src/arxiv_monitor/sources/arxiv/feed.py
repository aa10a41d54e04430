"""arXiv's daily listing: its RSS and Atom feeds.

arXiv serves each day's listing as RSS 2.0 (https://rss.arxiv.org/rss/cs.AI+cs.LG)
and as Atom (https://rss.arxiv.org/atom/cs.AI+cs.LG). Per item or entry:
``arxiv:announce_type`` (new, cross, replace, replace-cross), one comma-joined
``dc:creator`` that may hold TeX escapes, a guid or id ``oai:arXiv.org:<id>vN``,
a description or summary ``arXiv:<id>vN Announce Type: new Abstract: ...``,
and, when known, ``arxiv:DOI`` and ``arxiv:journal_reference``. The RSS
channel's ``pubDate`` (Atom: the entries' ``published``) is the announcement
date. Weekends and holidays give empty feeds.

A feed is accepted only whole: a document that is not well-formed (cut off
in transfer, say) is refused with an error, never read in part.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import re
from pathlib import Path

from lxml import etree

from arxiv_monitor.core import tex as texmath
from arxiv_monitor.core.errors import FeedError, FetchError
from arxiv_monitor.core.files import write_atomic
from arxiv_monitor.core.models import FeedBatch, Listing, Paper
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.sources.arxiv.calendar import EASTERN
from arxiv_monitor.sources.arxiv.ids import ArxivId
from arxiv_monitor.sources.base import merge_batches

log = logging.getLogger(__name__)

DESC_PREFIX_RE = re.compile(
    r"^\s*arXiv:\S+\s+Announce\s+Type:\s*(?P<type>[\w\-]+)\s*(?:Abstract:\s*)?", re.IGNORECASE
)
NS = {"arxiv": "http://arxiv.org/schemas/atom", "dc": "http://purl.org/dc/elements/1.1/",
      "atom": "http://www.w3.org/2005/Atom"}


def split_authors(creator: str) -> list[str]:
    """Split arXiv's comma-joined ``dc:creator`` into names (TeX accents as Unicode)."""
    parts = re.split(r",\s*|\s+and\s+", texmath.plain(creator or ""))
    return [re.sub(r"\s+", " ", p).strip() for p in parts if p.strip()]


def _rfc822_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


def _iso_date(value: str | None) -> dt.date | None:
    """The date of an Atom timestamp, in its own offset (arXiv writes US Eastern)."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def clean(text: str) -> str:
    """Whitespace collapsed to single spaces."""
    return re.sub(r"\s+", " ", text or "").strip()


def _text(el: etree._Element, path: str) -> str:
    found = el.find(path, NS)
    return (found.text or "") if found is not None else ""


def _listing(ids: ArxivId | None, title: str, description: str, announce_type: str, creators: str,
             categories: list[str], published: dt.date | None, el: etree._Element) -> Listing | None:
    if ids is None or not clean(title):
        return None
    prefix = DESC_PREFIX_RE.match(description)
    kind = announce_type or (prefix.group("type") if prefix else "new")
    paper = Paper(
        id=ids.bare, version=ids.version or 1, title=texmath.plain(clean(title)),
        abstract=texmath.plain(clean(description[prefix.end():] if prefix else description)),
        authors=split_authors(creators), categories=categories, published=published,
        doi=clean(_text(el, "arxiv:DOI")) or None,
        journal_ref=clean(_text(el, "arxiv:journal_reference")) or None,
    )
    return Listing(paper, kind.strip().lower())


def _rss_item(item: etree._Element) -> Listing | None:
    ids = ArxivId.search(_text(item, "guid")) or ArxivId.search(_text(item, "link"))
    cats = [c.text.strip() for c in item.findall("category") if c.text and c.text.strip()]
    return _listing(ids, _text(item, "title"), _text(item, "description"),
                    _text(item, "arxiv:announce_type"), _text(item, "dc:creator"), cats,
                    _rfc822_date(_text(item, "pubDate")), item)


def _atom_entry(entry: etree._Element) -> Listing | None:
    link = entry.find("atom:link[@rel='alternate']", NS)
    ids = ArxivId.search(_text(entry, "atom:id")) or (
        ArxivId.search(link.get("href", "")) if link is not None else None)
    creators = _text(entry, "dc:creator") or ", ".join(
        clean(_text(a, "atom:name")) for a in entry.findall("atom:author", NS))
    cats = [c.get("term", "").strip() for c in entry.findall("atom:category", NS) if c.get("term")]
    return _listing(ids, _text(entry, "atom:title"), _text(entry, "atom:summary"),
                    _text(entry, "arxiv:announce_type"), creators, cats,
                    _iso_date(_text(entry, "atom:published")), entry)


def parse_feed(content: bytes | str, source: str = "feed") -> FeedBatch:
    """Parse one arXiv RSS or Atom document into a FeedBatch (which may be empty).

    Raises FeedError for a document that is not well-formed (a cut-off
    download), that is not an arXiv feed, or that is arXiv's "Feed error for
    query" answer; skips (and lists) malformed items.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{source} is not a complete, well-formed feed ({exc}); it was not used. "
                        "A download cut off midway looks like this: run again.") from None
    if root.tag == f"{{{NS['atom']}}}feed":
        title = _text(root, "atom:title")
        items = [_atom_entry(e) for e in root.iterfind("atom:entry", NS)]
        day = next((p.paper.published for p in items if p and p.paper.published), None)
        day = day or _feed_updated(root)
    elif root.tag == "rss" and root.find("channel") is not None:
        channel = root.find("channel")
        title = _text(channel, "title")
        items = [_rss_item(i) for i in channel.iter("item")]
        day = _rfc822_date(_text(channel, "pubDate"))
    else:
        raise FeedError(f"{source} is not an arXiv RSS or Atom feed (root element <{root.tag}>)")
    if title.strip().lower().startswith("feed error for query"):
        bad = title.split(":", 1)[1].strip() if ":" in title else source
        raise FeedError(f"arXiv rejected the feed query ({title.strip()!r}): check the category {bad!r}")
    batch = FeedBatch(day=day, listings=[item for item in items if item], items_read=len(items))
    batch.malformed = [str(n) for n, item in enumerate(items, start=1) if item is None]
    if batch.malformed:
        log.warning("%s: skipped %d malformed item(s)", source, len(batch.malformed))
    return batch


def _feed_updated(root: etree._Element) -> dt.date | None:
    text = _text(root, "atom:updated")
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.astimezone(EASTERN).date() if stamp.tzinfo else stamp.date()


def read_feed_files(paths: list[Path], types: list[str]) -> FeedBatch:
    """Read local RSS or Atom files (``--feed``)."""
    batches = []
    for path in paths:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise FeedError(f"Cannot read feed file {path}: {exc.strerror}") from exc
        batches.append(parse_feed(content, str(path)))
    return merge_batches(batches, types)


def feed_url(base: str, categories: list[str]) -> str:
    return f"{base.rstrip('/')}/{'+'.join(categories)}"


def unreachable_advice(today: dt.date) -> str:
    """What to do when the feed cannot be read: the network, a saved feed, a past day."""
    advice = ("Check this machine's network (and a proxy: HTTPS_PROXY), then run again; or run on a saved "
              "feed with `arxiv-monitor run --feed FILE`.")
    if today.weekday() >= 5:
        advice += (" arXiv announces nothing on weekends: to build a past announcement day, use "
                   "`arxiv-monitor backfill --from YYYY-MM-DD`.")
    return advice


def fetch_feed(client: PoliteClient, base_url: str, categories: list[str], types: list[str],
               cache_dir: Path | None = None) -> FeedBatch:
    """Download and parse the combined feed for ``categories``.

    With ``cache_dir``, the last whole copy is kept with its validators and
    the request is conditional, so an unchanged feed is not downloaded
    again. A body that does not parse is retried with backoff (through the
    client), and never cached.
    """
    url = feed_url(base_url, categories)
    cached = cache_dir / "feeds" / f"{'+'.join(categories)}.xml" if cache_dir else None
    meta_path = cached.with_suffix(".json") if cached else None
    headers = {}
    if cached and cached.exists() and meta_path and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        headers = {k: v for k, v in (("If-None-Match", meta.get("etag")),
                                     ("If-Modified-Since", meta.get("last_modified"))) if v}
    parsed: list[FeedBatch] = []

    def check(response) -> None:
        if response.status_code != 304:
            parsed[:] = [parse_feed(response.content, url)]

    try:
        response = client.get(url, headers=headers, validate=check)
    except FetchError as exc:
        raise FeedError(f"Cannot download the arXiv feed: {exc}. {unreachable_advice(dt.date.today())}") from exc
    if response.status_code == 304 and cached:
        return merge_batches([parse_feed(cached.read_bytes(), str(cached))], types)
    if cached and meta_path:
        write_atomic(cached, response.content)
        write_atomic(meta_path, json.dumps({"etag": response.headers.get("ETag"),
                                            "last_modified": response.headers.get("Last-Modified")}))
    return merge_batches(parsed, types)
