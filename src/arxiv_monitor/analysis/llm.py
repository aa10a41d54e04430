"""One OpenAI-compatible chat endpoint: asking, retrying, reading replies and giving up.

Every LLM request arxiv-monitor makes (analysis, repair, overview, relevance
judge) goes through ``LLMClient.ask``. It

* asks for structured output where the endpoint takes it, in this order:
  ``json_schema`` (OpenAI, vLLM, SGLang, llama.cpp), ``json_object``, then
  plain text (the prompt asks for JSON or headed Markdown); a 400 about the
  response format moves one step down, and the mode that worked is kept
  (``mode``, which the pipeline remembers per endpoint and model);
* retries 429, 5xx, timeouts and dropped connections with the backoff rule of
  ``net.py`` (Retry-After honoured), and gives up on the endpoint for the run
  after ``give_up_after`` consecutive failures of one kind (the breaker), so a
  dead endpoint costs a handful of requests, not four per paper, whatever the
  fault: every failed request counts once (a 429 too), and so does a reply
  still truncated at twice the budget;
* gives a truncated reply (``finish_reason: length``) twice the budget once;
* asks once more, naming the problem, when a reply has the wrong shape.

A rejected key, an unknown model and a tripped breaker raise
``LLMUnavailable`` (the run stops asking); any other failed request raises
``AskFailed`` with the reason, for that one paper or call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from arxiv_monitor.analysis.replies import ReplyError
from arxiv_monitor.core.errors import LLMUnavailable, redact
from arxiv_monitor.core.net import Breaker, backoff_delay, retry_after_seconds

log = logging.getLogger(__name__)

MODES = ("json_schema", "json_object", "text")
T = TypeVar("T")
_FORMAT_WORDS = ("response_format", "json", "schema", "format", "not supported", "unsupported")


class AskFailed(Exception):
    """One request failed after its retries; the message is the reason."""


@dataclass
class Usage:
    """Tokens a request (or a paper's requests) used."""

    tokens_in: int = 0
    tokens_out: int = 0


class LLMClient:
    """An OpenAI-compatible ``/chat/completions`` endpoint for one run."""

    def __init__(self, *, base_url: str | None, api_key: str, model: str, timeout: float = 180.0,
                 max_retries: int = 3, temperature: float = 0.2, json_mode: str = "auto",
                 mode: str | None = None, backoff: float = 1.0, max_backoff: float = 60.0,
                 give_up_after: int = 6):
        import openai

        self.model = model
        self.temperature = temperature
        self.max_retries = max_retries
        self.backoff, self.max_backoff = backoff, max_backoff
        self.lowest = "json_object" if json_mode == "on" else "text"
        self.mode = "text" if json_mode == "off" else "json_schema"
        self.breaker = Breaker(give_up_after)
        self._secret = api_key
        self.client = openai.AsyncOpenAI(base_url=base_url or None, api_key=api_key or "not-needed",
                                         timeout=timeout, max_retries=0)

    async def aclose(self) -> None:
        await self.client.close()

    def remember(self, mode: str | None) -> None:
        """Start in ``mode`` (what worked last time), if the configuration allows it."""
        if mode in MODES and MODES.index(mode) <= MODES.index(self.lowest) and self.mode != "text":
            self.mode = mode

    async def ask(self, build: Callable[[str], list[dict[str, str]]], parse: Callable[[str | None, str], T],
                  *, max_tokens: int, schema: tuple[str, dict[str, Any]] | None, usage: Usage) -> tuple[T, str]:
        """Ask until a reply parses; return the parsed reply and its text.

        ``build(mode)`` makes the messages for the current reply mode, and
        ``parse(content, mode)`` reads a reply or raises ReplyError.
        """
        budget, follow_up, truncated, invalid = max_tokens, [], False, False
        while True:
            mode = self.mode
            response = await self._request(build(mode) + follow_up, budget, schema, mode)
            if response is None:
                continue  # the endpoint refused the reply mode: rebuild for the next one
            usage.tokens_in += getattr(response.usage, "prompt_tokens", 0) or 0
            usage.tokens_out += getattr(response.usage, "completion_tokens", 0) or 0
            choice = response.choices[0]
            content = choice.message.content if choice.message else None
            if choice.finish_reason == "length":
                if truncated:  # a model that always runs out is cut off like a failing endpoint
                    if self.breaker.failure("truncated", f"its replies were truncated at {budget} output "
                                                         f"tokens ({self.breaker.limit} times in a row)"):
                        log.warning("LLM endpoint: %s; not asking it again this run", self.breaker.reason)
                    raise AskFailed(f"the reply was truncated at {budget} output tokens")
                truncated, budget = True, budget * 2
                continue
            try:
                result = parse(content, mode)
            except ReplyError as exc:
                if invalid:
                    self._unusable(str(exc))
                    raise AskFailed(f"invalid reply: {exc}") from None
                invalid = True
                follow_up = [{"role": "assistant", "content": (content or "")[:6000]},
                             {"role": "user", "content": f"That reply cannot be used: {exc}. Answer "
                                                         "again, in exactly the format asked for."}]
                continue
            self.breaker.success()
            return result, content or ""

    def _unusable(self, reason: str) -> None:
        if self.breaker.failure("invalid", f"the LLM's replies were unusable ({reason})"):
            log.warning("%s; not asking it again this run", self.breaker.reason)

    async def _request(self, messages: list[dict[str, str]], budget: int,
                       schema: tuple[str, dict[str, Any]] | None, mode: str) -> Any:
        """One completion with retries; None when the reply mode had to change."""
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "max_tokens": budget,
                                  "temperature": self.temperature}
        if mode == "json_schema" and schema:
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": schema[0], "schema": schema[1], "strict": True}}
        elif mode in ("json_schema", "json_object"):
            kwargs["response_format"] = {"type": "json_object"}
        for attempt in range(self.max_retries + 1):
            if self.breaker.tripped:
                raise LLMUnavailable(f"The LLM endpoint is not used for the rest of this run: "
                                     f"{self.breaker.reason}")
            retry_after: str | None = None
            try:
                response = await self.client.chat.completions.create(**kwargs)
            except openai.BadRequestError as exc:
                if "response_format" in kwargs and self._format_refused(exc) and self._step_down(mode):
                    return None
                raise AskFailed(self._error(exc)) from None
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise LLMUnavailable(f"The LLM endpoint rejected the API key: {self._error(exc)}") from None
            except openai.NotFoundError as exc:
                raise LLMUnavailable(f"The LLM endpoint does not serve model {self.model!r} (check "
                                     f"llm.model and llm.base_url): {self._error(exc)}") from None
            except openai.APITimeoutError as exc:
                kind, reason = "timeout", self._error(exc)
            except openai.APIConnectionError as exc:
                kind, reason = "connection", self._error(exc)
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise AskFailed(self._error(exc)) from None
                kind, reason = str(exc.status_code), self._error(exc)
                retry_after = exc.response.headers.get("Retry-After")
            except (openai.APIError, ValueError, TypeError, KeyError, AttributeError) as exc:
                # a 200 whose body is not a completion (an HTML error page, a JSON of another shape)
                kind, reason = "junk", f"the endpoint's answer is not a chat completion ({type(exc).__name__})"
            else:
                if _is_completion(response):
                    return response
                kind, reason = "junk", "the endpoint's answer is not a chat completion"
            hinted = retry_after_seconds(retry_after)
            last = attempt == self.max_retries or (hinted is not None and hinted > self.max_backoff)
            # every failed request counts the same, a 429 too (its Retry-After is still waited)
            if self.breaker.failure(kind, f"{reason} ({self.breaker.limit} times in a row)"):
                log.warning("LLM endpoint: %s; not asking it again this run", self.breaker.reason)
            if last:
                raise AskFailed(reason)
            await asyncio.sleep(backoff_delay(attempt, self.backoff, self.max_backoff, retry_after))
        raise AskFailed("retries exhausted")  # pragma: no cover - the loop returns or raises

    @staticmethod
    def _format_refused(exc: Exception) -> bool:
        text = str(exc).lower()
        if "context" in text and ("length" in text or "token" in text):
            return False
        return any(word in text for word in _FORMAT_WORDS)

    def _step_down(self, mode: str) -> bool:
        """Move to the next reply mode; False at the lowest allowed one."""
        if mode == self.lowest or self.mode != mode:
            return self.mode != mode  # another request stepped down already: retry in its mode
        self.mode = MODES[MODES.index(mode) + 1]
        log.info("the endpoint refused %s replies; asking for %s", mode, self.mode)
        return True

    def _error(self, exc: Exception) -> str:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return "the LLM request timed out"
        if isinstance(exc, openai.APIStatusError):
            return redact(f"LLM endpoint returned HTTP {exc.status_code}: {exc.message}", [self._secret])
        return redact(f"{type(exc).__name__}: {exc}", [self._secret])


def _is_completion(response: Any) -> bool:
    choices = getattr(response, "choices", None)
    return isinstance(choices, list) and bool(choices) and hasattr(choices[0], "finish_reason")
