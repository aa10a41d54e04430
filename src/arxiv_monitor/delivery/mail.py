"""E-mail: the HTML report with a plain-text part, the Markdown attached, over SMTP
(STARTTLS, implicit TLS or plain; logging in where configured). Set up by ``[email]``."""

from __future__ import annotations

import email.utils
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import DayReport
from arxiv_monitor.core.settings import EmailConfig
from arxiv_monitor.delivery.base import Channel


def subject(cfg: EmailConfig, report: DayReport, update: bool = False) -> str:
    """The subject: an update or a degraded report says so first."""
    template = cfg.subject or t("mail.subject", report.language)
    text = template.format(day=report.day, count=len(report.entries))
    if report.notices:
        text = t("mail.incomplete", report.language) + text
    return (t("mail.update", report.language) + text) if update else text


def build_email(cfg: EmailConfig, report: DayReport, paths: dict[str, Path], update: bool = False) -> EmailMessage:
    """HTML body with a plain-text alternative, and the Markdown report attached."""
    markdown = paths["md"].read_text(encoding="utf-8")
    sender = cfg.sender or cfg.username
    message = EmailMessage()
    message["Subject"] = subject(cfg, report, update)
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


class EmailChannel(Channel):
    """The ``email`` target: ``[email]`` with ``enabled = true`` and recipients."""

    kind = "email"

    def secret_values(self) -> list:
        return [self.config.email.password]

    def messages(self, report: DayReport, paths: dict[str, Path], update: bool) -> list[Any]:
        return [build_email(self.config.email, report, paths, update)]

    def send(self, message: Any, client: Any) -> None:
        send_email(self.config.email, message)
