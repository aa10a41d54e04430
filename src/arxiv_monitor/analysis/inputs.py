"""``arxiv-monitor read``: what an analysis of a paper is based on.

For a local PDF or HTML file, or an arXiv id (its text from the cache, else
downloaded politely), it lists every section extracted, its kind and token
count, and whether it goes to the LLM whole, cut to fit, or not at all under
the configured input budget; and the code link with where it was found.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from arxiv_monitor.sources.arxiv import catchup as backfill
from arxiv_monitor.analysis import prompts
from arxiv_monitor.analysis.base import fit_to_budget
from arxiv_monitor.fulltext.codelink import CodeLink, find_code_link
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.fulltext.download import FullTextFetcher, read_file
from arxiv_monitor.core.ids import ArxivId
from arxiv_monitor.core.models import FullText, Paper
from arxiv_monitor.fulltext.sections import kind_of
from arxiv_monitor.store import open_store
from arxiv_monitor.analysis.tokens import counter


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


def load(config: Config, target: str) -> tuple[Paper, FullText]:
    """The paper and its full text: a local PDF, HTML or text file, or an arXiv id (from the
    store, else downloaded politely)."""
    path = Path(target).expanduser()
    if path.exists():
        try:
            text = read_file(path)
        except (ValueError, OSError) as exc:
            raise MonitorError(f"Cannot read {path}: {exc}") from None
        return _paper_of_file(path, text), text
    return _fetched(config, target)


def read(config: Config, target: str) -> Reading:
    """Read ``target`` (a file, or an arXiv id) as the analysis stage would."""
    paper, text = load(config, target)
    llm = config.llm
    reasoning = llm.reasoning_tokens if prompts.is_reasoning(llm.model, llm.reasoning) else 0
    budget = prompts.budgets(llm.max_input_tokens, llm.max_output_tokens, reasoning, llm.context_length)[0]
    count = counter(llm.model, llm.tokenizer)
    sent = {s.title: s.text for s in fit_to_budget(text.sections, budget, count)}
    sections = [ReadSection(s.title, kind_of(s.title), count(s.text),
                            "no" if s.title not in sent else ("whole" if sent[s.title] == s.text else "cut"), s.text)
                for s in text.sections]
    return Reading(target, paper.title, text.source, budget, sections, find_code_link(paper, text), text.error)


def _paper_of_file(path: Path, text: FullText) -> Paper:
    front = next((s.text for s in text.sections if s.title == "Front matter"), "")
    abstract = next((s.text for s in text.sections if s.title == "Abstract"), "")
    title = front.split("\n", 1)[0].strip() if front else path.stem
    return Paper("local", 1, title, abstract)


def _fetched(config: Config, target: str) -> tuple[Paper, FullText]:
    try:
        ident = ArxivId.parse(target)
    except ValueError:
        raise MonitorError(f"{target} is neither a file nor an arXiv id (e.g. 2601.22586)") from None
    from arxiv_monitor.pipeline import make_client

    with open_store(config) as store, make_client(config) as client:
        paper = store.papers.version(ident.bare, ident.version) if ident.version else store.papers.latest(ident.bare)
        if paper is None:
            found = backfill.fetch_ids(client, config.arxiv.api_url, [str(ident)])
            if not found:
                raise MonitorError(f"arXiv has no paper {ident} (or the export API cannot be reached)")
            paper = found[0]
        stored = store.fulltexts.get(paper)
        if stored and stored.status == "ok":
            return paper, stored.text
        a = config.arxiv
        fetcher = FullTextFetcher(client, config.cache_path, a.html_url, a.pdf_url, a.fulltext,
                                  int(a.max_download_mb * 1_000_000))
        return paper, fetcher.fetch(paper)[0]
