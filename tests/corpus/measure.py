"""Measure an extracted full text against a fixture paper's ground truth (``truth.json``).

Used by ``tests/test_corpus.py`` (which holds the extractors to the targets) and by
``bench/fulltext_quality.py`` (which prints the table).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from arxiv_monitor.core.models import FullText, Paper
from arxiv_monitor.fulltext.codelink import find_code_url

CORPUS = Path(__file__).resolve().parent
LAYOUTS = ["ieee", "revtex", "llncs", "acmart", "article", "acl"]


def load(layout: str) -> dict:
    return json.loads((CORPUS / layout / "truth.json").read_text(encoding="utf-8"))


def _norm_title(title: str) -> str:
    """``"II. RELATED WORK"``, ``"2 Related Work"``, ``"Appendix A Proofs"`` -> ``"related work"``."""
    t = re.sub(r"^(appendix\s+)?([0-9]+(\.[0-9]+)*|[IVXLC]+|[A-Z])(\.|-[A-Z0-9]+)?\s+", "", title.strip(),
               flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", t).strip().lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@dataclass
class Figures:
    title_recall: float
    title_precision: float
    false_headings: list[str]
    bib_leak: float
    word_recall: float
    equations_kept: float
    compounds_intact: float
    code_link_ok: bool
    code_link: str | None


def measure(text: FullText, truth: dict) -> Figures:
    titles = [_norm_title(s.title) for s in text.sections if s.title != "Front matter"]
    wanted = [t.lower() for t in truth["sections"]]
    allowed = set(wanted) | {t.lower() for t in truth["subsections"]}
    found = [t for t in wanted if t in titles]
    false = [s.title for s in text.sections if s.title != "Front matter" and _norm_title(s.title) not in allowed]
    body = text.text
    flat = re.sub(r"\s+", " ", body)
    words = Counter(_words(body))
    truth_words = Counter(w for p in truth["paragraphs"] + truth["footnotes"] for w in _words(p))
    matched = sum(min(n, words[w]) for w, n in truth_words.items())
    leaked = [b for b in truth["bibliography"] if _bib_key(b).lower() in flat.lower()]
    squashed = re.sub(r"\s", "", body)
    equations = [e for e in truth["equations"] if re.sub(r"\s", "", e) in squashed]
    compounds = [c for c in truth["compounds"] if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", body)]
    paper = Paper("0000.00000", 1, truth["title"], truth["paragraphs"][0])
    code = find_code_url(paper, text)
    return Figures(
        title_recall=len(found) / len(wanted), title_precision=1 - len(false) / max(1, len(titles)),
        false_headings=false, bib_leak=len(leaked) / len(truth["bibliography"]),
        word_recall=matched / sum(truth_words.values()), equations_kept=len(equations) / len(truth["equations"]),
        compounds_intact=len(compounds) / len(truth["compounds"]),
        code_link_ok=code == truth["code_url"], code_link=code,
    )


def _bib_key(entry: str) -> str:
    """A phrase of a bibliography entry that the paper's body never writes: its title's start."""
    title = re.sub(r"^.*? and [A-Z]\.(?: [A-Z]\.)? [A-Z][\w-]+, ", "", entry)
    return " ".join(title.split()[:6])
