"""How one paper reads in a report or a page, in the report's language (``i18n.py``):
why it was kept, its analysis with the notices above it, its faithfulness marks and
evidence, and why a keyword hit was dropped. Shared by the Markdown and HTML reports
(``render.py``) and the reading room (``web/``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from arxiv_monitor.analysis.replies import headings
from arxiv_monitor.core.i18n import t
from arxiv_monitor.core.models import (
    ANNOUNCE_TYPES,
    Analysis,
    DayReport,
    Dropped,
    KeywordHit,
    ReportEntry,
    best_topic,
)
from arxiv_monitor.core.topics import display_keyword
from arxiv_monitor.report import mdsafe
from arxiv_monitor.report.mdsafe import Md
from arxiv_monitor.trust import faithful

TYPES = ANNOUNCE_TYPES
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_PLACED = "\x00marker\x00"  # a marker already given its own <mark>


def type_label(kind: str, lang: str = "zh") -> str:
    return t(f"type.{kind}", lang) if kind in TYPES else kind


def source_label(source: str, lang: str = "zh") -> str:
    return t(f"source.{source}", lang) if source in ("html", "pdf", "jats", "abstract") else source


def topic_label(entry: ReportEntry, lang: str = "zh") -> str:
    """The topic a paper is listed under (its best kept topic), else its first keyword."""
    best = best_topic(entry.topics)
    if best is not None:
        return best.label
    return entry.hits[0].keyword if entry.hits else t("other", lang)


def topic_reasons(entry: ReportEntry, lang: str = "zh", quote: str = "`",
                  esc: Callable[[str], str] = str) -> list[str]:
    """Why the paper was kept, one line per topic: keywords or semantic match, with its
    probability. ``esc`` escapes the parts that come from outside."""
    lines = []
    close = {"\u201c": "\u201d", "「": "」"}.get(quote, quote)  # typographic quotes open and close
    for d in entry.topics:
        if d.kept_by == "keywords":
            words = [display_keyword(h.keyword).replace(quote, "").replace(close, "") for h in d.hits]
            why = t("why.keywords", lang, words=", ".join(f"{quote}{w}{close}" for w in words)) if d.hits \
                else t("why.authors", lang, names=esc(", ".join(d.author_hits)))
        elif d.kept_by == "judge":
            why = t("why.judge", lang)
        else:
            why = t("why.semantic", lang, ranker=d.ranker)
        score = "" if d.probability is None else t("why.probability", lang, p=d.probability)
        if d.adjusted_by:
            score += t("why.calibrated", lang, n=d.adjusted_by)
        if d.judge is not None:
            score += t("why.judge_score", lang, score=d.judge, reason=esc(d.judge_reason))
        lines.append(f"{esc(d.label)}{t('colon', lang)}{why}{score}")
    return lines


def dropped_why(x: Dropped, lang: str = "zh") -> str:
    """Why a keyword hit was not kept: its probability, a negative keyword, the categories."""
    d = x.decision
    sep = t("list.sep", lang)
    if d.verdict.none_hits:
        return t("dropped.negative", lang, words=sep.join(f"\u201c{display_keyword(h.keyword)}\u201d"
                                                           for h in d.verdict.none_hits))
    if d.verdict.missing_all:
        return t("dropped.missing", lang, words=sep.join(f"\u201c{w}\u201d" for w in d.verdict.missing_all))
    if not d.verdict.category_ok:
        return t("dropped.category", lang)
    if d.judge is not None:
        return t("dropped.judge", lang, score=d.judge)
    return t("dropped.probability", lang, p=d.probability) if d.probability is not None else t("dropped.other", lang)


def tldr(entry: ReportEntry) -> str:
    """The paper's one-sentence TL;DR from its shown analysis, or ''."""
    for a in (entry.analysis, entry.fallback):
        if a is not None and a.ok and a.sections.get("tldr"):
            return a.sections["tldr"]
    return ""


def signal_links(entry: ReportEntry, lang: str = "zh") -> list[tuple[str, str | None]]:
    """The paper's community signals as (text, link) pairs: "Hugging Face 42 upvotes", and
    the linked repository's stars."""
    out: list[tuple[str, str | None]] = []
    for s in entry.signals:
        if s.upvotes is not None:
            out.append((f"{s.label} {t('signal.upvotes', lang, n=f'{s.upvotes:,}')}", s.url))
        if s.stars is not None or s.repo_url:
            text = t("signal.stars", lang, n=f"{s.stars:,}") if s.stars is not None else s.repo_url or ""
            out.append((text, s.repo_url))
    return out


def signals_md(entry: ReportEntry, lang: str = "zh") -> Md:
    return Md(" · ".join(mdsafe.link(text, url) if url else mdsafe.text(text)
                         for text, url in signal_links(entry, lang)))


def signals_html(entry: ReportEntry, lang: str = "zh") -> Markup:
    return Markup(" · ").join(Markup('<a href="{}">{}</a>').format(url, text) if url else escape(text)
                              for text, url in signal_links(entry, lang))


def snippet_md(hit: KeywordHit) -> Md:
    """The hit's snippet with the matched words in bold."""
    text = mdsafe.text(hit.snippet).replace("*", "\\*")
    matched = mdsafe.text(hit.matched)
    if matched and matched in text:
        text = text.replace(matched, f"**{matched}**", 1)
    return Md(f"“{text}”")


def snippet_html(hit: KeywordHit) -> Markup:
    """The snippet, escaped, with the matched words highlighted."""
    text = str(escape(hit.snippet))
    matched = str(escape(hit.matched))
    if matched and matched in text:
        text = text.replace(matched, f"<mark>{matched}</mark>", 1)
    return Markup(f"“{text}”")


# -- analyses -------------------------------------------------------------------------------

def check_note(analysis: Analysis, lang: str = "zh") -> str | None:
    """One line on the faithfulness check and language, or None if nothing to say."""
    if analysis.backend == "extractive" or not analysis.claims_total:
        return None
    bad = analysis.unsupported_count
    note = t("check.note", lang, n=analysis.claims_total)
    note += t("check.bad", lang, bad=bad, marker=faithful.MARKER) if bad else t("check.good", lang)
    if analysis.warnings:
        note += t("clause.sep", lang) + t("clause.sep", lang).join(analysis.warnings)
    return note


def notices(entry: ReportEntry, lang: str = "zh") -> tuple[Analysis | None, list[tuple[str, str]]]:
    """The analysis to show and the notices above it, as (kind, plain text)."""
    a, notes = entry.analysis, []
    if entry.updated_from:
        notes.append(("notice", t("analysis.updated", lang, old=entry.updated_from, new=entry.paper.version)))
    if a is not None and not a.ok:
        reason = " ".join((a.error or t("analysis.unknown_reason", lang)).split())
        notes.append(("error", t("analysis.failed", lang, reason=reason)))
        a = entry.fallback
    if a is not None and a.source == "abstract":
        notes.append(("notice", t("analysis.abstract_only", lang)))
    if a is not None and check_note(a, lang):
        notes.append(("muted", check_note(a, lang) or ""))
    return a, notes


def analysis_title(a: Analysis, lang: str = "zh") -> str:
    basis = source_label(a.source, lang)
    if a.backend == "extractive":
        return t("analysis.extractive", lang, basis=basis)
    return t("analysis.llm", lang, basis=basis, model=a.model)


def _marked(analysis: Analysis, key: str) -> str:
    """A section's text with a visible marker after each unsupported claim."""
    body = (analysis.sections.get(key) or "").strip()
    return faithful.mark(body, analysis.unsupported.get(key, []))


def analysis_md(entry: ReportEntry, lang: str = "zh") -> Md:
    """The analysis block of one paper: heading, any notice, and the sections."""
    a, notes = notices(entry, lang)
    quoted = [f"> {mdsafe.text(text)}" for _, text in notes]
    if a is None:
        return Md("\n".join(quoted + [f"### {t('analysis.heading', lang)}\n\n{t('analysis.none', lang)}"]))
    sections = "\n\n".join(f"#### {label}\n{mdsafe.inert(_marked(a, key))}"
                           for key, label in headings(a.language).items())
    return Md("\n\n".join([f"### {mdsafe.text(analysis_title(a, lang))}", *quoted, sections]))


def sections_html(analysis: Analysis, lang: str = "zh", level: int = 4) -> str:
    """The analysis's sections as HTML under ``h{level}`` headings, each claim with its evidence
    (kept by content: the reading room shows the same analyses again and again)."""
    return _sections_html(lang, analysis.language, json.dumps(
        [analysis.sections, analysis.unsupported, analysis.evidence], ensure_ascii=False, sort_keys=True), level)


_MARKUP = re.compile(r"""[\\`*_\[\]<>!#|~&=+\-]|^\d+[.)]""", re.MULTILINE)


def plain(text: str) -> bool:
    """Text in which CommonMark sees nothing but paragraphs: no markup character, nothing that
    starts a list, no line that starts or ends with white space, no line break but "\\n"."""
    lines = text.split("\n")
    return not _MARKUP.search(text) and len(text.splitlines() or [""]) == len(lines) and \
        all(line == line.strip() for line in lines) and (text == "" or lines[0] != "" and lines[-1] != "")


def plain_html(text: str) -> str:
    """What CommonMark makes of plain text (``plain``): its paragraphs, escaped as markdown-it does."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return "".join(f"<p>{p}</p>\n" for p in re.split(r"\n{2,}", escaped) if p)


_SEPARATOR = "\u2063section\u2063"  # invisible separators around a word: not text an analysis has


@functools.lru_cache(maxsize=4096)
def _sections_html(lang: str, language: str, content: str, level: int = 4) -> str:
    sections, unsupported, evidence = json.loads(content)
    analysis = Analysis("", "", "", language, "ok", sections, unsupported=unsupported, evidence=evidence)
    keys = list(headings(analysis.language))
    texts = [_marked(analysis, key) for key in keys]
    # One Markdown document for all sections (a render has a fixed cost), cut at the separators;
    # a section that does not end where it began (an open code fence) is rendered on its own.
    if all(map(plain, texts)):  # most sections are prose: no Markdown to parse
        rendered = [plain_html(text) for text in texts]
    else:
        rendered = _MD.render(f"\n\n{_SEPARATOR}\n\n".join(texts)).split(f"<p>{_SEPARATOR}</p>\n")
    if len(rendered) != len(keys):
        rendered = [_MD.render(text) for text in texts]
    parts = []
    for (key, label), html in zip(headings(analysis.language).items(), rendered):
        items = [e for e in analysis.evidence if e.get("section") == key]
        body = with_evidence(html, items, lang).replace(
            faithful.MARKER, f'<mark class="unsupported" title="{t("check.missing_short", lang)}">'
                             f'{faithful.MARKER}</mark>').replace(_PLACED, faithful.MARKER)
        parts.append(f"<h{level}>{escape(label)}</h{level}>\n{body}")
    if any(' extra"' in part for part in parts):  # a CSS-only switch: no script in mail or on the static site
        parts.insert(0, f'<label class="show-claims"><input type="checkbox"> {t("check.show_all", lang)}</label>')
    return "\n".join(parts)


def with_evidence(html: str, items: list[dict], lang: str = "zh") -> str:
    """Each checked claim in the section's HTML with what the check found, shown on hover or
    focus (tap) by CSS from a ``data-evidence`` attribute: the paper's sentence or table row,
    or, on a ⚠️, what was looked for."""
    parts = re.split(r"(<[^>]+>)", html)
    for item in sorted(items, key=lambda e: -len(e.get("text", ""))):
        claim = str(escape(item.get("text", "")))
        if not claim:
            continue
        if item.get("supported"):
            pattern = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(claim)}(?![A-Za-z0-9_%]|</span>)")
            matched = item.get("matched", "")
            shown = f"{matched} — " if matched and matched.lower() != item.get("text", "").lower() else ""
            tip = escape(t("check.evidence", lang) + shown + item.get("evidence", ""))
            kind = "number" if item.get("kind") == "number" else "name"
            wrap = f'<span class="claim {kind}" tabindex="0" data-evidence="{tip}">{claim}</span>'
        else:
            pattern = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(claim)}{re.escape(faithful.MARKER)}")
            tip = escape(t("check.missing", lang) + item.get("looked_for", ""))
            wrap = f'{claim}<mark class="unsupported" tabindex="0" data-evidence="{tip}">{_PLACED}</mark>'
        parts = [p if _TAG.fullmatch(p) else pattern.sub(lambda _m: wrap, p) for p in parts]
        parts = [q for p in parts for q in ([p] if _TAG.fullmatch(p) else re.split(r"(<[^>]+>)", p))]
    return capped("".join(parts))


_TAG = re.compile(r"<[^>]+>")
UNDERLINES = 4  # checked claims underlined per paragraph; the others on "show all"
_BLOCK = re.compile(r"(?<=</p>)|(?<=</li>)")
_CLAIM = re.compile(r'<span class="claim (number|name)"')


def capped(html: str, cap: int = UNDERLINES) -> str:
    """At most ``cap`` underlined claims a paragraph, numbers first, then names in order; the
    others carry ``extra`` (their evidence still shows on hover or focus, and a "show all"
    switch underlines them). A ⚠️ is never capped."""
    out = []
    for block in _BLOCK.split(html):
        found = list(_CLAIM.finditer(block))
        if len(found) > cap:
            keep = {m.start() for m in sorted(found, key=lambda m: (m.group(1) != "number", m.start()))[:cap]}
            block = _CLAIM.sub(lambda m: m.group(0) if m.start() in keep else m.group(0)[:-1] + ' extra"', block)
        out.append(block)
    return "".join(out)


def analysis_html(entry: ReportEntry, lang: str = "zh", level: int = 4) -> Markup:
    """The analysis of one paper as a collapsible block, notices first (its sections under
    ``h{level}`` headings)."""
    a, notes = notices(entry, lang)
    css = {"notice": "notice", "error": "notice error", "muted": "muted"}
    head = "".join(f'<p class="{css[kind]}">{escape(text)}</p>' for kind, text in notes)
    if a is None:
        return Markup(head + f"<p>{t('analysis.none', lang)}</p>")
    return Markup(f"{head}<details open><summary>{escape(analysis_title(a, lang))}</summary>\n"
                  f"{sections_html(a, lang, level)}</details>")


def mode(report: DayReport, lang: str = "zh") -> str:
    if report.backend == "extractive":
        return t("mode.extractive", lang)
    return t("mode.llm", lang, backend=report.backend, model=report.model)


def ranker_note(report: DayReport, lang: str = "zh") -> str:
    """Which ranker scored the day's papers (as the report must say)."""
    rankers = {d.ranker for e in report.entries for d in e.topics}
    if not rankers:
        return ""
    names = ", ".join(sorted(rankers))
    if rankers == {"keywords"}:
        return t("ranker.keywords", lang)
    if any(r.startswith("semantic") for r in rankers):
        return t("ranker.semantic", lang, names=names)
    return t("ranker.tfidf", lang, names=names)
