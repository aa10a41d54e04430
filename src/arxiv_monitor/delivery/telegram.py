"""Telegram: a bot's ``sendMessage`` in HTML parse mode, each message under 4,096 characters,
split at paper boundaries. ``[[webhooks]]`` with ``kind = "telegram"``, ``token`` (the bot's,
``env:NAME`` allowed) and ``chat_id``."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from arxiv_monitor.core.models import Digest
from arxiv_monitor.core.settings import Secret
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.base import Channel, DeliveryError

LIMIT = 4096


class TelegramOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Secret  # the bot token from @BotFather
    chat_id: str  # a chat, group or channel id ("-100…") or "@channelname"
    api_url: str = "https://api.telegram.org"


def _link(title: str, url: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(title, quote=False)}</a>'


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


class TelegramChannel(Channel):
    kind = "telegram"
    Options = TelegramOptions

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        head = f"<b>{_esc(digest.title(d, update))}</b>\n{_esc(digest.warnings(d))}" \
               f"{_esc(d.summary)}"
        lines = digest.lines(d, _link, _esc)
        return [{"chat_id": self.options.chat_id, "text": text, "parse_mode": "HTML",
                 "link_preview_options": {"is_disabled": True}}
                for text in digest.pack(head, lines, LIMIT, len)]

    def send(self, message: Any, client: httpx.Client) -> None:
        url = f"{self.options.api_url.rstrip('/')}/bot{self.options.token.get_secret_value()}/sendMessage"
        response = client.post(url, json=message)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 300 or not body.get("ok"):
            raise DeliveryError(f"Telegram error {body.get('error_code', response.status_code)}: "
                                f"{body.get('description') or response.text[:200]}")
