"""A generic webhook: the JSON report (``schemas/report-v1.schema.json``) in one POST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arxiv_monitor.core.models import DayReport
from arxiv_monitor.delivery.webhook import WebhookChannel
from arxiv_monitor.report.render import report_data


class GenericChannel(WebhookChannel):
    kind = "generic"

    def messages(self, report: DayReport, paths: dict[str, Path], update: bool) -> list[Any]:
        return [{**report_data(report), "update": update}]
