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
from arxiv_monitor.core.models import Digest
from arxiv_monitor.core.settings import EmailConfig
from arxiv_monitor.delivery.base import Channel


def subject(cfg: EmailConfig, d: Digest, update: bool = False) -> str:
    """The subject (a day's from ``email.subject`` when set): an update or a degraded report
    says so first."""
    text = cfg.subject.format(day=d.key, count=len(d.items)) if cfg.subject and d.kind == "day" else d.subject
    if d.notices:
        text = t("mail.incomplete", d.language) + text
    return (t("mail.update", d.language) + text) if update else text


def build_email(cfg: EmailConfig, d: Digest, paths: dict[str, Path], update: bool = False) -> EmailMessage:
    """HTML body with a plain-text alternative, and the Markdown report attached. A report
    with charts has an e-mail HTML (``mail.html``) whose images are PNG parts (``cid:``), as
    mail clients show no SVG."""
    markdown = paths["md"].read_text(encoding="utf-8")
    sender = cfg.sender or cfg.username
    message = EmailMessage()
    message["Subject"] = subject(cfg, d, update)
    message["From"] = sender
    message["To"] = ", ".join(cfg.recipients)
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid("arxiv-monitor", sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    if cfg.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{cfg.unsubscribe_url}>"
    message.set_content(markdown)
    message.add_alternative((paths.get("mail.html") or paths["html"]).read_text(encoding="utf-8"), subtype="html")
    images = {name: path for name, path in paths.items() if name.endswith(".png")}
    if images:
        html_part = message.get_payload()[1]
        for name, path in images.items():
            html_part.add_related(path.read_bytes(), maintype="image", subtype="png", cid=f"<{name}>",
                                  filename=name)
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

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        return [build_email(self.config.email, d, paths, update)]

    def send(self, message: Any, client: Any) -> None:
        send_email(self.config.email, message)
