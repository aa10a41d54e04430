"""The bioRxiv/medRxiv API (https://api.biorxiv.org): a day's preprints, and a preprint by DOI.

``/details/{server}/{from}/{to}/{cursor}`` answers JSON pages (100 records each, or fewer:
the cursor moves by what came) with ``messages`` (``status``, ``count``, ``total``) and a
``collection`` of records: ``doi``, ``title``, ``authors`` ("Surname, A.; Surname, B."),
``date``, ``version``, ``type``, ``category``, ``abstract``, ``jatsxml``, ``published`` (a
journal DOI, or "NA"), ``server``. Each record is one version of a preprint.

A page that is not the API's JSON is refused whole (FeedError); a record without a DOI, a
title or a version is skipped and counted, as an unreadable feed item is.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from arxiv_monitor.core.errors import FeedError, FetchError
from arxiv_monitor.core.models import FeedBatch, Listing, Paper
from arxiv_monitor.core.net import PoliteClient

DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/[0-9][0-9.]*[0-9])(?:v(\d+))?$", re.IGNORECASE)


@dataclass
class Page:
    """One page of the API: its records, the total it announces, and what could not be read."""

    records: list[dict[str, Any]]
    total: int | None = None
    malformed: list[str] = field(default_factory=list)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def parse_page(content: bytes | str, source: str) -> Page:
    """The records of one API page. Raises FeedError when it is not the API's JSON, or the API
    reports an error."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"{source} is not the API's JSON ({exc}); nothing was used. Run again.") from None
    if not isinstance(data, dict) or not isinstance(data.get("collection", []), list):
        raise FeedError(f"{source} is not a page of the bioRxiv API (no collection)")
    messages = data.get("messages") if isinstance(data.get("messages"), list) else []
    message = messages[0] if messages and isinstance(messages[0], dict) else {}
    status = str(message.get("status", "ok")).strip().lower()
    if status not in ("ok", "no posts found"):
        raise FeedError(f"the bioRxiv API answered {status!r} for {source}")
    page = Page([], _int(message.get("total")))
    for n, record in enumerate(data.get("collection") or [], start=1):
        if isinstance(record, dict) and _readable(record):
            page.records.append(record)
        else:
            page.malformed.append(str(record.get("doi") if isinstance(record, dict) else n))
    return page


def _readable(record: dict[str, Any]) -> bool:
    return bool(isinstance(record.get("doi"), str) and DOI.match(record["doi"].strip())
                and isinstance(record.get("title"), str) and record["title"].strip()
                and _int(record.get("version")) and _int(record.get("version")) > 0)


def category_key(name: str) -> str:
    """"Cell Biology", "cell_biology" and "cell-biology" are one category."""
    return re.sub(r"[\s_\-]+", " ", name or "").strip().lower()


def split_authors(authors: str) -> list[str]:
    """"Surname, A.; Surname, B." as names, in order."""
    return [a.strip() for a in (authors or "").split(";") if a.strip()]


def paper_of(record: dict[str, Any], source: str) -> Paper:
    """A record as a paper of ``source`` (``biorxiv:10.1101/…``)."""
    doi = DOI.match(record["doi"].strip()).group(1)
    published = str(record.get("published") or "").strip()
    date = None
    try:
        date = dt.date.fromisoformat(str(record.get("date", ""))[:10])
    except ValueError:
        pass
    return Paper(f"{source}:{doi}", _int(record["version"]) or 1, " ".join(record["title"].split()),
                 " ".join(str(record.get("abstract") or "").split()), split_authors(str(record.get("authors", ""))),
                 [c for c in [" ".join(str(record.get("category") or "").split())] if c], published=date,
                 primary_category=" ".join(str(record.get("category") or "").split()) or None, doi=doi,
                 journal_ref=published if published and published.upper() != "NA" else None, enriched=True,
                 extra={k: str(record[k]) for k in ("jatsxml", "type", "license", "server") if record.get(k)})


def listing_of(record: dict[str, Any], source: str) -> Listing:
    """A record as a day's listing: version 1 is new, a later version a replacement."""
    paper = paper_of(record, source)
    return Listing(paper, "new" if paper.version == 1 else "replace")


def fetch_interval(client: PoliteClient, api_url: str, server: str, first: dt.date, last: dt.date,
                   source: str) -> Page:
    """Every record posted from ``first`` to ``last``, page after page."""
    out = Page([])
    cursor = 0
    while True:
        url = f"{api_url.rstrip('/')}/details/{server}/{first.isoformat()}/{last.isoformat()}/{cursor}/json"
        holder: list[Page] = []

        def check(response: Any) -> None:  # a page cut off is retried, never used in part
            holder[:] = [parse_page(response.content, url)]

        try:
            client.get(url, validate=check)
        except FetchError as exc:
            raise FeedError(f"Cannot read the {server} listing of {first}: {exc}") from exc
        page = holder[0]
        out.records += page.records
        out.malformed += page.malformed
        out.total = page.total if page.total is not None else out.total
        cursor += len(page.records) + len(page.malformed)
        if not (page.records or page.malformed) or out.total is None or cursor >= out.total:
            return out


def fetch_doi(client: PoliteClient, api_url: str, server: str, doi: str) -> list[dict[str, Any]]:
    """Every version of one preprint (``/details/{server}/{doi}/na/json``); [] when unknown."""
    url = f"{api_url.rstrip('/')}/details/{server}/{doi}/na/json"
    try:
        return parse_page(client.get(url).content, url).records
    except (FetchError, FeedError):
        return []


def day_batch(page: Page, day: dt.date, source: str, categories: list[str], types: list[str]) -> FeedBatch:
    """The records as ``day``'s listings: in the followed categories, of the announce types,
    one listing per preprint (its latest version that day)."""
    wanted = {category_key(c) for c in categories}
    latest: dict[str, dict[str, Any]] = {}
    for record in page.records:
        if wanted and category_key(str(record.get("category", ""))) not in wanted:
            continue
        doi = record["doi"].strip().lower()
        if doi not in latest or (_int(record["version"]) or 0) > (_int(latest[doi]["version"]) or 0):
            latest[doi] = record
    listings = [item for r in latest.values() if (item := listing_of(r, source)).announce_type in types]
    return FeedBatch(day, listings, items_read=len(page.records) + len(page.malformed), malformed=page.malformed)
