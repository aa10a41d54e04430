"""Stage 6: deliver the day's report by e-mail and chat webhooks.

Each (day, target) pair is recorded in the store's delivery ledger: a target
that has the day's report is not sent it again, and a failed send is tried
again on the next run (or with ``arxiv-monitor deliver``). Delivery happens
after the report is written, and a failure never touches the report.

Chat payloads are built in ``chat.py``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from . import chat
from .config import Config, EmailConfig, WebhookConfig
from .errors import MonitorError, redact
from .models import DayReport
from .store import Store

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
    messages = chat.payloads(hook.kind, report, secret)
    for payload in messages:
        target = url
        if hook.kind == "dingtalk" and secret:
            ts = int(time.time() * 1000)
            sign = urllib.parse.quote_plus(chat.dingtalk_sign(secret, ts))
            target = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
        _check_reply(hook.kind, client.post(target, json=payload))
    return len(messages)


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


def send_pending(config: Config, store: Store, report: DayReport, paths: dict[str, Path],
                 target: str | None = None, force: bool = False) -> list[Delivery]:
    """Send the day's report to every target that has not had it (or only ``target``), and
    record each outcome in the ledger."""
    names = targets(config)
    if target:
        if target not in names:
            raise MonitorError(f"No delivery target {target!r}; configured: {', '.join(names) or 'none'}")
        names = [target]
    pending = [n for n in names if force or store.deliveries.status(report.day, n) != "sent"]
    results = deliver(config, report, paths, pending) if pending else []
    for r in results:
        store.deliveries.record(report.day, r.target, r.status, r.error, r.messages)
    return results
