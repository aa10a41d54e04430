"""Stage 6: deliver the day's report by e-mail and chat webhooks.

Each (day, target) pair is recorded in the store's delivery ledger: a target
that has the day's report is not sent it again, and a failed send is tried
again on the next run (or with ``arxiv-monitor deliver``). Delivery happens
after the report is written, and a failure never touches the report.

Chat messages lead with the summary, then one line per paper with its link,
in each platform's own format, split to respect its size limit:

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
import logging
import smtplib
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from .config import Config, EmailConfig, WebhookConfig
from .errors import MonitorError, redact
from .models import DayReport
from .render import TYPE_LABELS, report_data

log = logging.getLogger(__name__)


class DeliveryError(MonitorError):
    """A target refused or could not take the report."""


@dataclass
class Delivery:
    """The outcome of sending one day's report to one target."""

    target: str
    status: str  # "sent" or "failed"
    messages: int = 0
    error: str | None = None


# -- the digest -------------------------------------------------------------
def summary_line(report: DayReport) -> str:
    types = {}
    for e in report.entries:
        label = TYPE_LABELS.get(e.announce_type, e.announce_type)
        types[label] = types.get(label, 0) + 1
    detail = "；".join(f"{k} {v}" for k, v in types.items())
    return f"共 {len(report.entries)} 篇相关论文（{detail or '无'}），监控分类 {', '.join(report.categories)}"


def overview_lines(report: DayReport) -> list[str]:
    """The overview's themes and picks, for the top of a chat message."""
    ov = report.overview
    if ov is None or not getattr(ov, "themes", None):
        return []
    lines = [f"今日主题：{'；'.join(ov.themes)}"]
    number = {e.paper.versioned_id: n for n, e in enumerate(report.entries, start=1)}
    for pick in ov.picks:
        if pick["id"] in number:
            lines.append(f"★ 推荐 #{number[pick['id']]}：{pick['reason']}")
    return lines


def _paper_lines(report: DayReport, link: Callable[[str, str], str]) -> list[str]:
    lines = []
    for n, e in enumerate(report.entries, start=1):
        why = ", ".join(h.keyword for h in e.hits[:2])
        label = TYPE_LABELS.get(e.announce_type, e.announce_type)
        lines.append(f"{n}. {link(e.paper.title, e.paper.abs_url)} · {label} · {why}")
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
    return f"arXiv 论文日报 {report.day}"


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu/Lark signature: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk signature: HMAC-SHA256 keyed by the secret over "timestamp\\nsecret"."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_payloads(report: DayReport, secret: str = "") -> list[dict[str, Any]]:
    head = f"**{summary_line(report)}**"
    texts = pack(head, overview_lines(report) + _paper_lines(report, _md_link), 16000, _utf8)
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
    head = f"### {_title(report)}\n\n**{summary_line(report)}**\n"
    lines = overview_lines(report) + _paper_lines(report, _md_link)
    texts = pack(head, [f"- {line}" for line in lines], 18000, _utf8)
    return [{"msgtype": "markdown", "markdown": {"title": _title(report), "text": t.replace("\n", "\n\n")}}
            for t in texts]


def wecom_payloads(report: DayReport) -> list[dict[str, Any]]:
    head = f"### {_title(report)}\n> {summary_line(report)}"
    texts = pack(head, overview_lines(report) + _paper_lines(report, _md_link), 4000, _utf8)
    return [{"msgtype": "markdown", "markdown": {"content": t}} for t in texts]


def slack_payloads(report: DayReport) -> list[dict[str, Any]]:
    head = f"*{_slack_escape(summary_line(report))}*"
    lines = [_slack_escape(x) for x in overview_lines(report)] + _paper_lines(report, _slack_link)
    sections = pack(head, lines, 2900, len)
    payloads = []
    for start in range(0, len(sections), 45):
        blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": _title(report)[:150]}}]
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections[start:start + 45]]
        payloads.append({"text": f"{_title(report)}: {summary_line(report)}", "blocks": blocks})
    return payloads


def _check_reply(kind: str, response: httpx.Response) -> None:
    if response.status_code >= 300:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
    if kind in ("slack", "generic"):
        return
    try:
        body = response.json()
    except ValueError:
        raise DeliveryError(f"unexpected reply: {response.text[:200]}") from None
    code = body.get("code", body.get("errcode", body.get("StatusCode", 0)))
    if code not in (0, None):
        raise DeliveryError(f"{kind} error {code}: {body.get('msg') or body.get('errmsg')}")


def send_webhook(hook: WebhookConfig, report: DayReport, client: httpx.Client) -> int:
    """Post the digest to one webhook; return how many messages were sent."""
    url, secret = hook.url.get_secret_value(), hook.secret.get_secret_value()
    if hook.kind in ("feishu", "lark"):
        payloads = feishu_payloads(report, secret)
    elif hook.kind == "dingtalk":
        payloads = dingtalk_payloads(report)
    elif hook.kind == "wecom":
        payloads = wecom_payloads(report)
    elif hook.kind == "slack":
        payloads = slack_payloads(report)
    else:
        payloads = [report_data(report)]
    for payload in payloads:
        target = url
        if hook.kind == "dingtalk" and secret:
            ts = int(time.time() * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(secret, ts))
            target = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
        _check_reply(hook.kind, client.post(target, json=payload))
    return len(payloads)


# -- e-mail -----------------------------------------------------------------
def build_email(cfg: EmailConfig, report: DayReport, paths: dict[str, Path]) -> EmailMessage:
    """HTML body with a plain-text alternative, and the Markdown report attached."""
    markdown = paths["md"].read_text(encoding="utf-8")
    message = EmailMessage()
    message["Subject"] = cfg.subject.format(day=report.day, count=len(report.entries))
    message["From"] = cfg.sender or cfg.username
    message["To"] = ", ".join(cfg.recipients)
    message.set_content(markdown)
    message.add_alternative(paths["html"].read_text(encoding="utf-8"), subtype="html")
    message.add_attachment(markdown.encode("utf-8"), maintype="text", subtype="markdown",
                           filename=paths["md"].name)
    return message


def send_email(cfg: EmailConfig, message: EmailMessage) -> None:
    """Send over SMTP with STARTTLS, implicit TLS or plain, logging in if configured."""
    context = ssl.create_default_context(cafile=cfg.ca_file or None)
    if cfg.security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    else:
        server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    with server:
        if cfg.security == "starttls":
            server.starttls(context=context)
        if cfg.username:
            server.login(cfg.username, cfg.password.get_secret_value())
        server.send_message(message)


# -- orchestration ----------------------------------------------------------
def targets(config: Config) -> list[str]:
    """Names of the configured delivery targets."""
    names = ["email"] if config.email.enabled and config.email.recipients else []
    return names + [h.name for h in config.webhooks]


def deliver(config: Config, report: DayReport, paths: dict[str, Path],
            only: list[str]) -> list[Delivery]:
    """Send the report to each target named in ``only``; never raises."""
    results = []
    with httpx.Client(timeout=30, headers={"User-Agent": config.user_agent}) as client:
        for name in only:
            try:
                if name == "email":
                    send_email(config.email, build_email(config.email, report, paths))
                    sent = 1
                else:
                    hook = next(h for h in config.webhooks if h.name == name)
                    sent = send_webhook(hook, report, client)
                results.append(Delivery(name, "sent", sent))
            except (OSError, smtplib.SMTPException, httpx.HTTPError, DeliveryError) as exc:
                reason = redact(f"{type(exc).__name__}: {exc}", config.secrets())
                log.warning("delivery to %s failed: %s", name, reason)
                results.append(Delivery(name, "failed", error=reason))
    return results
