"""A chat digest: what every chat channel says about a report, before its own formatting.

It leads with the summary and the overview's themes and picks, then one line per paper:
its title linked to its page, its type and keywords, and its TL;DR. ``pack`` splits the
lines into messages under a platform's size limit, at paper boundaries.
"""

from __future__ import annotations

from collections.abc import Callable

from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import DayReport
from arxiv_monitor.core.topics import display_keyword
from arxiv_monitor.report.views import tldr, type_label


def summary_line(report: DayReport) -> str:
    lang, types = report.language, {}
    for e in report.entries:
        label = type_label(e.announce_type, lang)
        types[label] = types.get(label, 0) + 1
    detail = t("clause.sep", lang).join(f"{k} {v}" for k, v in types.items())
    return t("chat.summary", lang, n=len(report.entries), detail=detail or t("none", lang),
             categories=", ".join(report.categories))


def overview_lines(report: DayReport, link: Callable[[str, str], str] | None = None,
                   esc: Callable[[str], str] = str) -> list[str]:
    """The overview's themes and picks (number and title, linked when a link style is given),
    for the top of a chat message; ``esc`` escapes the text for the platform's markup."""
    ov, lang = report.overview, report.language
    if ov is None or not getattr(ov, "themes", None):
        return []
    lines = [esc(t("chat.themes", lang, themes=t("clause.sep", lang).join(ov.themes)))]
    number = {e.paper.versioned_id: (n, e) for n, e in enumerate(report.entries, start=1)}
    for pick in ov.picks:
        if pick["id"] in number:
            n, e = number[pick["id"]]
            title = link(e.paper.title, report.page_of(e.paper)) if link else esc(e.paper.title)
            lines.append(t("chat.pick", lang, n=n, title=title, reason=esc(pick["reason"])))
    return lines


def paper_lines(report: DayReport, link: Callable[[str, str], str], esc: Callable[[str], str] = str) -> list[str]:
    """One line a paper: its title linked to its page, type, keywords, and its TL;DR (the text
    escaped by ``esc`` for the platform's markup; ``link`` escapes the title itself)."""
    lines = []
    for n, e in enumerate(report.entries, start=1):
        why = ", ".join(dict.fromkeys(display_keyword(h.keyword) for h in e.hits[:2]))
        source = f" · {e.paper.source_label}" if e.paper.source != "arxiv" else ""
        line = f"{n}. {link(e.paper.title, report.page_of(e.paper))}{esc(source)} · " \
               f"{esc(type_label(e.announce_type, report.language))}"
        line += f" · {esc(why)}" if why else ""
        summary = tldr(e)
        lines.append(line + (f"\n   {esc(summary)}" if summary else ""))
    return lines


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


def title(report: DayReport, update: bool) -> str:
    return t("chat.title", report.language, day=report.day) + (t("chat.update", report.language) if update else "")


def warnings(report: DayReport) -> str:
    """The degraded report's notices, for the first lines of a message."""
    return "".join(f"⚠️ {n}\n" for n in report.notices)
