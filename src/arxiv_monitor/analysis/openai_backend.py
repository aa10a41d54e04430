"""The ``openai`` analyser: any OpenAI-compatible chat endpoint.

Works with OpenAI, DeepSeek, Qwen (DashScope), Moonshot, Ollama, vLLM and
SGLang. The asking, retrying and reply reading live in ``llm.LLMClient``;
the reply shapes in ``replies``. This module decides what to ask: the
analysis of a paper (fitted to the token budget), one repair of sections
with unsupported claims or in the wrong language, the day's overview, and
the relevance judge's scores.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from arxiv_monitor.analysis import prompts
from arxiv_monitor.analysis.base import Analyzer, failed
from arxiv_monitor.analysis.budget import fit_to_budget
from arxiv_monitor.analysis.llm import AskFailed, LLMClient, Usage
from arxiv_monitor.analysis.overview import overview_input
from arxiv_monitor.analysis.replies import (
    SECTION_KEYS,
    AnalysisReply,
    JudgeReply,
    OverviewReply,
    RepairReply,
    ReplyError,
    TopicReply,
    TrendsReply,
    headings,
    json_body,
    markdown_sections,
    resolve_id,
)
from arxiv_monitor.analysis.tokens import counter
from arxiv_monitor.core.errors import AnalysisError, ConfigError
from arxiv_monitor.core.models import Analysis, FullText, Overview, Paper, ReportEntry, TrendsWriting
from arxiv_monitor.core.settings import LLMConfig
from arxiv_monitor.trust import faithful
from arxiv_monitor.trust.evidence import PaperIndex
from arxiv_monitor.trust.quality import drifted_sections

if TYPE_CHECKING:
    from arxiv_monitor.core.config import Config

log = logging.getLogger(__name__)

def _sections_reply(model: type[AnalysisReply] | type[RepairReply], **context: Any):
    """A parser for analysis or repair replies: a JSON object, else headed Markdown."""
    def parse(content: str | None, mode: str) -> Any:
        try:
            data = json_body(content)
        except ReplyError as exc:
            data = markdown_sections(content)
            if not data:
                raise ReplyError(f"{exc}, and it has none of the section headings either") from None
        return model.parse(data, **context)
    return parse


class OpenAIAnalyzer(Analyzer):
    """Analyses papers through an OpenAI-compatible ``/chat/completions``."""

    name = "openai"
    judges = True
    Options = LLMConfig  # its settings: the [llm] section

    def __init__(self, *, base_url: str | None, api_key: str, model: str, language: str = "zh",
                 timeout: float = 180.0, max_retries: int = 3, json_mode: str = "auto",
                 max_input_tokens: int = 24000, max_output_tokens: int = 4096,
                 temperature: float = 0.2, reasoning: str = "auto", reasoning_tokens: int = 8192,
                 context_length: int = 0, tokenizer: str = "auto", prompt_template: str = "",
                 give_up_after: int = 6, backoff: float = 1.0):
        if not model:
            raise ConfigError("llm.model: set the model name for the openai backend "
                              "(e.g. deepseek-chat, qwen-plus, gpt-4o-mini, llama3.1)")
        self.model = model
        self.endpoint = (base_url or "https://api.openai.com/v1", model)
        self.language = language
        self.max_input_tokens = max_input_tokens
        self.max_output_tokens = max_output_tokens
        self.template = prompts.load_template(prompt_template)
        self.prompt_version = prompts.prompt_version(prompt_template)
        self.count = counter(model, tokenizer)
        self.context_length = context_length
        self.reasoning = prompts.is_reasoning(model, reasoning)
        self.reasoning_tokens = reasoning_tokens
        self.llm = LLMClient(base_url=base_url, api_key=api_key, model=model, timeout=timeout,
                             max_retries=max_retries, temperature=temperature, json_mode=json_mode,
                             give_up_after=give_up_after, backoff=backoff)

    @classmethod
    def from_config(cls, config: Config) -> OpenAIAnalyzer:
        llm = config.llm
        return cls(base_url=llm.base_url, api_key=llm.api_key.get_secret_value(), model=llm.model,
                   language=config.language, timeout=llm.timeout, max_retries=llm.max_retries,
                   json_mode=llm.json_mode, max_input_tokens=llm.max_input_tokens,
                   max_output_tokens=llm.max_output_tokens, temperature=llm.temperature,
                   reasoning=llm.reasoning, reasoning_tokens=llm.reasoning_tokens,
                   context_length=llm.context_length, tokenizer=llm.tokenizer,
                   prompt_template=llm.prompt_template, give_up_after=llm.give_up_after,
                   backoff=llm.backoff)

    @classmethod
    def configured_model(cls, config: Config) -> str:
        return config.llm.model

    async def aclose(self) -> None:
        await self.llm.aclose()

    @property
    def reply_mode(self) -> str:
        """How replies are asked for (json_schema, json_object or text): remembered per endpoint."""
        return self.llm.mode

    @reply_mode.setter
    def reply_mode(self, mode: str) -> None:
        self.llm.remember(mode)

    def _budgets(self) -> tuple[int, int]:
        return prompts.budgets(self.max_input_tokens, self.max_output_tokens,
                               self.reasoning_tokens if self.reasoning else 0, self.context_length)

    def output_budget(self) -> int:
        """``max_tokens``: the answer budget, plus room to think for reasoning models."""
        return self._budgets()[1]

    def input_budget(self) -> int:
        """Tokens of paper text per request: the configured budget, within the context window."""
        return self._budgets()[0]

    def messages(self, paper: Paper, text: FullText, mode: str = "json_schema") -> list[dict[str, str]]:
        """The chat messages for one paper, its text fitted to the input budget."""
        context = {
            "paper": paper, "source": text.source, "language_name": prompts.language_name(self.language),
            "headings": headings(self.language), "guidance": prompts.GUIDANCE, "json_mode": mode != "text",
            "sections": fit_to_budget(text.sections, self.input_budget(), self.count),
        }
        return [{"role": "system", "content": prompts.render("system.j2", **context)},
                {"role": "user", "content": self.template.render(context).strip()}]

    async def analyze(self, paper: Paper, text: FullText) -> Analysis:
        """Analyse one paper; a problem with this paper gives a failed Analysis."""
        usage = Usage()
        paper_text = "\n".join([paper.title, paper.abstract, paper.comments or "", text.text])
        try:
            reply, content = await self.llm.ask(
                lambda mode: self.messages(paper, text, mode), _sections_reply(AnalysisReply),
                max_tokens=self.output_budget(), schema=_schema(AnalysisReply), usage=usage)
            sections = reply.sections()
            checked, warnings = await self._repair(paper, text, content, sections, paper_text, usage)
        except AskFailed as exc:
            return failed(self, text, str(exc), tokens_in=usage.tokens_in, tokens_out=usage.tokens_out)
        return Analysis(self.name, self.model, self.prompt_version, self.language, "ok",
                        sections=sections, source=text.source, claims_total=checked.total,
                        unsupported=checked.unsupported, warnings=warnings, evidence=checked.evidence(),
                        tokens_in=usage.tokens_in, tokens_out=usage.tokens_out)

    async def _repair(self, paper: Paper, text: FullText, reply: str, sections: dict[str, str],
                      paper_text: str, usage: Usage) -> tuple[faithful.Checked, list[str]]:
        """Re-ask once for sections with unsupported claims or in the wrong language."""
        core = {k: sections[k] for k in SECTION_KEYS}
        drifted = drifted_sections(core, self.language, paper_text)
        index = PaperIndex(paper_text)
        checked = faithful.check(core, paper_text, index)
        unsupported = checked.unsupported
        warnings = []
        if drifted or unsupported:
            keys = sorted(set(drifted) | set(unsupported), key=SECTION_KEYS.index)

            def build(mode: str) -> list[dict[str, str]]:
                note = prompts.render("repair.j2", unsupported=checked.to_repair(), drifted=drifted, keys=keys,
                                      json_mode=mode != "text",
                                      language_name=prompts.language_name(self.language))
                return self.messages(paper, text, mode) + [{"role": "assistant", "content": reply},
                                                           {"role": "user", "content": note}]
            try:
                fixed, _ = await self.llm.ask(build, _sections_reply(RepairReply, keys=keys),
                                              max_tokens=self.output_budget(),
                                              schema=("analysis_repair", RepairReply.response_schema(keys=keys)),
                                              usage=usage)
                sections.update(fixed.sections())
            except AskFailed as exc:  # the first answer stands, its marks shown; the reader is told why
                log.info("repair request failed, keeping the first answer: %s", exc)
                warnings.append(f"the request to repair {', '.join(keys)} failed ({exc}); the first answer is shown")
            core = {k: sections[k] for k in SECTION_KEYS}
            drifted = drifted_sections(core, self.language, paper_text)
            checked = faithful.check(core, paper_text, index)
        if drifted:
            if len(drifted) > len(SECTION_KEYS) // 2:
                raise AskFailed(f"language drift: sections {', '.join(drifted)} are not in {self.language}")
            warnings.append(f"language drift in: {', '.join(drifted)}")
        return checked, warnings

    async def _written(self, what: str, template: str, reply_model: type[Any], usage: Usage,
                       context: dict[str, Any], **values: Any) -> Any:
        """One reply of ``reply_model`` to the ``template`` prompt (in the configured language,
        after the system prompt), checked with ``context``; AnalysisError naming ``what`` when
        no valid reply came."""
        lang = prompts.language_name(self.language)
        messages = [{"role": "system", "content": prompts.render("system.j2", language_name=lang)},
                    {"role": "user", "content": prompts.render(template, **values, language_name=lang)}]
        try:
            reply, _ = await self.llm.ask(lambda mode: messages,
                                          lambda content, mode: reply_model.from_content(content, **context),
                                          max_tokens=self.output_budget(), schema=_schema(reply_model), usage=usage)
        except AskFailed as exc:
            raise AnalysisError(f"{what} failed: {exc}") from None
        return reply

    async def overview(self, entries: list[ReportEntry]) -> Overview:
        """The day's 今日速览 from the analyses; raises AnalysisError when no valid reply came."""
        items = overview_input(entries)
        ids = [i["id"] for i in items]
        usage = Usage()
        reply = await self._written("overview", "overview.j2", OverviewReply, usage, {"ids": ids}, items=items)
        picks, seen = [], set()
        for pick in reply.top_picks:
            pid = resolve_id(pick.id, ids)
            if pid not in seen:
                seen.add(pid)
                picks.append({"id": pid, "reason": pick.reason.strip()})
        return Overview("llm", themes=[t.strip() for t in reply.themes if t.strip()], picks=picks[:3],
                        relations=reply.relations.strip(), model=self.model,
                        tokens_in=usage.tokens_in, tokens_out=usage.tokens_out)

    async def trends(self, facts: dict[str, Any]) -> TrendsWriting:
        """A period's theme labels and overview; raises AnalysisError when no valid reply came."""
        example = next((p["id"] for p in facts["key_papers"]), "2601.22586")
        usage = Usage()
        reply = await self._written("trends overview", "trends.j2", TrendsReply, usage,
                                    {"themes": [t["n"] for t in facts["themes"]]}, **facts, example_id=example)
        return TrendsWriting({t.n: (t.label.strip(), [x.strip() for x in t.terms if x.strip()]) for t in reply.themes},
                             [p.strip() for p in reply.paragraphs if p.strip()], self.model,
                             usage.tokens_in, usage.tokens_out)

    async def judge(self, items: list[dict[str, Any]], topics: list[Any]) -> dict[tuple[str, str], tuple[float, str]]:
        """0-10 relevance scores with reasons, for ``items`` (id, title, abstract, topics).

        Every returned id and topic must have been asked for; a reply that
        names others is invalid (and asked again once).
        """
        asked = {(i["id"], t) for i in items for t in i["topics"]}
        prompt = prompts.render("judge.j2", items=items, topics=topics,
                                language_name=prompts.language_name(self.language))
        try:
            reply, _ = await self.llm.ask(lambda mode: [{"role": "user", "content": prompt}],
                                          lambda content, mode: JudgeReply.parse(json_body(content), asked=asked),
                                          max_tokens=self.output_budget(), schema=_schema(JudgeReply),
                                          usage=Usage())
        except AskFailed as exc:
            raise AnalysisError(f"relevance judge failed: {exc}") from None
        return {(r.id, r.topic): (r.score, r.reason.strip()) for r in reply.results}


    async def draft_topic(self, request: str, examples: list[dict[str, str]]) -> dict[str, Any] | None:
        """A topic drafted from the user's line (``topics suggest``); AnalysisError when no
        valid reply came."""
        reply = await self._written("topic draft", "topic.j2", TopicReply, Usage(), {}, request=request,
                                    examples=examples)
        return reply.model_dump()


def _schema(model: type) -> tuple[str, dict[str, Any]]:
    return model.schema_name, model.response_schema()
