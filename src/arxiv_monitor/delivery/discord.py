"""Discord: an incoming webhook's messages with embeds, one embed a paper. A message holds
at most 10 embeds and 6,000 characters of embed text; its content at most 2,000 characters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from arxiv_monitor.core.models import Digest
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.base import DeliveryError
from arxiv_monitor.delivery.webhook import WebhookChannel

EMBEDS, EMBED_TEXT, CONTENT, TITLE, DESCRIPTION = 10, 6000, 2000, 256, 4096
COLOUR = 0x2B6CB0


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(embed: dict[str, Any]) -> int:
    return len(embed.get("title", "")) + len(embed.get("description", "")) + \
        sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


class DiscordChannel(WebhookChannel):
    kind = "discord"

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        content = _cut(f"**{digest.title(d, update)}**\n{digest.warnings(d)}{d.summary}", CONTENT)
        embeds = []
        lead = digest.lead_lines(d, digest.md_link)
        if lead:
            embeds.append({"title": _cut(digest.title(d, update), TITLE),
                           "description": _cut("\n".join(lead), DESCRIPTION), "color": COLOUR})
        for item in d.items:
            facts = " · ".join(item.facts)
            embeds.append({"title": _cut(f"{item.n}. {item.title}", TITLE), "url": item.url,
                           "description": _cut("\n".join(x for x in (facts, item.summary) if x), DESCRIPTION),
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
