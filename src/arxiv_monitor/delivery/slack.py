"""Slack: Block Kit ``section`` blocks in mrkdwn, 3,000 characters a block, 50 blocks a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arxiv_monitor.core.models import Digest
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.webhook import WebhookChannel


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(title: str, url: str) -> str:
    return f"<{url}|{slack_escape(title).replace('|', '¦')}>"


class SlackChannel(WebhookChannel):
    kind = "slack"

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        title = digest.title(d, update)
        head = f"{slack_escape(digest.warnings(d))}*{slack_escape(d.summary)}*"
        lines = digest.lines(d, slack_link, slack_escape)
        sections = digest.pack(head, lines, 2900, len)
        payloads = []
        for start in range(0, len(sections), 45):
            blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
            blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections[start:start + 45]]
            payloads.append({"text": f"{title}: {d.summary}", "blocks": blocks})
        return payloads
