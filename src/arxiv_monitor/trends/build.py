"""A period's trends report, built from the store: volumes, themes, key papers, the written
overview (LLM, checked; else extractive), and the notices that say what it lacks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from arxiv_monitor import __version__
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import Digest, DigestItem
from arxiv_monitor.store import Store
from arxiv_monitor.trends import themes as theming
from arxiv_monitor.trends import writing
from arxiv_monitor.trends.gather import Kept, PeriodData, gather
from arxiv_monitor.trends.keypapers import key_papers
from arxiv_monitor.trends.model import (
    HistoryPoint,
    MissedPaper,
    PaperRef,
    Theme,
    TopicVolume,
    TrendReport,
)
from arxiv_monitor.trends.period import Period

KEY_PAPERS = {"week": 10, "month": 15, "range": 12}


def volumes(data: PeriodData, labels: dict[str, str]) -> list[TopicVolume]:
    out = []
    for topic, per_day in data.per_day.items():
        previous = data.counts.get(topic, [])
        total = sum(per_day)
        change = (total - previous[0]) / previous[0] if previous and previous[0] else None
        out.append(TopicVolume(topic=topic, label=labels.get(topic, topic), per_day=per_day, total=total,
                               previous=previous, change=None if change is None else round(change, 4)))
    return out


def history(data: PeriodData, vols: list[TopicVolume], lang: str) -> list[HistoryPoint]:
    points = [HistoryPoint(label=p.short(lang), key=p.key, counts={v.topic: v.previous[n] for v in vols})
              for n, p in reversed(list(enumerate(data.history)))]
    return points + [HistoryPoint(label=data.period.short(lang), key=data.period.key,
                                  counts={v.topic: v.total for v in vols})]


def _rank(k: Kept) -> float:
    d = k.best
    return d.probability if d.probability is not None else 1.0


def find_themes(data: PeriodData, ranker: Any) -> tuple[list[Theme], str, dict[int, theming.Cluster]]:
    """The themes shown: the largest in the period (at most eight) and every rising one."""
    clusters, embedder = theming.cluster(data.kept, data.before, ranker)
    clusters = [c for c in clusters if c.current]
    terms = theming.distinctive_terms(clusters)
    now, before = len(data.kept), len(data.before)
    minimum = max(2, round(0.02 * now))
    found = []
    for c, words in zip(clusters, terms):
        trend, expected = theming.trend(len(c.current), len(c.before), now, before)
        if len(c.current) < minimum and trend != "rising":
            continue
        found.append((c, words, trend, expected))
    shown = found[:theming.MAX_THEMES] + [f for f in found[theming.MAX_THEMES:] if f[2] == "rising"]
    out = []
    for n, (c, words, trend, expected) in enumerate(shown, start=1):
        papers = sorted(c.current, key=lambda k: (-_rank(k), k.paper.id))
        out.append(Theme(n=n, name=" · ".join(words) or papers[0].paper.title[:60], terms=words, size=len(c.current),
                         before=len(c.before), expected=round(expected, 2), trend=trend,
                         papers=[PaperRef(id=k.paper.id, title=k.paper.title, abs_url=k.paper.abs_url) for k in papers],
                         topics=theming.topics_of(c)))
    return out, embedder, {th.n: f[0] for th, f in zip(out, shown)}


def notices(config: Config, data: PeriodData, expected_days: list[dt.date] | None, today: dt.date) -> list[str]:
    lang, out = config.language, []
    if not data.days:
        out.append(t("trends.no_days", lang))
    if data.period.end >= today:
        out.append(t("trends.partial", lang, end=data.period.end.isoformat(), today=today.isoformat()))
    if expected_days is not None and data.days:
        missing = [d.isoformat() for d in expected_days if d <= today and d.isoformat() not in data.days]
        if missing:
            out.append(t("trends.missing_days", lang, n=len(missing), days=", ".join(missing[:6]) +
                         ("…" if len(missing) > 6 else "")))
    return out


def build(config: Config, store: Store, period: Period, ranker: Any = None, analyzer: Any = None,
          run: Callable[[Any], Any] | None = None, expected_days: list[dt.date] | None = None,
          today: dt.date | None = None) -> TrendReport:
    """The period's trends. ``ranker`` embeds papers (a semantic one; else TF-IDF is used),
    ``analyzer`` (through ``run``, the command's event loop) writes the labels and overview."""
    lang = config.language
    today = today or dt.date.today()
    data = gather(config, store, period)
    labels = {t_.id: t_.label for t_ in config.topic_list}
    vols = volumes(data, labels)
    found, embedder, clusters = find_themes(data, ranker)
    theme_of = {p.id: th.n for th in found for p in th.papers}
    key = key_papers(data, theme_of, lang, KEY_PAPERS[period.kind])
    tldrs = {k.paper.id: k.tldr for k in data.kept}
    facts = writing.facts(period.label("en"), vols, found, key, tldrs)
    known = {k.paper.id for k in data.kept}
    written, why = writing.write(analyzer, run, facts, known) if data.kept else (None, "")
    if written is not None:
        final = []
        for th in found:
            label, terms = written.labels.get(th.n, ("", []))
            refused = theming.label_supported(label, terms, clusters[th.n]) if label else ""
            final.append(th.model_copy(update={"label": None if refused or not label else label,
                                               "label_note": refused}))
        found = final
        overview = writing.checked(written, facts, known)
    else:
        overview = writing.extractive(vols, found, key, lang, reason=why)
    missed = [MissedPaper(id=item.paper.id, versioned_id=item.paper.versioned_id, title=item.paper.title,
                          abs_url=item.paper.abs_url, day=day, topic=labels.get(topic, topic))
              for day, item, topic in data.missed]
    made = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return TrendReport(kind=period.kind, key=period.key, start=period.start.isoformat(), end=period.end.isoformat(),
                       label=period.label(lang), language=lang, generator=f"arxiv-monitor {__version__} @ {made}",
                       days=data.days, items=data.items, papers=len(data.kept), volumes=vols,
                       history=history(data, vols, lang), themes=found, key_papers=key, missed=missed,
                       overview=overview, notices=notices(config, data, expected_days, today), embedder=embedder)


def version(report: TrendReport) -> str:
    """Changes when the report would read differently (not when only its time changes)."""
    data = report.model_dump(mode="json")
    data.pop("generator")
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def digest(report: TrendReport, site: str = "") -> Digest:
    """The trends as every channel says them: the themes (rising first), then the key papers."""
    from arxiv_monitor.trends.render import abs_link, title

    lang, href = report.language, abs_link(site)
    ordered = sorted(report.themes, key=lambda th: (th.trend != "rising", -th.size))
    lead = [[f"{th.label or th.name} · {t('trends.theme_size', lang, n=th.size)} · "
             f"{t('trends.trend.' + th.trend, lang)}"] for th in ordered[:6]]
    items = [DigestItem(n, p.title, href(p.id, p.abs_url), [p.topic] + p.reasons[:1], p.tldr)
             for n, p in enumerate(report.key_papers, start=1)]
    rising = sum(th.trend == "rising" for th in report.themes)
    kind = t(f"trends.kind.{report.kind}", lang)
    return Digest(f"{report.kind}:{report.key}", version(report), report.kind, lang, title(report),
                  t("mail.trends_subject", lang, kind=kind, period=report.key, n=report.papers),
                  t("chat.trends_summary", lang, n=report.papers, themes=len(report.themes), rising=rising),
                  list(report.notices), lead, items, (report.papers, len(report.key_papers)),
                  report.model_dump(mode="json"))
