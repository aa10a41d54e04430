"""``arxiv-monitor read``: what an analysis of a paper is based on.

For a paper (a local file, or an id: see ``fulltext/load.py``) it lists every section
extracted, its kind and token count, and whether it goes to the LLM whole, cut to fit, or
not at all under the configured input budget; and the code link with where it was found.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from arxiv_monitor.analysis import prompts
from arxiv_monitor.analysis.budget import fit_to_budget
from arxiv_monitor.analysis.tokens import counter
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.models import FullText, Paper
from arxiv_monitor.fulltext.codelink import CodeLink, find_code_link
from arxiv_monitor.fulltext.sections import kind_of


@dataclass
class ReadSection:
    title: str
    kind: str
    tokens: int
    sent: str  # "whole", "cut" or "no"
    text: str


@dataclass
class Reading:
    name: str
    title: str
    source: str  # "html", "pdf" or "abstract"
    budget: int
    sections: list[ReadSection]
    code: CodeLink | None
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def read(config: Config, target: str, paper: Paper, text: FullText) -> Reading:
    """What the analysis stage would send of ``text`` (``target``: how the user named it)."""
    llm = config.llm
    reasoning = llm.reasoning_tokens if prompts.is_reasoning(llm.model, llm.reasoning) else 0
    budget = prompts.budgets(llm.max_input_tokens, llm.max_output_tokens, reasoning, llm.context_length)[0]
    count = counter(llm.model, llm.tokenizer)
    sent = {s.title: s.text for s in fit_to_budget(text.sections, budget, count)}
    sections = [ReadSection(s.title, kind_of(s.title), count(s.text),
                            "no" if s.title not in sent else ("whole" if sent[s.title] == s.text else "cut"), s.text)
                for s in text.sections]
    return Reading(target, paper.title, text.source, budget, sections, find_code_link(paper, text), text.error)
