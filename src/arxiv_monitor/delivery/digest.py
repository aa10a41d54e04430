"""A digest (``core.models.Digest``) in a chat platform's markup: its lines with the
platform's links and escaping, and ``pack``, which splits them into messages under the
platform's size limit, at paper boundaries."""

from __future__ import annotations

from collections.abc import Callable

from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import Digest, Segment

Link = Callable[[str, str], str]


def segments(parts: list[Segment], link: Link | None, esc: Callable[[str], str]) -> str:
    return "".join(esc(p) if isinstance(p, str) else (link(*p) if link else esc(p[0])) for p in parts)


def lead_lines(d: Digest, link: Link | None = None, esc: Callable[[str], str] = str) -> list[str]:
    """The lines above the papers (the overview; a period's themes), linked when a link
    style is given; ``esc`` escapes the text for the platform's markup."""
    return [segments(line, link, esc) for line in d.lead]


def item_lines(d: Digest, link: Link, esc: Callable[[str], str] = str) -> list[str]:
    """One line a paper: its title linked to its page, its facts, and its TL;DR below."""
    lines = []
    for item in d.items:
        line = f"{item.n}. {link(item.title, item.url)}" + "".join(f" · {esc(f)}" for f in item.facts)
        lines.append(line + (f"\n   {esc(item.summary)}" if item.summary else ""))
    return lines


def lines(d: Digest, link: Link, esc: Callable[[str], str] = str) -> list[str]:
    return lead_lines(d, link, esc) + item_lines(d, link, esc)


def pack(header: str, lines: list[str], limit: int, size: Callable[[str], int]) -> list[str]:
    """Greedily pack ``lines`` under ``header`` into texts of at most ``limit``.

    Each text starts with the header (numbered "(i/n)" when there are
    several); a single over-long line is cut to fit.
    """
    reserve = size(header) + 16
    chunks: list[list[str]] = [[]]
    used = reserve
    for line in lines:
        while size(line) + 1 > limit - reserve:
            line = line[: max(1, int(len(line) * 0.8))]
        if chunks[-1] and used + size(line) + 1 > limit:
            chunks.append([])
            used = reserve
        chunks[-1].append(line)
        used += size(line) + 1
    total = len(chunks)
    return [(f"{header} ({i}/{total})" if total > 1 else header) + "\n" + "\n".join(c)
            for i, c in enumerate(chunks, start=1)]


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def md_link(title: str, url: str) -> str:
    return f"[{title.replace('[', '(').replace(']', ')')}]({url})"


def title(d: Digest, update: bool) -> str:
    return d.title + (t("chat.update", d.language) if update else "")


def warnings(d: Digest) -> str:
    """The degraded report's notices, for the first lines of a message."""
    return "".join(f"⚠️ {n}\n" for n in d.notices)
