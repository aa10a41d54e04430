"""``arxiv-monitor verify``: check any analysis against a paper, including ones written elsewhere.

The paper is a PDF, HTML or plain-text file, or a paper id (``fulltext/load.py``).
The analysis is a JSON object of section name -> text, a JSON report of this
tool (the paper's analysis is picked by id), or a report's Markdown (its
``#### heading`` sections; in a report of several papers, the one whose arXiv
id is given, or the only one). Every claim is printed with its verdict and the
sentence or table row that supports it, or what was looked for.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import FullText, Paper
from arxiv_monitor.trust import faithful

FORMATS = ("a JSON object of section name -> text, an arxiv-monitor JSON report, or a report's Markdown "
           "(#### headings)")


@dataclass
class Verification:
    paper: str  # the paper's title (or file name)
    checked: faithful.Checked

    def to_dict(self) -> dict[str, Any]:
        return {"paper": self.paper, "claims": self.checked.evidence()}


def verify(paper: Paper, text: FullText, analysis: Path) -> Verification:
    """Check the analysis in the file ``analysis`` against ``paper`` and its full text."""
    sections = load_analysis(analysis, paper.id if paper.id != "local" else None)
    paper_text = "\n".join([paper.title, paper.abstract, paper.comments or "", text.text])
    return Verification(paper.title, faithful.check(sections, paper_text))


def load_analysis(path: Path, paper_id: str | None = None) -> dict[str, str]:
    """The sections of an analysis file (see the module's formats)."""
    try:
        raw = path.expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise MonitorError(f"Cannot read the analysis {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise MonitorError(f"{path} is not UTF-8 text; give {FORMATS}") from None
    if path.suffix.lower() == ".json" or raw.lstrip().startswith(("{", "[")):
        sections = _from_json(raw, path, paper_id)
    else:
        sections = _from_markdown(raw, paper_id)
    sections = {k: v.replace(faithful.MARKER, "") for k, v in sections.items() if isinstance(v, str) and v.strip()}
    if not sections:
        raise MonitorError(f"{path} holds no analysis sections; give {FORMATS}")
    return sections


def _from_json(raw: str, path: Path, paper_id: str | None) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MonitorError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg}); give {FORMATS}") from None
    except RecursionError:
        raise MonitorError(f"{path} nests its JSON deeper than any analysis does; give {FORMATS}") from None
    if isinstance(data, dict) and isinstance(data.get("papers"), list):  # an arxiv-monitor JSON report
        papers = [p for p in data["papers"] if not paper_id or p.get("id", p.get("arxiv_id")) == paper_id]
        if len(papers) != 1:
            raise MonitorError(f"{path} is a report of {len(data['papers'])} papers: give the paper's id "
                               "with --paper to pick one")
        chosen = papers[0].get("analysis") or papers[0].get("fallback") or {}
        return dict(chosen.get("sections") or {})
    if not isinstance(data, dict):
        raise MonitorError(f"{path} holds a JSON {type(data).__name__}; give {FORMATS}")
    return {str(k): v for k, v in data.items()}


def _from_markdown(raw: str, paper_id: str | None) -> dict[str, str]:
    blocks = re.split(r"(?m)^## \d+\. ", raw)
    if len(blocks) > 2:  # a report of several papers
        wanted = [b for b in blocks[1:] if paper_id and paper_id in b]
        if len(wanted) != 1:
            raise MonitorError(f"the Markdown report holds {len(blocks) - 1} papers: give the paper's id "
                               "with --paper to pick one")
        raw = wanted[0]
    sections: dict[str, str] = {}
    for m in re.finditer(r"(?ms)^#### (.+?)\n(.*?)(?=^#{1,4} |\Z)", raw):
        body = "\n".join(line for line in m.group(2).splitlines() if not line.startswith(">")).strip()
        sections[m.group(1).strip()] = body
    return sections
