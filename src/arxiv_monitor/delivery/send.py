"""Stage 6: deliver the day's report by e-mail and chat webhooks.

Each (day, target) pair is recorded in the store's delivery ledger: a target
that has the day's report is not sent it again, and a failed send is tried
again on the next run (or with ``arxiv-monitor deliver``). Delivery happens
after the report is written, and a failure never touches the report.

Chat payloads are built in ``chat.py``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
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

from arxiv_monitor.delivery import chat
from arxiv_monitor.core.config import Config, EmailConfig, WebhookConfig
from arxiv_monitor.core.errors import MonitorError, redact
from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import DayReport
from arxiv_monitor.report.assemble import report_key
from arxiv_monitor.store import DeliveryRecord, Store

log = logging.getLogger(__name__)


class DeliveryError(MonitorError):
    """A target refused or could not take the report."""


@dataclass
class Delivery:
    """The outcome of sending one day's report to one target."""

    target: str
    status: str  # "sent" or "failed"
    messages: int = 0  # messages of this report version the target now has
    error: str | None = None
    update: bool = False  # sent again because the day was completed or repaired


class PartlySent(DeliveryError):
    """A digest failed after ``sent`` of its messages went through."""

    def __init__(self, sent: int, cause: Exception):
        self.sent = sent
        super().__init__(f"{type(cause).__name__}: {cause} (after {sent} message(s))")


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


def send_webhook(hook: WebhookConfig, report: DayReport, client: httpx.Client, start: int = 0) -> int:
    """Post the digest to one webhook from message ``start`` on; return how many it has in all.

    A failure raises PartlySent with the count that went through, so a retry
    sends only the rest.
    """
    url, secret = hook.url.get_secret_value(), hook.secret.get_secret_value()
    messages = chat.payloads(hook.kind, report, secret)
    for n, payload in enumerate(messages[start:], start=start):
        target = url
        if hook.kind == "dingtalk" and secret:
            ts = int(time.time() * 1000)
            sign = urllib.parse.quote_plus(chat.dingtalk_sign(secret, ts))
            target = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
        try:
            _check_reply(hook.kind, client.post(target, json=payload))
        except (httpx.HTTPError, DeliveryError) as exc:
            raise PartlySent(n, exc) from exc
    return len(messages)


# -- e-mail -----------------------------------------------------------------
def subject(cfg: EmailConfig, report: DayReport) -> str:
    """The subject: an update or a degraded report says so first."""
    template = cfg.subject or t("mail.subject", report.language)
    text = template.format(day=report.day, count=len(report.entries))
    if report.notices:
        text = t("mail.incomplete", report.language) + text
    return (t("mail.update", report.language) + text) if report.update else text


def build_email(cfg: EmailConfig, report: DayReport, paths: dict[str, Path]) -> EmailMessage:
    """HTML body with a plain-text alternative, and the Markdown report attached."""
    markdown = paths["md"].read_text(encoding="utf-8")
    sender = cfg.sender or cfg.username
    message = EmailMessage()
    message["Subject"] = subject(cfg, report)
    message["From"] = sender
    message["To"] = ", ".join(cfg.recipients)
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid("arxiv-monitor", sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    if cfg.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{cfg.unsubscribe_url}>"
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
    """Names of the configured delivery targets that can be used (their secrets are set)."""
    names = ["email"] if config.email.enabled and config.email.recipients else []
    names += [h.name for h in config.webhooks]
    missing = config.unavailable_targets()
    return [n for n in names if n not in missing]


def _quality(report: DayReport) -> str:
    papers, good = report.quality
    return f"{papers}/{good}/{int(bool(report.notices))}"


def plan(record: DeliveryRecord | None, report: DayReport, force: bool = False) -> tuple[bool, int, bool]:
    """Whether to send this version of the report to a target, from which message, and as an update.

    A target gets each version once: a failed attempt resumes where it stopped;
    a version it has whole is not sent again; a day it received degraded is sent
    once more, as an update, when a later run completed or repaired it.
    """
    key = report_key(report)
    had = bool(record and record.sent_key and record.sent_key != key)
    if force or record is None:
        return True, 0, had
    if record.sent_key in (key, "legacy"):
        return False, 0, False
    if record.status == "failed" and record.report_key == key:
        return True, record.parts_sent, had
    if not record.sent_key:
        return True, 0, False
    papers, good, degraded = (int(x) for x in (record.sent_quality or "0/0/0").split("/"))
    better = report.quality > (papers, good) or (degraded and not report.notices)
    return (True, 0, True) if degraded and better else (False, 0, False)


def deliver(config: Config, report: DayReport, paths: dict[str, Path], only: list[str],
            starts: dict[str, int] | None = None) -> list[Delivery]:
    """Send the report to each target named in ``only`` (from message ``starts[name]``); never raises."""
    results = []
    with httpx.Client(timeout=30, headers={"User-Agent": config.user_agent}) as client:
        for name in only:
            start = (starts or {}).get(name, 0)
            try:
                if name == "email":
                    send_email(config.email, build_email(config.email, report, paths))
                    sent = 1
                else:
                    hook = next(h for h in config.webhooks if h.name == name)
                    sent = send_webhook(hook, report, client, start)
                results.append(Delivery(name, "sent", sent, update=report.update))
            except (OSError, smtplib.SMTPException, httpx.HTTPError, DeliveryError) as exc:
                reason = redact(f"{type(exc).__name__}: {exc}", config.secrets())
                log.warning("delivery to %s failed: %s", name, reason)
                results.append(Delivery(name, "failed", getattr(exc, "sent", start), reason, report.update))
    return results


def send_pending(config: Config, store: Store, report: DayReport, paths: dict[str, Path],
                 target: str | None = None, force: bool = False) -> list[Delivery]:
    """Send the day's report where it is due (see ``plan``), and record each outcome."""
    names = targets(config)
    if target:
        if target not in names:
            raise MonitorError(f"No delivery target {target!r} can be used; usable: {', '.join(names) or 'none'}"
                               + _missing_note(config))
        names = [target]
    key, results = report_key(report), []
    for name in names:
        due, start, update = plan(store.deliveries.record_of(report.day, name), report, force)
        if not due:
            continue
        report.update = update
        (result,) = deliver(config, report, paths, [name], {name: start})
        store.deliveries.record(report.day, name, result.status, result.error, result.messages, key,
                                result.messages, _quality(report))
        results.append(result)
    report.update = False
    return results


def _missing_note(config: Config) -> str:
    missing = config.unavailable_targets()
    return "".join(f"; {name} is disabled: ${var} is not set" for name, var in missing.items())


def days_to_retry(config: Config, store: Store, day: str) -> list[str]:
    """Earlier recent days whose delivery to some target failed."""
    since = (dt.date.fromisoformat(day) - dt.timedelta(days=config.schedule.catchup_days)).isoformat()
    return store.deliveries.failed_days(since, day)
