"""WeCom (WeChat Work): ``markdown`` messages of at most 4,096 bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arxiv_monitor.core.models import Digest
from arxiv_monitor.delivery import digest
from arxiv_monitor.delivery.webhook import CodeInBody


class WeComChannel(CodeInBody):
    kind = "wecom"

    def messages(self, d: Digest, paths: dict[str, Path], update: bool) -> list[Any]:
        head = f"### {digest.title(d, update)}\n{digest.warnings(d)}> {d.summary}"
        lines = digest.lines(d, digest.md_link)
        return [{"msgtype": "markdown", "markdown": {"content": text}}
                for text in digest.pack(head, lines, 4000, digest.utf8)]
