"""The ``openai`` analyser: any OpenAI-compatible chat endpoint.

Works with OpenAI, DeepSeek, Qwen (DashScope), Moonshot, Ollama, vLLM and
SGLang. It asks for JSON (or headed Markdown where the endpoint has no JSON
mode), validates every section, treats ``finish_reason == "length"`` as a
truncation (retried once with a larger budget, then failed), and lets the
openai SDK retry 429 and 5xx with backoff. A rejected key or an unreachable
endpoint raises ``LLMUnavailable`` once for the whole run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from importlib import resources
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jinja2
import openai

from .. import faithful
from ..analyze import (SECTION_KEYS, failed, fit_to_budget, headings, parse_reply, parse_sections,
                       strip_reasoning)
from ..errors import AnalysisError, ConfigError, LLMUnavailable, redact
from ..models import Analysis, FullText, Paper, ReportEntry, Section
from ..overview import Overview, overview_input, parse_overview
from ..quality import drifted_sections
from ..tokens import counter

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"zh": "Simplified Chinese (简体中文)", "en": "English", "ja": "Japanese",
                  "ko": "Korean", "de": "German", "fr": "French", "es": "Spanish"}
GUIDANCE = {
    "summary": "what the paper does, how, and what it finds, in 4-6 sentences",
    "motivation": "the problem, why it matters, and what existing work lacks",
    "contributions": "the specific contributions and what is new about each",
    "method": "how the method works: architecture, key components, training or inference",
    "experiments": "datasets, baselines, metrics and setup",
    "results": "the main quantitative and qualitative results, with numbers exactly as in the paper",
    "limitations": "limitations stated by the authors or evident from the text",
}
REASONING_MODELS = re.compile(r"reason|r1\b|-r1|qwq|think|\bo[134]\b|o[134]-|gpt-5|deepseek-r", re.IGNORECASE)
_env = jinja2.Environment(
    loader=jinja2.PackageLoader("arxiv_monitor", "prompts"),
    undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
)


PROMPT_OVERHEAD = 1200  # tokens of instructions around the paper text


def prompt_version(user_template: str = "") -> str:
    """A short hash of the prompt templates: it changes when they change."""
    digest = hashlib.sha256()
    for name in ("system.j2", "analysis.j2", "repair.j2", "overview.j2", "judge.j2"):
        digest.update(resources.files("arxiv_monitor").joinpath("prompts", name).read_bytes())
    if user_template:
        digest.update(Path(user_template).expanduser().read_bytes())
    return "p" + digest.hexdigest()[:10]


def load_template(path: str = "") -> jinja2.Template:
    """The analysis prompt: the shipped one, or the user's file, validated.

    A user template must render for a sample paper and ask for every
    section (by key or heading); otherwise ConfigError names what is wrong.
    """
    if not path:
        return _env.get_template("analysis.j2")
    file = Path(path).expanduser()
    try:
        template = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False).from_string(
            file.read_text(encoding="utf-8"))
        sample = template.render(paper=Paper("2601.00001", 1, "A sample title", "A sample abstract.", ["A. Author"]),
                                 source="html", language_name="Simplified Chinese", json_mode=True,
                                 headings=headings("zh"), guidance=GUIDANCE,
                                 sections=[Section("Abstract", "A sample abstract.")])
    except OSError as exc:
        raise ConfigError(f"llm.prompt_template: cannot read {file}: {exc.strerror}") from None
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"llm.prompt_template {file}{f' line {line}' if line else ''}: {exc}") from None
    labels = headings("zh")
    missing = [k for k in SECTION_KEYS if k not in sample and labels[k] not in sample]
    if missing:
        raise ConfigError(f"llm.prompt_template {file}: the prompt never asks for these sections: "
                          f"{', '.join(missing)} (name each key or its heading)")
    if "A sample abstract." not in sample:
        raise ConfigError(f"llm.prompt_template {file}: the prompt does not include the paper text "
                          "(loop over `sections`)")
    return template


class OpenAIAnalyzer:
    """Analyses papers through an OpenAI-compatible ``/chat/completions``."""

    name = "openai"

    def __init__(self, *, base_url: str | None, api_key: str, model: str, language: str = "zh",
                 timeout: float = 180.0, max_retries: int = 3, json_mode: str = "auto",
                 max_input_tokens: int = 24000, max_output_tokens: int = 4096,
                 temperature: float = 0.2, reasoning: str = "auto", reasoning_tokens: int = 8192,
                 context_length: int = 0, tokenizer: str = "auto", prompt_template: str = ""):
        if not model:
            raise ConfigError("llm.model: set the model name for the openai backend "
                              "(e.g. deepseek-chat, qwen-plus, gpt-4o-mini, llama3.1)")
        self.model = model
        self.language = language
        self.json_mode = json_mode != "off"
        self._json_forced = json_mode == "on"
        self.max_input_tokens = max_input_tokens
        self.max_output_tokens = max_output_tokens
        self.temperature = temperature
        self.template = load_template(prompt_template)
        self.prompt_version = prompt_version(prompt_template)
        self.count = counter(model, tokenizer)
        self.context_length = context_length
        self.reasoning = reasoning == "on" or (reasoning == "auto" and bool(REASONING_MODELS.search(model)))
        self.reasoning_tokens = reasoning_tokens
        self._secret = api_key
        self.client = openai.AsyncOpenAI(
            base_url=base_url or None, api_key=api_key or "not-needed",
            timeout=timeout, max_retries=max_retries,
        )

    @classmethod
    def from_config(cls, config: Config) -> OpenAIAnalyzer:
        llm = config.llm
        return cls(base_url=llm.base_url, api_key=llm.api_key.get_secret_value(), model=llm.model,
                   language=config.language, timeout=llm.timeout, max_retries=llm.max_retries,
                   json_mode=llm.json_mode, max_input_tokens=llm.max_input_tokens,
                   max_output_tokens=llm.max_output_tokens, temperature=llm.temperature,
                   reasoning=llm.reasoning, reasoning_tokens=llm.reasoning_tokens,
                   context_length=llm.context_length, tokenizer=llm.tokenizer,
                   prompt_template=llm.prompt_template)

    async def aclose(self) -> None:
        await self.client.close()

    def messages(self, paper: Paper, text: FullText) -> list[dict[str, str]]:
        """The chat messages for one paper, its text fitted to the input budget."""
        lang = LANGUAGE_NAMES.get(self.language, self.language)
        context = {
            "paper": paper, "source": text.source, "language_name": lang,
            "headings": headings(self.language), "guidance": GUIDANCE, "json_mode": self.json_mode,
            "sections": fit_to_budget(text.sections, self.input_budget(), self.count),
        }
        return [
            {"role": "system", "content": _env.get_template("system.j2").render(context).strip()},
            {"role": "user", "content": self.template.render(context).strip()},
        ]

    def input_budget(self) -> int:
        """Tokens of paper text per request: the configured budget, within the context window."""
        if not self.context_length:
            return self.max_input_tokens
        room = self.context_length - self.output_budget() - PROMPT_OVERHEAD
        return max(256, min(self.max_input_tokens, room))

    async def _complete(self, messages: list[dict[str, str]], max_tokens: int) -> Any:
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages,
                                  "max_tokens": max_tokens, "temperature": self.temperature}
        if self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            return await self.client.chat.completions.create(**kwargs)
        except openai.BadRequestError:
            if not self.json_mode or self._json_forced:
                raise
            log.info("endpoint refused JSON mode; switching to headed Markdown")
            self.json_mode = False
            raise _RetryWithoutJSON() from None

    def _error(self, exc: Exception) -> str:
        if isinstance(exc, openai.APITimeoutError):
            return "the LLM request timed out"
        if isinstance(exc, openai.APIStatusError):
            return redact(f"LLM endpoint returned HTTP {exc.status_code}: {exc.message}", [self._secret])
        return redact(f"{type(exc).__name__}: {exc}", [self._secret])

    async def _ask(self, messages: list[dict[str, str]], budget: int, usage: dict[str, int]) -> Any:
        """One request; API problems become _Failed (or LLMUnavailable for the run)."""
        try:
            response = await self._complete(messages, budget)
        except _RetryWithoutJSON:
            raise
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise LLMUnavailable(f"The LLM endpoint rejected the API key: {self._error(exc)}") from None
        except openai.APITimeoutError as exc:
            raise _Failed(self._error(exc)) from None
        except openai.APIConnectionError as exc:
            raise LLMUnavailable(f"Cannot reach the LLM endpoint: {self._error(exc)}") from None
        except openai.APIError as exc:
            raise _Failed(self._error(exc)) from None
        if response.usage:
            usage["tokens_in"] += response.usage.prompt_tokens or 0
            usage["tokens_out"] += response.usage.completion_tokens or 0
        return response

    async def _answer(self, build: Callable[[], list[dict[str, str]]], usage: dict[str, int],
                      parse: Any = parse_reply) -> tuple[dict[str, str], str]:
        """Ask until a valid, complete reply: truncation gets a larger budget once.

        ``build`` makes the messages for each attempt (so a switch from JSON to
        Markdown mode re-renders the prompt).
        """
        budget, problem = self.output_budget(), ""
        for _attempt in range(3):
            try:
                response = await self._ask(build(), budget, usage)
            except _RetryWithoutJSON:
                continue
            choice = response.choices[0] if response.choices else None
            if choice is None:
                problem = "the reply had no choices"
                continue
            if choice.finish_reason == "length":
                problem = f"the reply was truncated at {budget} output tokens"
                if budget >= self.output_budget() * 2:
                    break
                budget *= 2
                continue
            try:
                return parse(choice.message.content), choice.message.content or ""
            except ValueError as exc:
                problem = f"invalid reply: {exc}"
        raise _Failed(problem or "no valid reply")

    def output_budget(self) -> int:
        """``max_tokens``: the answer budget, plus room to think for reasoning models."""
        return self.max_output_tokens + (self.reasoning_tokens if self.reasoning else 0)

    async def _repair(self, messages: list[dict[str, str]], reply: str, sections: dict[str, str],
                      paper_text: str, usage: dict[str, int]) -> tuple[dict[str, str], int, dict, list[str]]:
        """Re-ask once for sections with unsupported claims or in the wrong language."""
        core = {k: sections[k] for k in SECTION_KEYS}
        drifted = drifted_sections(core, self.language, paper_text)
        total, unsupported = faithful.check(core, paper_text)
        if drifted or unsupported:
            keys = sorted(set(drifted) | set(unsupported), key=SECTION_KEYS.index)
            note = _env.get_template("repair.j2").render(
                unsupported=unsupported, drifted=drifted, keys=keys, json_mode=self.json_mode,
                language_name=LANGUAGE_NAMES.get(self.language, self.language))
            follow_up = messages + [{"role": "assistant", "content": reply},
                                    {"role": "user", "content": note.strip()}]
            try:
                fixed, _ = await self._answer(lambda: follow_up, usage, parse=parse_sections)
            except _Failed as exc:
                log.info("repair request failed, keeping the first answer: %s", exc)
                fixed = {}
            for key in keys:
                if len(fixed.get(key, "").strip()) >= 8:
                    sections[key] = fixed[key].strip()
            core = {k: sections[k] for k in SECTION_KEYS}
            drifted = drifted_sections(core, self.language, paper_text)
            total, unsupported = faithful.check(core, paper_text)
        warnings = []
        if drifted:
            if len(drifted) > len(SECTION_KEYS) // 2:
                raise _Failed(f"language drift: sections {', '.join(drifted)} are not in {self.language}")
            warnings.append(f"language drift in: {', '.join(drifted)}")
        return sections, total, unsupported, warnings

    async def analyze(self, paper: Paper, text: FullText) -> Analysis:
        """Analyse one paper; a problem with this paper gives a failed Analysis."""
        usage = {"tokens_in": 0, "tokens_out": 0}
        paper_text = "\n".join([paper.title, paper.abstract, paper.comments or "", text.text])
        try:
            sections, reply = await self._answer(lambda: self.messages(paper, text), usage)
            sections, total, unsupported, warnings = await self._repair(
                self.messages(paper, text), reply, sections, paper_text, usage)
        except _Failed as exc:
            return failed(self, text, str(exc), **usage)
        return Analysis(self.name, self.model, self.prompt_version, self.language, "ok",
                        sections=sections, source=text.source, claims_total=total,
                        unsupported=unsupported, warnings=warnings, **usage)


    async def overview(self, entries: list[ReportEntry]) -> Overview:
        """The day's 今日速览 from the analyses; raises AnalysisError when invalid."""
        items = overview_input(entries)
        ids = [i["id"] for i in items]
        lang = LANGUAGE_NAMES.get(self.language, self.language)
        prompt = _env.get_template("overview.j2").render(items=items, language_name=lang)
        messages = [{"role": "system", "content": _env.get_template("system.j2").render(language_name=lang).strip()},
                    {"role": "user", "content": prompt.strip()}]
        usage = {"tokens_in": 0, "tokens_out": 0}
        json_mode, self.json_mode = self.json_mode, True
        try:
            result, _ = await self._answer(lambda: messages, usage, parse=lambda c: parse_overview(c, ids))
        except _Failed as exc:
            raise AnalysisError(f"overview failed: {exc}") from None
        finally:
            self.json_mode = json_mode and self.json_mode
        result.model, result.tokens_in, result.tokens_out = self.model, usage["tokens_in"], usage["tokens_out"]
        return result


    async def judge(self, items: list[dict[str, Any]], topics: list[Any]) -> dict[tuple[str, str], tuple[float, str]]:
        """0-10 relevance scores with reasons, for ``items`` (id, title, abstract, topics).

        Every returned id and topic must have been asked for; a reply that
        names others is invalid (and asked again).
        """
        asked = {(i["id"], t) for i in items for t in i["topics"]}
        lang = LANGUAGE_NAMES.get(self.language, self.language)
        prompt = _env.get_template("judge.j2").render(items=items, topics=topics, language_name=lang)
        messages = [{"role": "user", "content": prompt.strip()}]
        usage = {"tokens_in": 0, "tokens_out": 0}

        def parse(content: str | None) -> dict[tuple[str, str], tuple[float, str]]:
            text = strip_reasoning(content or "")
            try:
                data = json.loads(text[text.find("{"): text.rfind("}") + 1])
            except json.JSONDecodeError:
                raise ValueError("the judge reply is not JSON") from None
            out = {}
            for r in data.get("results", []):
                key = (str(r.get("id", "")), str(r.get("topic", "")))
                if key not in asked:
                    raise ValueError(f"the judge rated {key}, which was not asked for")
                score = float(r.get("score", -1))
                if not 0 <= score <= 10:
                    raise ValueError(f"judge score out of range: {score}")
                out[key] = (score, str(r.get("reason", "")).strip())
            return out

        try:
            result, _ = await self._answer(lambda: messages, usage, parse=parse)
        except _Failed as exc:
            raise AnalysisError(f"relevance judge failed: {exc}") from None
        return result


class _Failed(Exception):
    """Internal: this paper's analysis failed, with the reason."""


class _RetryWithoutJSON(Exception):
    """Internal: the endpoint has no JSON mode, ask again in Markdown."""


__all__ = ["OpenAIAnalyzer", "SECTION_KEYS"]
