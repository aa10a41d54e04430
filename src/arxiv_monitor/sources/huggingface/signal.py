"""The ``huggingface`` signal: upvotes and linked repositories of the day's arXiv papers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from arxiv_monitor.core.errors import FeedError, FetchError
from arxiv_monitor.core.models import CommunitySignal, Paper
from arxiv_monitor.sources.huggingface.api import parse_daily_papers
from arxiv_monitor.sources.signals import Signal

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.net import PoliteClient


class HuggingFaceSignal(Signal):
    """Hugging Face Daily Papers: one request per day, answered for the day's arXiv papers."""

    name = "huggingface"
    label = "Hugging Face"

    def __init__(self, client: PoliteClient, api_url: str, site_url: str):
        self.client, self.api_url, self.site_url = client, api_url, site_url

    @classmethod
    def from_config(cls, config: Config, client: PoliteClient) -> HuggingFaceSignal:
        return cls(client, config.huggingface.api_url, config.huggingface.site_url)

    def day(self, day: dt.date, papers: list[Paper]) -> list[CommunitySignal]:
        wanted = {p.id for p in papers if p.source == "arxiv"}
        if not wanted:
            return []
        holder: list[list[CommunitySignal]] = []

        def check(response) -> None:  # type: ignore[no-untyped-def]
            holder[:] = [parse_daily_papers(response.content, self.api_url, self.site_url)]

        try:
            self.client.get(self.api_url, params={"date": day.isoformat()}, validate=check)
        except FetchError as exc:
            raise FeedError(f"{self.label} Daily Papers could not be read: {exc}") from exc
        return [s for s in holder[0] if s.paper_id in wanted]
