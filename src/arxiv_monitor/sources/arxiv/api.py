"""arXiv's export API (https://export.arxiv.org/api/query): papers by id, what the feed
lacks (comments, primary category, DOI, journal ref), and past days.

RSS only holds the current day. For a past announcement day D, the papers announced are
those submitted in arXiv's window before it: from 14:00 US Eastern on the weekday before
the previous weekday, to 14:00 on the weekday before D (so Monday's listing holds Thursday
14:00 to Friday 14:00). The API is asked for the followed categories in that window
(``submittedDate``), paged, through the polite client. Holidays are not modelled: a
holiday simply yields a day with papers that a later day would also have listed. Only
first versions are found this way, so past days list new submissions and cross-lists,
not replacements.
"""

from __future__ import annotations

import datetime as dt
import logging

from arxiv_monitor.core import tex as texmath
from arxiv_monitor.core.errors import FeedError, FetchError
from arxiv_monitor.core.models import FeedBatch, Listing, Paper
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.sources.arxiv.calendar import CUTOFF, EASTERN, previous_weekday
from arxiv_monitor.sources.arxiv.feed import clean
from arxiv_monitor.sources.arxiv.ids import ArxivId

log = logging.getLogger(__name__)
PAGE_SIZE = 200


def apply_api_entry(paper: Paper, entry: dict) -> None:
    """Copy the export API's fields (a feedparser entry) into ``paper``."""
    primary = entry.get("arxiv_primary_category") or {}
    paper.primary_category = primary.get("term") or paper.primary_category
    paper.comments = clean(entry.get("arxiv_comment", "")) or None
    paper.doi = entry.get("arxiv_doi") or paper.doi
    paper.journal_ref = clean(entry.get("arxiv_journal_ref", "")) or paper.journal_ref
    cats = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    if cats:
        paper.categories = cats
    if not paper.abstract and entry.get("summary"):
        paper.abstract = texmath.plain(clean(entry["summary"]))
    paper.enriched = True


def enrich(client: PoliteClient, api_url: str, papers: list[Paper], chunk: int = 200) -> set[str]:
    """Add comments, primary category, DOI and journal ref via the export API.

    One batched ``id_list`` request per ``chunk`` papers. Returns the ids
    that were enriched; a failed call is logged and the run goes on.
    """
    import feedparser

    by_id = {p.id: p for p in papers}
    done: set[str] = set()
    for start in range(0, len(papers), chunk):
        ids = [p.id for p in papers[start:start + chunk]]
        params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
        try:
            response = client.get(api_url, params=params)
        except FetchError as exc:
            log.warning("export API enrichment failed, going on without it: %s", exc)
            continue
        for entry in feedparser.parse(response.content).entries:
            found = ArxivId.search(entry.get("id", ""))
            paper = by_id.get(found.bare) if found else None
            if paper is not None:
                apply_api_entry(paper, entry)
                done.add(paper.id)
    return done


def submission_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC submission window whose papers are announced on ``day``."""
    end_day = previous_weekday(day)
    start_day = previous_weekday(end_day)
    start = dt.datetime.combine(start_day, CUTOFF, EASTERN).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(end_day, CUTOFF, EASTERN).astimezone(dt.timezone.utc)
    return start, end


def window_query(categories: list[str], day: dt.date) -> str:
    start, end = submission_window(day)
    cats = " OR ".join(f"cat:{c}" for c in categories)
    return f"({cats}) AND submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"


def _listing(entry: dict, categories: list[str], day: dt.date) -> Listing | None:
    """An export-API entry as the day's listing: ``new`` in its primary category, else ``cross``."""
    ids = ArxivId.search(entry.get("id", ""))
    if not ids or not entry.get("title"):
        return None
    paper = Paper(ids.bare, ids.version or 1, texmath.plain(clean(entry["title"])),
                  texmath.plain(clean(entry.get("summary", ""))),
                  authors=[a.get("name", "") for a in entry.get("authors", []) if a.get("name")],
                  published=day)
    apply_api_entry(paper, entry)
    return Listing(paper, "new" if paper.primary_category in categories else "cross")


def fetch_day(client: PoliteClient, api_url: str, categories: list[str], day: dt.date,
              types: list[str], page_size: int = PAGE_SIZE) -> FeedBatch:
    """All papers announced on ``day`` in ``categories``, from the export API."""
    import feedparser

    query = window_query(categories, day)
    batch = FeedBatch(day=day, listings=[])
    seen: set[str] = set()
    start = 0
    while True:
        params = {"search_query": query, "start": str(start), "max_results": str(page_size),
                  "sortBy": "submittedDate", "sortOrder": "ascending"}
        try:
            response = client.get(api_url, params=params)
        except FetchError as exc:
            raise FeedError(f"Cannot backfill {day}: {exc}") from exc
        parsed = feedparser.parse(response.content)
        total = int(parsed.feed.get("opensearch_totalresults", 0) or 0)
        for entry in parsed.entries:
            batch.items_read += 1
            item = _listing(entry, categories, day)
            if item and item.paper.id not in seen and item.announce_type in types:
                seen.add(item.paper.id)
                batch.listings.append(item)
        start += len(parsed.entries)
        if not parsed.entries or start >= total:
            return batch


def fetch_ids(client: PoliteClient, api_url: str, ids: list[str]) -> list[Paper]:
    """Papers by arXiv id (for topic examples); a failed call returns what it has."""
    import feedparser

    params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
    try:
        parsed = feedparser.parse(client.get(api_url, params=params).content)
    except FetchError as exc:
        log.warning("cannot fetch example papers %s: %s", ids, exc)
        return []
    return [item.paper for e in parsed.entries if (item := _listing(e, [], dt.date.today())) is not None]
