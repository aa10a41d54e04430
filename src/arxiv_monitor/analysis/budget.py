"""Fitting a paper's full text to an analysis's token budget."""

from __future__ import annotations

from collections.abc import Callable

from arxiv_monitor.analysis.tokens import estimate_tokens
from arxiv_monitor.core.models import Section
from arxiv_monitor.fulltext.sections import PRIORITY, kind_of


def _truncate(text: str, tokens: int) -> str:
    cut = text[: max(0, tokens * 4)]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > len(cut) // 2 else cut).rstrip() + " […]"


def fit_to_budget(sections: list[Section], budget: int,
                  count: Callable[[str], int] = estimate_tokens) -> list[Section]:
    """Keep the most informative sections within ``budget`` tokens.

    Sections are taken by usefulness (abstract, conclusion, introduction,
    results, method, experiments ... related work and appendix last); the
    first one that does not fit is shortened to fill what is left. The result
    is in document order.
    """
    order = sorted(range(len(sections)), key=lambda i: (PRIORITY[kind_of(sections[i].title)], i))
    remaining = budget
    chosen: dict[int, Section] = {}
    for i in order:
        section = sections[i]
        cost = count(section.title) + count(section.text) + 4
        if cost <= remaining:
            chosen[i] = section
            remaining -= cost
        elif remaining > 150:
            chosen[i] = Section(section.title, _truncate(section.text, remaining - 20))
            remaining = 0
    return [chosen[i] for i in sorted(chosen)]
