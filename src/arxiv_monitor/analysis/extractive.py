"""The ``extractive`` analyser: the paper's own sentences, no LLM.

Each section is filled with sentences chosen from the sections of the paper
that usually answer it (introduction for motivation, experiments for the
setup, ...), ranked by cue phrases. It is the default when no LLM is
configured, and the fallback shown when an LLM analysis fails. The report
labels it plainly as extractive: its sentences are quoted, not written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from arxiv_monitor.analysis.base import Analyzer
from arxiv_monitor.core.models import Analysis, FullText, Paper, Section
from arxiv_monitor.fulltext.sections import kind_of
from arxiv_monitor.trust import faithful

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config

_ABBREV = r"(?<!\be\.g)(?<!\bi\.e)(?<!\bet al)(?<!\bFig)(?<!\bEq)(?<!\bvs)(?<!\bSec)(?<!\bTab)"
_SPLIT = re.compile(_ABBREV + r"(?<=[.!?])\s+(?=[A-Z(\[\"'])")

# For each section: the paper sections to read (in order), cue phrases, and how many sentences.
PLAN: dict[str, tuple[list[str], list[str], int]] = {
    "summary": (["abstract"], [], 3),
    "motivation": (["introduction", "abstract"],
                   ["however", "challeng", "limitation", "existing", "remain", "problem", "lack",
                    "difficult", "suffer", "important", "crucial", "gap"], 3),
    "contributions": (["introduction", "abstract", "conclusion"],
                      ["we propose", "we introduce", "we present", "our contribution", "novel",
                       "first", "we develop", "we design", "this paper"], 4),
    "method": (["method", "other", "abstract"],
               ["we propose", "consists of", "our approach", "framework", "architecture",
                "module", "we use", "we design", "based on", "model"], 4),
    "experiments": (["experiments", "results", "abstract"],
                    ["dataset", "benchmark", "baseline", "we evaluate", "experiments", "metric",
                     "trained", "setting"], 3),
    "results": (["results", "experiments", "conclusion", "abstract"],
                ["outperform", "achiev", "improv", "state-of-the-art", "%", "results show",
                 "demonstrate", "better", "gain"], 4),
    "limitations": (["limitations", "conclusion", "discussion"],
                    ["limitation", "future work", "fail", "cannot", "does not", "restricted",
                     "only", "assum"], 3),
}
# Results before experiments: a sentence with numbers belongs to the results.
PICK_ORDER = ["summary", "motivation", "contributions", "method", "results", "limitations",
              "experiments"]
NOT_STATED = {"zh": "（原文未明确说明）", "en": "(Not stated in the paper.)"}


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping common abbreviations intact.

    Lines are split first, so headings and table rows never merge into a
    sentence; fragments without a sentence end are dropped.
    """
    out = []
    for line in text.splitlines():
        flat = re.sub(r"\s+", " ", line).strip()
        for sentence in _SPLIT.split(flat):
            sentence = sentence.strip()
            if 30 <= len(sentence) <= 600 and sentence[-1] in ".!?" and "|" not in sentence:
                out.append(sentence)
    return out


def _pick(pool: list[str], cues: list[str], count: int, used: set[str]) -> list[str]:
    """Up to ``count`` unused sentences with the most cues, in text order.

    Without cues, the leading sentences; with cues but no sentence that has
    one, nothing (the caller tries the next section kind).
    """
    fresh = [(i, s) for i, s in enumerate(pool) if s not in used]
    if not cues:
        return [s for _, s in fresh[:count]]
    scored = [(-sum(cue in s.lower() for cue in cues), i, s) for i, s in fresh]
    best = [t for t in sorted(scored) if t[0] < 0][:count]
    return [s for _, _, s in sorted(best, key=lambda t: t[1])]


class ExtractiveAnalyzer(Analyzer):
    """Fills each section with the paper's own sentences."""

    name = "extractive"
    model = "sentences"
    prompt_version = "x1"

    def __init__(self, language: str = "zh"):
        self.language = language

    @classmethod
    def from_config(cls, config: Config) -> ExtractiveAnalyzer:
        return cls(language=config.language)

    def extract(self, paper: Paper, text: FullText) -> dict[str, str]:
        """The section texts: quoted sentences, or a "not stated" marker."""
        by_kind: dict[str, list[str]] = {}
        parts = text.sections or [Section("Abstract", paper.abstract)]
        if not any(kind_of(s.title) == "abstract" for s in parts):
            parts = [Section("Abstract", paper.abstract), *parts]
        for section in parts:
            by_kind.setdefault(kind_of(section.title), []).extend(sentences(section.text))
        used: set[str] = set()
        out: dict[str, str] = {}
        for key in PICK_ORDER:
            kinds, cues, count = PLAN[key]
            chosen: list[str] = []
            for kind in kinds:
                chosen = _pick(by_kind.get(kind, []), cues, count, used)
                if chosen:
                    break
            used.update(chosen)
            out[key] = " ".join(chosen) if chosen else NOT_STATED.get(self.language, NOT_STATED["en"])
        return {key: out[key] for key in PLAN}

    def analyze_now(self, paper: Paper, text: FullText) -> Analysis:
        """The extractive analysis, computed synchronously."""
        sections = self.extract(paper, text)
        checked = faithful.check(sections, "\n".join([paper.title, paper.abstract, text.text]))
        abstract = sentences(paper.abstract)
        if abstract:
            sections["tldr"] = abstract[0]
        return Analysis(self.name, self.model, self.prompt_version, self.language, "ok",
                        sections=sections, source=text.source, version=paper.version,
                        claims_total=checked.total, unsupported=checked.unsupported, evidence=checked.evidence())

    async def analyze(self, paper: Paper, text: FullText) -> Analysis:
        return self.analyze_now(paper, text)
