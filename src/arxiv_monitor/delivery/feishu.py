"""Feishu (Lark): an ``interactive`` card with a markdown element, about 20 KB a request,
signed when the bot has a secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path
from typing import Any

from arxiv_monitor.core.models import Digest
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.webhook import CodeInBody


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu/Lark signature: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuChannel(CodeInBody):
    kind = "feishu"

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        head = f"{digest.warnings(d)}**{d.summary}**"
        lines = digest.lines(d, digest.md_link)
        return [{"msg_type": "interactive", "card": {
                    "config": {"wide_screen_mode": True},
                    "header": {"title": {"tag": "plain_text", "content": digest.title(d, update)},
                               "template": "blue"},
                    "elements": [{"tag": "markdown", "content": text}]}}
                for text in digest.pack(head, lines, 16000, digest.utf8)]

    def send(self, message: Any, client: Any) -> None:
        secret = self.secret.get_secret_value()
        if secret:  # signed when sent: the timestamp must be fresh
            ts = int(time.time())
            message = {**message, "timestamp": str(ts), "sign": feishu_sign(secret, ts)}
        super().send(message, client)


class LarkChannel(FeishuChannel):
    kind = "lark"
