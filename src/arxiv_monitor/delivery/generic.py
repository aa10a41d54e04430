"""A generic webhook: the JSON report (``schemas/report-v1.schema.json``, or the trends
report's ``schemas/trends-v1.schema.json``) in one POST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arxiv_monitor.core.models import Digest
from arxiv_monitor.delivery.webhook import WebhookChannel


class GenericChannel(WebhookChannel):
    kind = "generic"

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        return [{**d.data, "update": update}]
