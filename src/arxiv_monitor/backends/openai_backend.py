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
import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2
import openai

from ..analyze import SECTION_KEYS, failed, fit_to_budget, headings, parse_reply
from ..errors import LLMUnavailable, redact
from ..models import Analysis, FullText, Paper

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
_env = jinja2.Environment(
    loader=jinja2.PackageLoader("arxiv_monitor", "prompts"),
    undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
)


def prompt_version() -> str:
    """A short hash of the prompt templates: it changes when they change."""
    digest = hashlib.sha256()
    for name in ("system.j2", "analysis.j2"):
        digest.update(resources.files("arxiv_monitor").joinpath("prompts", name).read_bytes())
    return "p" + digest.hexdigest()[:10]


class OpenAIAnalyzer:
    """Analyses papers through an OpenAI-compatible ``/chat/completions``."""

    name = "openai"

    def __init__(self, *, base_url: str | None, api_key: str, model: str, language: str = "zh",
                 timeout: float = 180.0, max_retries: int = 3, json_mode: str = "auto",
                 max_input_tokens: int = 24000, max_output_tokens: int = 4096,
                 temperature: float = 0.2):
        if not model:
            from ..errors import ConfigError
            raise ConfigError("llm.model: set the model name for the openai backend "
                              "(e.g. deepseek-chat, qwen-plus, gpt-4o-mini, llama3.1)")
        self.model = model
        self.language = language
        self.json_mode = json_mode != "off"
        self._json_forced = json_mode == "on"
        self.max_input_tokens = max_input_tokens
        self.max_output_tokens = max_output_tokens
        self.temperature = temperature
        self.prompt_version = prompt_version()
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
                   max_output_tokens=llm.max_output_tokens, temperature=llm.temperature)

    async def aclose(self) -> None:
        await self.client.close()

    def messages(self, paper: Paper, text: FullText) -> list[dict[str, str]]:
        """The chat messages for one paper, its text fitted to the input budget."""
        lang = LANGUAGE_NAMES.get(self.language, self.language)
        context = {
            "paper": paper, "source": text.source, "language_name": lang,
            "headings": headings(self.language), "guidance": GUIDANCE, "json_mode": self.json_mode,
            "sections": fit_to_budget(text.sections, self.max_input_tokens),
        }
        return [
            {"role": "system", "content": _env.get_template("system.j2").render(context).strip()},
            {"role": "user", "content": _env.get_template("analysis.j2").render(context).strip()},
        ]

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

    async def analyze(self, paper: Paper, text: FullText) -> Analysis:
        """Analyse one paper; a problem with this paper gives a failed Analysis."""
        budget, usage, problem = self.max_output_tokens, {"tokens_in": 0, "tokens_out": 0}, ""
        for _attempt in range(3):
            try:
                response = await self._complete(self.messages(paper, text), budget)
            except _RetryWithoutJSON:
                continue
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise LLMUnavailable(f"The LLM endpoint rejected the API key: {self._error(exc)}") from None
            except openai.APIConnectionError as exc:
                if isinstance(exc, openai.APITimeoutError):
                    return failed(self, text, self._error(exc), **usage)
                raise LLMUnavailable(f"Cannot reach the LLM endpoint: {self._error(exc)}") from None
            except openai.APIError as exc:
                return failed(self, text, self._error(exc), **usage)
            if response.usage:
                usage["tokens_in"] += response.usage.prompt_tokens or 0
                usage["tokens_out"] += response.usage.completion_tokens or 0
            if not response.choices:
                problem = "the reply had no choices"
                continue
            choice = response.choices[0]
            if choice.finish_reason == "length":
                problem = f"the reply was truncated at {budget} output tokens"
                if budget >= self.max_output_tokens * 2:
                    break
                budget *= 2
                continue
            try:
                sections = parse_reply(choice.message.content)
            except ValueError as exc:
                problem = f"invalid reply: {exc}"
                continue
            return Analysis(self.name, self.model, self.prompt_version, self.language, "ok",
                            sections=sections, source=text.source, **usage)
        return failed(self, text, problem or "no valid reply", **usage)


class _RetryWithoutJSON(Exception):
    """Internal: the endpoint has no JSON mode, ask again in Markdown."""


__all__ = ["OpenAIAnalyzer", "SECTION_KEYS"]
