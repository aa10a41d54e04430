"""Hugging Face Daily Papers (``https://huggingface.co/api/daily_papers?date=YYYY-MM-DD``).

The API answers a JSON list, one object per paper featured that day::

    [{"paper": {"id": "2601.22586", "title": …, "upvotes": 42,
                "githubRepo": "https://github.com/…", "githubStars": 1234, …},
      "title": …, "numComments": 3, "publishedAt": …, …}, …]

Only arXiv papers are featured (``paper.id`` is an arXiv id). ``githubRepo`` and
``githubStars`` are present only when a repository is linked. An answer that is not such
a list is refused whole (FeedError); an entry without a readable arXiv id is skipped.
"""

from __future__ import annotations

import json
from typing import Any

from arxiv_monitor.core.errors import FeedError
from arxiv_monitor.core.models import CommunitySignal
from arxiv_monitor.sources.arxiv.ids import ArxivId


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _repo(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(("https://github.com/", "https://gitlab.com/",
                                                    "https://huggingface.co/")):
        return value.strip()
    return None


def parse_daily_papers(content: bytes | str, where: str, site_url: str) -> list[CommunitySignal]:
    """The signals in one answer of the Daily Papers API (``where`` names it in errors)."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"{where} is not the Daily Papers API's JSON ({exc})") from None
    if not isinstance(data, list):
        raise FeedError(f"{where} is not a list of Daily Papers")
    found: dict[str, CommunitySignal] = {}
    for entry in data:
        paper = entry.get("paper") if isinstance(entry, dict) else None
        if not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
            continue
        try:
            bare = ArxivId.parse(paper["id"].strip()).bare
        except ValueError:
            continue
        found[bare] = CommunitySignal(
            "huggingface", "Hugging Face", bare, upvotes=_count(paper.get("upvotes")),
            stars=_count(paper.get("githubStars")), repo_url=_repo(paper.get("githubRepo")),
            url=f"{site_url.rstrip('/')}/{bare}")
    return list(found.values())
