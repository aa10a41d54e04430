"""Chat digests: each platform's own payload, split to fit its size limit.

The digest leads with the summary and the overview's themes and picks, then
one line per paper with its link:

========  ====================================  ==========================
kind      payload                               limit per message
========  ====================================  ==========================
feishu    ``interactive`` card, markdown        ~20 KB request body
dingtalk  ``markdown`` (signed URL if secret)   ~20,000 bytes of text
wecom     ``markdown``                          4,096 bytes of content
slack     Block Kit ``section`` blocks, mrkdwn  3,000 chars a block, 50 blocks
generic   the JSON report                       none
========  ====================================  ==========================
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import DayReport
from arxiv_monitor.report.render import report_data
from arxiv_monitor.report.views import tldr, type_label


# -- the digest -------------------------------------------------------------
def summary_line(report: DayReport) -> str:
    lang, types = report.language, {}
    for e in report.entries:
        label = type_label(e.announce_type, lang)
        types[label] = types.get(label, 0) + 1
    detail = ("；" if lang == "zh" else "; ").join(f"{k} {v}" for k, v in types.items())
    return t("chat.summary", lang, n=len(report.entries), detail=detail or t("none", lang),
             categories=", ".join(report.categories))


def overview_lines(report: DayReport, link: Callable[[str, str], str] | None = None) -> list[str]:
    """The overview's themes and picks (number and title, linked when a link style is given),
    for the top of a chat message."""
    ov, lang = report.overview, report.language
    if ov is None or not getattr(ov, "themes", None):
        return []
    lines = [t("chat.themes", lang, themes=("；" if lang == "zh" else "; ").join(ov.themes))]
    number = {e.paper.versioned_id: (n, e) for n, e in enumerate(report.entries, start=1)}
    for pick in ov.picks:
        if pick["id"] in number:
            n, e = number[pick["id"]]
            title = link(e.paper.title, report.page_of(e.paper)) if link else e.paper.title
            lines.append(t("chat.pick", lang, n=n, title=title, reason=pick["reason"]))
    return lines


def _paper_lines(report: DayReport, link: Callable[[str, str], str]) -> list[str]:
    """One line a paper: its title linked to its page, type, keywords, and its TL;DR."""
    lines = []
    for n, e in enumerate(report.entries, start=1):
        why = ", ".join(h.keyword for h in e.hits[:2])
        line = f"{n}. {link(e.paper.title, report.page_of(e.paper))} · {type_label(e.announce_type, report.language)}"
        line += f" · {why}" if why else ""
        summary = tldr(e)
        lines.append(line + (f"\n   {summary}" if summary else ""))
    return lines


def pack(header: str, lines: list[str], limit: int, size: Callable[[str], int]) -> list[str]:
    """Greedily pack ``lines`` under ``header`` into texts of at most ``limit``.

    Each text starts with the header (numbered "(i/n)" when there are
    several); a single over-long line is cut to fit.
    """
    reserve = size(header) + 16
    chunks: list[list[str]] = [[]]
    used = reserve
    for line in lines:
        while size(line) + 1 > limit - reserve:
            line = line[: max(1, int(len(line) * 0.8))]
        if chunks[-1] and used + size(line) + 1 > limit:
            chunks.append([])
            used = reserve
        chunks[-1].append(line)
        used += size(line) + 1
    total = len(chunks)
    return [(f"{header} ({i}/{total})" if total > 1 else header) + "\n" + "\n".join(c)
            for i, c in enumerate(chunks, start=1)]


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


# -- platforms --------------------------------------------------------------
def _md_link(title: str, url: str) -> str:
    return f"[{title.replace('[', '(').replace(']', ')')}]({url})"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(title: str, url: str) -> str:
    return f"<{url}|{_slack_escape(title).replace('|', '¦')}>"


def _title(report: DayReport) -> str:
    return t("chat.title", report.language, day=report.day) + (t("chat.update", report.language) if report.update else "")


def _warnings(report: DayReport) -> str:
    """The degraded report's notices, for the first lines of a message."""
    return "".join(f"⚠️ {n}\n" for n in report.notices)


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu/Lark signature: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk signature: HMAC-SHA256 keyed by the secret over "timestamp\\nsecret"."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_payloads(report: DayReport, secret: str = "") -> list[dict[str, Any]]:
    head = f"{_warnings(report)}**{summary_line(report)}**"
    texts = pack(head, overview_lines(report, _md_link) + _paper_lines(report, _md_link), 16000, _utf8)
    payloads = []
    for text in texts:
        card = {"config": {"wide_screen_mode": True},
                "header": {"title": {"tag": "plain_text", "content": _title(report)}, "template": "blue"},
                "elements": [{"tag": "markdown", "content": text}]}
        payload: dict[str, Any] = {"msg_type": "interactive", "card": card}
        if secret:
            ts = int(time.time())
            payload.update(timestamp=str(ts), sign=feishu_sign(secret, ts))
        payloads.append(payload)
    return payloads


def dingtalk_payloads(report: DayReport) -> list[dict[str, Any]]:
    head = f"### {_title(report)}\n\n{_warnings(report)}**{summary_line(report)}**\n"
    lines = overview_lines(report, _md_link) + _paper_lines(report, _md_link)
    texts = pack(head, [f"- {line}" for line in lines], 18000, _utf8)
    return [{"msgtype": "markdown", "markdown": {"title": _title(report), "text": text.replace("\n", "\n\n")}}
            for text in texts]


def wecom_payloads(report: DayReport) -> list[dict[str, Any]]:
    head = f"### {_title(report)}\n{_warnings(report)}> {summary_line(report)}"
    texts = pack(head, overview_lines(report, _md_link) + _paper_lines(report, _md_link), 4000, _utf8)
    return [{"msgtype": "markdown", "markdown": {"content": text}} for text in texts]


def slack_payloads(report: DayReport) -> list[dict[str, Any]]:
    head = f"{_slack_escape(_warnings(report))}*{_slack_escape(summary_line(report))}*"
    lines = [_slack_escape(x) for x in overview_lines(report)] + _paper_lines(report, _slack_link)
    sections = pack(head, lines, 2900, len)
    payloads = []
    for start in range(0, len(sections), 45):
        blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": _title(report)[:150]}}]
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections[start:start + 45]]
        payloads.append({"text": f"{_title(report)}: {summary_line(report)}", "blocks": blocks})
    return payloads


def payloads(kind: str, report: DayReport, secret: str = "") -> list[dict[str, Any]]:
    """The messages of one digest for a platform ``kind``."""
    if kind in ("feishu", "lark"):
        return feishu_payloads(report, secret)
    if kind == "dingtalk":
        return dingtalk_payloads(report)
    if kind == "wecom":
        return wecom_payloads(report)
    if kind == "slack":
        return slack_payloads(report)
    return [report_data(report)]
