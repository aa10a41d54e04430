"""DingTalk: ``markdown`` messages of about 20,000 bytes, the URL signed when the robot has a
secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from pathlib import Path
from typing import Any

from arxiv_monitor.core.models import Digest
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.webhook import CodeInBody


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk signature: HMAC-SHA256 keyed by the secret over "timestamp\\nsecret"."""
    digest_ = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest_).decode()


class DingTalkChannel(CodeInBody):
    kind = "dingtalk"

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        title = digest.title(d, update)
        head = f"### {title}\n\n{digest.warnings(d)}**{d.summary}**\n"
        lines = digest.lines(d, digest.md_link)
        return [{"msgtype": "markdown", "markdown": {"title": title, "text": text.replace("\n", "\n\n")}}
                for text in digest.pack(head, [f"- {line}" for line in lines], 18000, digest.utf8)]

    def target(self) -> str:
        url, secret = self.url.get_secret_value(), self.secret.get_secret_value()
        if not secret:
            return url
        ts = int(time.time() * 1000)
        sign = urllib.parse.quote_plus(dingtalk_sign(secret, ts))
        return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
