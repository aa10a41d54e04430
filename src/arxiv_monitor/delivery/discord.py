"""Discord: an incoming webhook's messages with embeds, one embed a paper. A message holds
at most 10 embeds and 6,000 characters of embed text; its content at most 2,000 characters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from arxiv_monitor.core.models import DayReport
from arxiv_monitor.core.topics import display_keyword
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.base import DeliveryError
from arxiv_monitor.delivery.webhook import WebhookChannel
from arxiv_monitor.report.views import tldr, type_label

EMBEDS, EMBED_TEXT, CONTENT, TITLE, DESCRIPTION = 10, 6000, 2000, 256, 4096
COLOUR = 0x2B6CB0


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(embed: dict[str, Any]) -> int:
    return len(embed.get("title", "")) + len(embed.get("description", "")) + \
        sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


class DiscordChannel(WebhookChannel):
    kind = "discord"

    def messages(self, report: DayReport, paths: dict[str, Path], update: bool) -> list[Any]:
        lang = report.language
        content = _cut(f"**{digest.title(report, update)}**\n{digest.warnings(report)}{digest.summary_line(report)}",
                       CONTENT)
        embeds = []
        overview = digest.overview_lines(report, digest.md_link)
        if overview:
            embeds.append({"title": _cut(digest.title(report, update), TITLE),
                           "description": _cut("\n".join(overview), DESCRIPTION), "color": COLOUR})
        for n, e in enumerate(report.entries, start=1):
            why = ", ".join(dict.fromkeys(display_keyword(h.keyword) for h in e.hits[:2]))
            facts = " · ".join(x for x in (e.paper.source_label, type_label(e.announce_type, lang), why) if x)
            embeds.append({"title": _cut(f"{n}. {e.paper.title}", TITLE), "url": report.page_of(e.paper),
                           "description": _cut("\n".join(x for x in (facts, tldr(e)) if x), DESCRIPTION),
                           "color": COLOUR})
        messages: list[list[dict[str, Any]]] = [[]]
        for embed in embeds:
            current = messages[-1]
            if current and (len(current) >= EMBEDS or sum(map(_size, current)) + _size(embed) > EMBED_TEXT):
                messages.append([])
            messages[-1].append(embed)
        total = len(messages)
        return [{"content": content + (f" ({i}/{total})" if total > 1 else ""), "embeds": chunk,
                 "allowed_mentions": {"parse": []}}
                for i, chunk in enumerate(messages, start=1)]

    def target(self) -> str:
        url = self.url.get_secret_value()
        return url + ("&" if "?" in url else "?") + "wait=true"  # an answer that says the message was posted

    def check(self, response: httpx.Response) -> None:
        if response.status_code == 429:
            raise DeliveryError(f"Discord rate limit: retry after {response.headers.get('Retry-After', '?')} s")
        super().check(response)
