"""The period's key papers, ranked by the user's ratings, relevance probability, how many
later papers in the store build on them (the same code repository, or the paper's name in
their abstracts), and the community signal when it is followed."""

from __future__ import annotations

import math
import re

from arxiv_monitor.core.i18n import lang_of
from arxiv_monitor.core.models import Paper
from arxiv_monitor.trends.gather import Kept, PeriodData
from arxiv_monitor.trends.model import KeyPaper

_NAME = re.compile(r"^\s*([A-Z][\w.+-]*(?:\s[\w.+-]+)?)\s*[:：]")


def short_name(title: str) -> str | None:
    """The name a paper gives itself before a colon ("OpenVLA-X: …"), when it looks like a
    name (one or two words, with a capital or a digit inside, four characters or more)."""
    m = _NAME.match(title)
    if not m:
        return None
    name = m.group(1)
    if len(name) < 4 or not re.search(r"[A-Z0-9].*[A-Z0-9]|[a-z][A-Z]|\d", name):
        return None
    return name


def built_on(kept: list[Kept], later: list[tuple[str, Paper]]) -> dict[str, int]:
    """How many papers listed after each kept paper's day share its code repository or name it."""
    out: dict[str, int] = {}
    for k in kept:
        name = short_name(k.paper.title)
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])") if name else None
        repo = (k.paper.code_url or "").rstrip("/").lower() or None
        count = 0
        for day, q in later:
            if day <= k.day or q.id == k.paper.id:
                continue
            same_repo = repo is not None and (q.code_url or "").rstrip("/").lower() == repo
            if same_repo or (pattern is not None and pattern.search(f"{q.title} {q.abstract}")):
                count += 1
        out[k.paper.id] = count
    return out


def _probability(k: Kept) -> float:
    d = k.best
    return d.probability if d.probability is not None else (1.0 if d.kept_by == "keywords" else 0.5)


def key_papers(data: PeriodData, themes: dict[str, int], lang: str, limit: int) -> list[KeyPaper]:
    """The ``limit`` best papers of the period, each with the reasons it is one."""
    zh = lang_of(lang) == 0
    later = built_on(data.kept, data.later)
    scored = []
    for k in data.kept:
        rating = data.ratings.get(k.paper.id, {})
        good = sum(1 for v in rating.values() if v) - sum(1 for v in rating.values() if not v)
        p, uses, weight = _probability(k), later.get(k.paper.id, 0), k.weight
        score = 3.0 * max(-1, min(1, good)) + p + 0.5 * min(uses, 4) + 0.3 * math.log10(1 + weight)
        reasons = []
        if good > 0:
            reasons.append("你评为相关" if zh else "you rated it relevant")
        if k.best.probability is not None:
            reasons.append(f"{'相关概率' if zh else 'relevance'} {k.best.probability:.2f}")
        elif k.best.kept_by == "keywords":
            reasons.append("标题或摘要命中关键词" if zh else "keyword match")
        if uses:
            reasons.append(f"{uses} 篇后续论文沿用其代码或提及其名称" if zh else
                           f"{uses} later paper{'s' if uses > 1 else ''} reuse its code or name it")
        if weight:
            reasons.append(f"{'社区信号' if zh else 'community'} {weight}")
        scored.append((score, k, reasons))
    scored.sort(key=lambda x: (-x[0], x[1].day, x[1].paper.id))
    return [KeyPaper(id=k.paper.id, versioned_id=k.paper.versioned_id, title=k.paper.title, abs_url=k.paper.abs_url,
                     source_label=k.paper.source_label, day=k.day, topic=k.best.label, score=round(score, 3),
                     reasons=reasons, tldr=k.tldr, theme=themes.get(k.paper.id))
            for score, k, reasons in scored[:limit]]
