"""Slack: Block Kit ``section`` blocks in mrkdwn, 3,000 characters a block, 50 blocks a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arxiv_monitor.core.models import DayReport
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.webhook import WebhookChannel


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(title: str, url: str) -> str:
    return f"<{url}|{slack_escape(title).replace('|', '¦')}>"


class SlackChannel(WebhookChannel):
    kind = "slack"

    def messages(self, report: DayReport, paths: dict[str, Path], update: bool) -> list[Any]:
        title = digest.title(report, update)
        head = f"{slack_escape(digest.warnings(report))}*{slack_escape(digest.summary_line(report))}*"
        lines = digest.overview_lines(report, esc=slack_escape) + digest.paper_lines(report, slack_link, slack_escape)
        sections = digest.pack(head, lines, 2900, len)
        payloads = []
        for start in range(0, len(sections), 45):
            blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
            blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections[start:start + 45]]
            payloads.append({"text": f"{title}: {digest.summary_line(report)}", "blocks": blocks})
        return payloads
