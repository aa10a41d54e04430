"""Chat platforms' incoming webhooks: each message is one JSON POST to the hook's URL."""

from __future__ import annotations

from typing import Any

import httpx

from arxiv_monitor.delivery.base import Channel, DeliveryError


class WebhookChannel(Channel):
    """A channel that POSTs each message as JSON to ``url``; a platform that answers errors
    in a 200 body (``code``/``errcode``) says so in ``check``."""

    def target(self) -> str:
        """Where the next message is posted (a platform may sign the URL)."""
        return self.url.get_secret_value()

    def send(self, message: Any, client: httpx.Client) -> None:
        self.check(client.post(self.target(), json=message))

    def check(self, response: httpx.Response) -> None:
        if response.status_code >= 300:
            raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")


class CodeInBody(WebhookChannel):
    """A platform that answers 200 with an error code in its JSON body (Feishu, DingTalk, WeCom)."""

    def check(self, response: httpx.Response) -> None:
        super().check(response)
        try:
            body = response.json()
        except ValueError:
            raise DeliveryError(f"unexpected reply: {response.text[:200]}") from None
        code = body.get("code", body.get("errcode", body.get("StatusCode", 0))) if isinstance(body, dict) else None
        if code not in (0, None):
            raise DeliveryError(f"{self.kind} error {code}: {body.get('msg') or body.get('errmsg')}")
