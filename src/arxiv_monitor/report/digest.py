"""A day's report as a digest (``core.models.Digest``): what every delivery channel says
about it, before the platform's formatting. It leads with the summary and the overview's
themes and picks, then one item a paper: its title linked to its page, its source (when not
arXiv), type and keywords, and its TL;DR."""

from __future__ import annotations

from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import DayReport, Digest, DigestItem, Segment
from arxiv_monitor.core.topics import display_keyword
from arxiv_monitor.report.assemble import report_key
from arxiv_monitor.report.views import tldr, type_label


def summary_line(report: DayReport) -> str:
    lang, types = report.language, {}
    for e in report.entries:
        label = type_label(e.announce_type, lang)
        types[label] = types.get(label, 0) + 1
    detail = t("clause.sep", lang).join(f"{k} {v}" for k, v in types.items())
    return t("chat.summary", lang, n=len(report.entries), detail=detail or t("none", lang),
             categories=", ".join(report.categories))


def linked(text: str, label: str, url: str) -> list[Segment]:
    """``text`` with the one ``\\x00`` in it replaced by a link."""
    before, _, after = text.partition("\x00")
    return [s for s in (before, (label, url), after) if s]


def overview_lead(report: DayReport) -> list[list[Segment]]:
    """The overview's themes and picks (number and title linked to the paper's page)."""
    ov, lang = report.overview, report.language
    if ov is None or not getattr(ov, "themes", None):
        return []
    lines: list[list[Segment]] = [[t("chat.themes", lang, themes=t("clause.sep", lang).join(ov.themes))]]
    number = {e.paper.versioned_id: (n, e) for n, e in enumerate(report.entries, start=1)}
    for pick in ov.picks:
        if pick["id"] in number:
            n, e = number[pick["id"]]
            lines.append(linked(t("chat.pick", lang, n=n, title="\x00", reason=pick["reason"]),
                                e.paper.title, report.page_of(e.paper)))
    return lines


def day_items(report: DayReport) -> list[DigestItem]:
    items = []
    for n, e in enumerate(report.entries, start=1):
        why = ", ".join(dict.fromkeys(display_keyword(h.keyword) for h in e.hits[:2]))
        facts = [e.paper.source_label] if e.paper.source != "arxiv" else []
        facts += [type_label(e.announce_type, report.language)] + ([why] if why else [])
        items.append(DigestItem(n, e.paper.title, report.page_of(e.paper), facts, tldr(e)))
    return items


def day_digest(report: DayReport) -> Digest:
    """The day's report as a digest."""
    from arxiv_monitor.report.render import report_data

    lang = report.language
    return Digest(report.day, report_key(report), "day", lang, t("chat.title", lang, day=report.day),
                  t("mail.subject", lang, day=report.day, count=len(report.entries)),
                  summary_line(report), list(report.notices), overview_lead(report), day_items(report),
                  report.quality, report_data(report))
