"""Catch-up and backfill: rebuild past announcement days from the export API.

RSS only holds the current day. For a past announcement day D, the papers
announced are those submitted in arXiv's window before it: from 14:00 US
Eastern on the weekday before the previous weekday, to 14:00 on the weekday
before D (so Monday's listing holds Thursday 14:00 to Friday 14:00).
The export API is asked for the followed categories in that window
(``submittedDate``), paged, through the polite client (one request every
3 s, backoff on 429/503). Holidays are not modelled: a holiday simply
yields a day with papers that a later day would also have listed.

Only first versions are found this way, so backfilled days list new
submissions and cross-lists, not replacements.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from arxiv_monitor.core import tex as texmath
from arxiv_monitor.core.errors import FeedError, FetchError
from arxiv_monitor.sources.arxiv.feed import apply_api_entry, clean
from arxiv_monitor.core.ids import ArxivId
from arxiv_monitor.core.models import FeedBatch, Listing, Paper
from arxiv_monitor.core.net import PoliteClient

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.store import Store

log = logging.getLogger(__name__)
EASTERN = ZoneInfo("America/New_York")
CUTOFF = dt.time(14, 0)
PAGE_SIZE = 200


def previous_weekday(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def announcement_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The weekdays (Monday to Friday) from ``first`` to ``last`` inclusive."""
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def missed_days(known: list[str], day: dt.date, limit: int) -> list[dt.date]:
    """Announcement days before ``day`` (at most ``limit`` days back) since the latest known one.

    A first run (no earlier day known) has missed nothing.
    """
    earlier = sorted(d for d in known if d < day.isoformat())
    if not earlier or limit == 0:
        return []
    first = max(dt.date.fromisoformat(earlier[-1]) + dt.timedelta(days=1), day - dt.timedelta(days=limit))
    return [d for d in announcement_days(first, day - dt.timedelta(days=1)) if d.isoformat() not in known]


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
            if item and item.paper.arxiv_id not in seen and item.announce_type in types:
                seen.add(item.paper.arxiv_id)
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


def example_papers(config: Config, store: Store, client: PoliteClient | None) -> dict[str, Paper]:
    """The topics' example papers (title and abstract), fetched once from the export API."""
    wanted = {i for t in config.topic_list for i in t.examples}
    found = {i: p for i in wanted if (p := store.papers.latest(i)) is not None}
    missing = sorted(wanted - set(found))
    if missing and client is not None:
        fetched = fetch_ids(client, config.arxiv.api_url, missing)
        store.papers.save(fetched)
        found.update({p.arxiv_id: p for p in fetched})
    return found
