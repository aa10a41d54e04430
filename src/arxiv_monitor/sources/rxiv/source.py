"""bioRxiv and medRxiv as paper sources (registered by ``plugin.py``).

A day D lists the preprints posted on the day before D, every one of them once that day is
over (the servers post all week, so catch-up fills in weekends). Ids are DOIs with the
server's name (``biorxiv:10.1101/2024.01.02.573950``); versions are kept apart as arXiv's
are. Full texts come from the JATS XML the record names, else the PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, ClassVar

from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.models import FeedBatch, Paper
from arxiv_monitor.sources.arxiv.calendar import EASTERN
from arxiv_monitor.sources.base import Source
from arxiv_monitor.sources.rxiv import api

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.net import PoliteClient


class BiorxivSource(Source):
    """bioRxiv: the preprints of the followed subject categories (``[biorxiv]``)."""

    name: ClassVar[str] = "biorxiv"
    label: ClassVar[str] = "bioRxiv"
    example_id: ClassVar[str] = "biorxiv:10.1101/2024.01.02.573950"
    site: ClassVar[str] = "https://www.biorxiv.org"

    def __init__(self, client: PoliteClient, announce_types: list[str], categories: list[str], *, api_url: str,
                 site_url: str):
        super().__init__(client, announce_types)
        self.categories, self.api_url, self.site_url = categories, api_url, site_url.rstrip("/")

    @classmethod
    def from_config(cls, config: Config, client: PoliteClient) -> BiorxivSource:
        settings = getattr(config, cls.name)
        return cls(client, config.announce_types, settings.categories, api_url=settings.api_url,
                   site_url=settings.site_url)

    @classmethod
    def parse_id(cls, text: str) -> PaperId | None:
        for prefix in (f"{cls.site}/content/", "https://doi.org/", "doi:"):
            text = text.removeprefix(prefix)
        match = api.DOI.match(text.strip())
        if not match:
            return None
        return PaperId(cls.name, match.group(1), int(match.group(2)) if match.group(2) else None)

    @classmethod
    def abs_url(cls, ref: PaperId) -> str:
        return f"{cls.site}/content/{ref.key}v{ref.version or 1}"

    @classmethod
    def pdf_url(cls, ref: PaperId) -> str:
        return f"{cls.site}/content/{ref.key}v{ref.version or 1}.full.pdf"

    @classmethod
    def first_year(cls, ref: PaperId) -> int | None:
        """A DOI since 2019 carries the first posting date: ``10.1101/2024.01.02.573950``."""
        found = re.match(r"10\.\d+/(\d{4})\.\d{2}\.\d{2}\.", ref.key)
        return int(found.group(1)) if found else None

    def latest(self) -> FeedBatch:
        return self.day(dt.datetime.now(EASTERN).date())

    def day(self, day: dt.date) -> FeedBatch:
        posted = day - dt.timedelta(days=1)
        page = api.fetch_interval(self.client, self.api_url, self.name, posted, posted, self.label)
        return api.day_batch(page, day, self.name, self.categories, self.announce_types)

    def fetch(self, ids: list[PaperId]) -> list[Paper]:
        found = []
        for ref in ids:
            records = api.fetch_doi(self.client, self.api_url, self.name, ref.key)
            chosen = [r for r in records if ref.version is None or api._int(r.get("version")) == ref.version]
            if chosen:
                found.append(api.paper_of(max(chosen, key=lambda r: api._int(r.get("version")) or 0), self.name))
        return found

    def fulltext_locations(self, paper: Paper) -> list[tuple[str, str]]:
        places = [("jats", paper.extra["jatsxml"])] if paper.extra.get("jatsxml") else []
        return places + [("pdf", f"{self.site_url}/content/{paper.ref.key}v{paper.version}.full.pdf")]


class MedrxivSource(BiorxivSource):
    """medRxiv: the preprints of the followed subject categories (``[medrxiv]``)."""

    name = "medrxiv"
    label = "medRxiv"
    example_id = "medrxiv:10.1101/2020.09.09.20191205"
    site = "https://www.medrxiv.org"
