"""Faithfulness: every quantitative claim and named entity of an analysis, checked in the paper.

``check(sections, paper_text)`` finds the claims of each section (``claims.py``)
and looks each up in the paper (``evidence.py``): a number needs the same value,
unit and context there; a derived value two numbers that give it; a name the
same whole token. Each result keeps the sentence or table row that supports the
claim, or says what was looked for; the analysis stores them (``evidence``),
the report marks the unsupported claims with ``MARKER`` and shows the evidence
of the others on hover or tap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from arxiv_monitor.trust.claims import Claim, clause_at, extract
from arxiv_monitor.trust.evidence import Found, PaperIndex, evidence_text, looked_for

MARKER = "⚠️[原文未见]"


@dataclass
class Result:
    """One claim of one section, and what the paper says to it."""

    section: str
    claim: Claim
    found: Found | None
    clause: str = ""  # the claim's clause in the analysis

    @property
    def supported(self) -> bool:
        return self.found is not None

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "text": self.claim.text, "kind": self.claim.kind,
                "supported": self.supported, "evidence": evidence_text(self.found),
                "matched": self.found.matched if self.found else "",
                "looked_for": looked_for(self.claim)}


@dataclass
class Checked:
    """Every claim of an analysis with its verdict."""

    results: list[Result]

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def unsupported(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self.results:
            if not r.supported:
                out.setdefault(r.section, []).append(r.claim.text)
        return out

    def to_repair(self) -> dict[str, list[str]]:
        """The unsupported claims in their clauses, by section, for the model to correct."""
        out: dict[str, list[str]] = {}
        for r in self.results:
            if not r.supported:
                out.setdefault(r.section, []).append(
                    f"“{r.clause}” ({r.claim.text})" if r.clause and r.clause != r.claim.text else r.claim.text)
        return out

    def evidence(self) -> list[dict[str, Any]]:
        """What the analysis stores: each claim's verdict, evidence or what was looked for."""
        return [r.to_dict() for r in self.results]


def check(sections: dict[str, str], paper_text: str, index: PaperIndex | None = None) -> Checked:
    """Check the claims of ``sections`` (section key -> text) against ``paper_text``."""
    index = index or PaperIndex(paper_text)
    results = []
    for key, body in sections.items():
        seen: set[str] = set()
        for claim in index.joined(extract(body or ""), body or ""):
            if claim.text in seen:
                continue
            seen.add(claim.text)
            left, right = clause_at(body, claim.start, claim.end)
            results.append(Result(key, claim, index.support(claim), body[left:right].strip()))
    return Checked(results)


def mark(body: str, unsupported: list[str], marker: str = MARKER) -> str:
    """Put a visible marker right after each unsupported claim in ``body`` (boundaries are
    ASCII-aware: a claim glued to Chinese text is found)."""
    for claim in sorted(set(unsupported), key=len, reverse=True):
        body = re.sub(rf"(?<![A-Za-z0-9_.]){re.escape(claim)}(?![A-Za-z0-9_%])(?!{re.escape(marker)})",
                      lambda m: m.group(0) + marker, body)
    return body
