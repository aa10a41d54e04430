"""Terminal output of the CLI: progress bars and the run summary (rich).

Imported by ``cli.py`` only when a command shows them, so ``--help`` stays quick.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from arxiv_monitor.core.models import TopicDecision
from arxiv_monitor.pipeline import RunStats


class RichProgress:
    """Shows each pipeline stage as a rich progress bar (two at once where stages overlap)."""

    def __init__(self, progress: Any):
        self.progress = progress
        self.tasks: dict[str, Any] = {}
        self.latest: str | None = None

    def stage(self, name: str, total: int) -> None:
        self.tasks[name] = self.progress.add_task(name, total=max(total, 0))
        self.latest = name

    def advance(self, step: int = 1, stage: str | None = None) -> None:
        name = stage or self.latest
        if name in self.tasks:
            self.progress.advance(self.tasks[name], step)


def columns() -> tuple:
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        """Items per second, once there is a rate."""

        def render(self, task: Any) -> Text:
            return Text(f"{task.speed:.1f}/s" if task.speed else "", style="progress.data.speed")

    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn())


def table(*args: Any, **kwargs: Any) -> Table:
    return Table(*args, **kwargs)


def summary(stats: RunStats, cost: float | None = None, currency: str = "") -> Table:
    """The run summary the CLI prints."""
    out = Table(title=f"arxiv-monitor run {stats.day or ''}".strip(), show_header=False)
    rows = [
        ("Feed items read", stats.items), ("Kept (announce types)", stats.kept),
        ("Matched", stats.matched), ("Embedded (ranking)", stats.embedded),
        ("Full texts downloaded", stats.downloaded), ("Full texts from cache", stats.from_cache),
        ("Abstract only (no full text)", stats.fulltext_failed),
        ("Analyses made", stats.analysed), ("Analyses cached", stats.analyses_cached),
        ("Analyses failed", stats.analyses_failed),
        ("Tokens in / out", f"{stats.tokens_in} / {stats.tokens_out}"
         + (f" (≈ {cost:.4f} {currency})" if cost is not None else "")),
        ("Claims supported / unsupported", f"{stats.claims_supported} / {stats.claims_unsupported}"),
        ("Delivered", "\n".join(stats.delivered) or "-"),
        ("Missed days caught up", ", ".join(stats.caught_up) or "-"),
    ]
    for label, value in rows:
        out.add_row(label, str(value))
    return out


def explanation(found: Any) -> str:
    """``arxiv-monitor explain``: per topic, the evidence and the decision."""
    lines = [f"{found.paper.versioned_id}  {found.paper.title}"]
    for d in found.decisions:
        v = d.verdict
        hits = ", ".join(f"{h.keyword} ({h.field}: \u201c{h.snippet}\u201d)" for h in v.hits)
        decision = {"keywords": "kept: keywords", "semantic": "kept: semantic match",
                    "judge": "kept: LLM judge"}.get(
            d.kept_by or "", "not kept" + ("" if v.category_ok else " (not in the topic's categories)"))
        judge = f"{d.judge:g}/10: {d.judge_reason}" if d.judge is not None else "- (not asked)"
        rated = found.ratings.get(d.topic)
        lines += [f"\n{d.label} [{d.topic}]",
                  f"  keyword hits:   {hits or '-'}" + (f"; authors: {', '.join(v.author_hits)}" if v.author_hits else ""),
                  f"  negative hits:  {', '.join(h.keyword for h in v.none_hits) or '-'}",
                  f"  missing 'all':  {', '.join(v.missing_all) or '-'}",
                  f"  similarity:     {d.score:.3f} ({d.ranker})",
                  "  probability:    " + ("- (the keywords decide alone)" if d.probability is None else
                                          f"{d.probability:.2f} (cut-off {d.threshold:.2f}; {_calibration(d)})"),
                  f"  judge:          {judge}"]
        lines += [f"  rating:         {'-' if rated is None else ('good' if rated else 'bad')}",
                  f"  decision:       {decision}"]
        for day, kept in found.days.get(d.topic, []):
            lines.append(f"  listed {day}: {'kept' if kept else 'not kept'}")
    return "\n".join(lines)


def questions(found: Any) -> str:
    """``arxiv-monitor tune``: the papers to rate, closest to the topic's cut-off first."""
    lines = [f"{found.label}: rate these to teach it most (probability now, then the paper)"]
    lines += [f"  {n}. {q.probability:.2f}  {q.paper.id}  {q.paper.title}" for n, q in enumerate(found.questions, 1)]
    return "\n".join(lines)


def draft(found: Any) -> str:
    """``arxiv-monitor topics suggest``: where the draft came from, and each keyword's check
    against the stored papers (how many it matches, three titles, too broad or not)."""
    source = "drafted by the LLM" if found.source == "llm" else "keywords mined from the stored papers closest to it"
    lines = [f"{found.name} ({found.id}): {source}.",
             f"Each keyword against the {found.checked} latest stored papers (title and abstract):"]
    for c in found.checks:
        flag = f"  ⚠ too broad: {c.matched / max(found.checked, 1):.0%} of them" if c.broad else ""
        lines.append(f"  {c.keyword}: {c.matched} paper{'' if c.matched == 1 else 's'}{flag}")
        lines += [f"      · {title}" for title in c.titles]
    if found.negatives:
        lines.append("Negative keywords: " + ", ".join(found.negatives))
    return "\n".join(lines)


def _calibration(d: TopicDecision) -> str:
    moved = f", moved by your {d.adjusted_by} rating{'' if d.adjusted_by == 1 else 's'}" if d.adjusted_by else ""
    if d.calibration == "ratings":
        return f"calibrated on your {d.adjusted_by} ratings"
    if d.calibration == "shipped":
        return "the default topic's calibration, from the labelled set" + moved
    if d.calibration == "fitted":
        return "the prior fitted for this model on your labels" + moved
    from arxiv_monitor.relevance import calibrate

    model = d.ranker.removeprefix("semantic:")
    other = d.ranker.startswith("semantic:") and model != calibrate.shipped_model()
    return "the prior calibration" + (f" (fitted with {calibrate.shipped_model()}, not {model}: arxiv-monitor eval "
                                      "relevance LABELS --fit-prior fits it for this model)" if other else "") + \
        (moved or "; each rating of this topic moves it (arxiv-monitor tune)")


def verification(found: Any) -> str:
    """``arxiv-monitor verify``: each claim with its verdict and evidence."""
    claims = found.checked.evidence()
    lines = [f"{found.paper}: {len(claims)} claims, {sum(not c['supported'] for c in claims)} not found in the paper"]
    for c in claims:
        why = f"paper: {c['evidence']}" if c["supported"] else f"not found; looked for {c['looked_for']}"
        lines.append(f"{'ok ' if c['supported'] else 'NO '} [{c['section']}] {c['text']}  — {why}")
    return "\n".join(lines)
