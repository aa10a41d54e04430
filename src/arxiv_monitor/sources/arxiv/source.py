"""arXiv as a paper source (registered by ``plugin.py``).

The newest day comes from the RSS feed of the followed ``categories``, past days and
papers by id from the export API, full texts from arXiv's HTML (LaTeXML), else the PDF.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import FeedBatch, Paper
from arxiv_monitor.sources.arxiv import api, calendar, feed
from arxiv_monitor.sources.arxiv.ids import ArxivId
from arxiv_monitor.sources.base import Source

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.net import PoliteClient


class ArxivSource(Source):
    """arXiv: the feeds and export API of the followed categories."""

    name = "arxiv"
    label = "arXiv"
    example_id = "2601.22586"

    def __init__(self, client: PoliteClient, announce_types: list[str], categories: list[str], *, rss_url: str,
                 api_url: str, html_url: str, pdf_url: str, cache_dir: Path | None = None):
        super().__init__(client, announce_types)
        self.categories = categories
        self.rss_url, self.api_url = rss_url, api_url
        self.html_url, self.pdf_url_base = html_url.rstrip("/"), pdf_url.rstrip("/")
        self.cache_dir = cache_dir

    @classmethod
    def from_config(cls, config: Config, client: PoliteClient) -> ArxivSource:
        a = config.arxiv
        return cls(client, config.announce_types, config.categories, rss_url=a.rss_url, api_url=a.api_url,
                   html_url=a.html_url, pdf_url=a.pdf_url, cache_dir=config.cache_path)

    @classmethod
    def parse_id(cls, text: str) -> PaperId | None:
        try:
            return ArxivId.parse(text).ref
        except ValueError:
            return None

    @classmethod
    def abs_url(cls, ref: PaperId) -> str:
        return f"https://arxiv.org/abs/{ref.versioned}"

    @classmethod
    def pdf_url(cls, ref: PaperId) -> str:
        return f"https://arxiv.org/pdf/{ref.versioned}"

    @classmethod
    def first_year(cls, ref: PaperId) -> int | None:
        """``2601.22586`` was first submitted in 2026; ``hep-th/9901001`` in 1999."""
        digits = ref.key.split("/")[-1][:2] if "/" in ref.key else ref.key[:2]
        if not digits.isdigit():
            return None
        year = int(digits)
        return (1900 if year >= 91 and "/" in ref.key else 2000) + year

    def latest(self) -> FeedBatch:
        return feed.fetch_feed(self.client, self.rss_url, self.categories, self.announce_types, self.cache_dir)

    def day(self, day: dt.date) -> FeedBatch:
        return api.fetch_day(self.client, self.api_url, self.categories, day, self.announce_types)

    def announcement_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        return calendar.announcement_days(first, last)

    def read_files(self, paths: list[Path]) -> FeedBatch:
        return feed.read_feed_files(paths, self.announce_types)

    def fetch(self, ids: list[PaperId]) -> list[Paper]:
        found: list[Paper] = []
        for start in range(0, len(ids), api.PAGE_SIZE):
            found += api.fetch_ids(self.client, self.api_url, [str(i) for i in ids[start:start + api.PAGE_SIZE]])
        return found

    def enrich(self, papers: list[Paper]) -> None:
        api.enrich(self.client, self.api_url, papers)

    def fulltext_locations(self, paper: Paper) -> list[tuple[str, str]]:
        return [("html", f"{self.html_url}/{paper.versioned_id}"), ("pdf", f"{self.pdf_url_base}/{paper.versioned_id}")]
