"""The sections of the configuration (``[llm]``, ``[email]``, ``[web]``, ...), one model each.

``config.py`` puts them together in ``Config`` and loads the file and the environment.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator


ARXIV_TIMEZONE = "America/New_York"  # arXiv announces on US Eastern time


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsConfig(_Section):
    """Where state lives. Empty values mean "inside the home directory"."""

    database: str = ""
    cache_dir: str = ""
    reports_dir: str = ""


class ArxivConfig(_Section):
    """arXiv endpoints and politeness rules."""

    rss_url: str = "https://rss.arxiv.org/rss"
    api_url: str = "https://export.arxiv.org/api/query"
    html_url: str = "https://arxiv.org/html"
    pdf_url: str = "https://arxiv.org/pdf"
    request_interval: float = Field(3.0, ge=0)
    timeout: float = Field(30.0, gt=0)
    max_retries: int = Field(4, ge=0, le=10)
    backoff: float = Field(5.0, ge=0)
    max_backoff: float = Field(120.0, ge=0)
    contact: str = ""
    fulltext: bool = True
    max_download_mb: float = Field(50.0, gt=0)  # a larger HTML or PDF is not downloaded
    fulltext_attempts: int = Field(3, ge=1, le=20)  # runs that try a failed full text again


class LLMConfig(_Section):
    """The analyser backend and, for ``openai``, the endpoint to use."""

    backend: str = "auto"  # auto (or empty): "openai" when an endpoint is configured, else "extractive"
    base_url: str = ""
    model: str = ""
    api_key: Secret = SecretStr("")
    concurrency: int = Field(8, ge=1, le=256)
    timeout: float = Field(180.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    backoff: float = Field(1.0, ge=0)  # first wait (s) before a retry, doubling; Retry-After wins
    give_up_after: int = Field(6, ge=1, le=100)  # consecutive failures before the endpoint is given up
    json_mode: Literal["auto", "on", "off"] = "auto"
    max_input_tokens: int = Field(24000, ge=1000)
    max_output_tokens: int = Field(4096, ge=256)
    temperature: float = Field(0.2, ge=0, le=2)
    reasoning: Literal["auto", "on", "off"] = "auto"  # reasoning models think before answering
    reasoning_tokens: int = Field(8192, ge=0)  # extra max_tokens for the thinking
    context_length: int = Field(0, ge=0)  # the endpoint's context window, 0 if unknown
    tokenizer: Literal["auto", "tiktoken", "estimate"] = "auto"
    prompt_template: str = ""  # your own Jinja template for the analysis prompt
    price_input: float = Field(0.0, ge=0)  # price per million input tokens
    price_output: float = Field(0.0, ge=0)  # price per million output tokens
    currency: str = "USD"

    def cost(self, tokens_in: int, tokens_out: int) -> float | None:
        """Estimated cost of the tokens, or None without a price table."""
        if not (self.price_input or self.price_output):
            return None
        return (tokens_in * self.price_input + tokens_out * self.price_output) / 1_000_000


def from_env(value: object) -> object:
    """``"env:NAME"`` reads the secret from the environment variable NAME.

    A variable that is unset, or set to nothing (as a CI runner sets a secret it does not
    have), leaves ``"env:NAME"`` in place: the target that needs it is disabled for the run
    (``Channel.unavailable``), the rest works.
    """
    if isinstance(value, str) and value.startswith("env:"):
        return os.environ.get(value[4:]) or value
    return value


Secret = Annotated[SecretStr, BeforeValidator(from_env)]  # a secret, or "env:NAME" naming where it is


def i18n_keywords(language: str) -> str:
    """The flat keyword list's topic name."""
    from arxiv_monitor.core.i18n import t

    return t("report.keywords", language)


def unset_env(secret: SecretStr) -> str | None:
    """The environment variable a secret names but that is not set, if any."""
    value = secret.get_secret_value()
    return value[4:] if value.startswith("env:") else None


class EmailConfig(_Section):
    """Delivery of the report by e-mail (SMTP)."""

    enabled: bool = False
    host: str = ""
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "plain"] = "starttls"
    username: str = ""
    password: Secret = SecretStr("")
    sender: str = ""
    recipients: list[str] = Field(default_factory=list)
    subject: str = ""  # default: "arXiv 论文日报 {day}（{count} 篇）" in the report's language
    timeout: float = Field(30.0, gt=0)
    ca_file: str = ""  # extra CA bundle to trust (a self-signed server)
    unsubscribe_url: str = ""  # sent as List-Unsubscribe when set


class WebhookConfig(_Section):
    """One chat target (``[[webhooks]]``): its ``kind`` is a channel (feishu, lark, dingtalk,
    wecom, slack, generic, or a plugin's); keys beyond these four are the channel's own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    kind: str
    url: Secret = SecretStr("")
    secret: Secret = SecretStr("")


class DeliveryConfig(_Section):
    """What is delivered when."""

    skip_empty: bool = True  # a day with no matching paper: write the report, send nothing


class ScheduleConfig(_Section):
    """``arxiv-monitor serve``: when to run, and the health endpoint."""

    cron: str = "30 0 * * 1-5"
    timezone: str = ARXIV_TIMEZONE
    healthz_host: str = "127.0.0.1"
    healthz_port: int = Field(8787, ge=0, le=65535)
    catchup_days: int = Field(7, ge=0, le=60)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError(f"not a valid cron expression: {value!r}")
        return value


class RelevanceConfig(_Section):
    """How papers are ranked against topics."""

    ranker: str = "auto"  # "auto", "semantic", "tfidf", "keywords", or a plugin's ranker
    model: str = ""  # a sentence-transformers model name or path; empty: the bundled MiniLM
    embeddings_url: str = ""  # an OpenAI-compatible /embeddings endpoint instead
    embeddings_model: str = ""
    judge: Literal["off", "borderline", "all"] = "off"  # ask the LLM for a 0-10 relevance score
    judge_margin: float = Field(0.15, ge=0, le=1)  # "borderline": this close to the cut-off
    judge_keep: float = Field(6.0, ge=0, le=10)  # judge score that keeps a paper
    judge_batch: int = Field(8, ge=1, le=50)  # papers per judge call
    feedback_min: int = Field(10, ge=2)  # good and bad ratings each before they calibrate a topic
    feedback_weight: float | None = None  # of versions before calibrated probabilities: ignored
    crossref_url: str = "https://api.crossref.org/works"  # abstracts of library items known by DOI


class WebConfig(_Section):
    """The reading room: ``arxiv-monitor web`` (and ``serve``)."""

    host: str = "127.0.0.1"  # any other address needs a token
    port: int = Field(8000, ge=0, le=65535)
    token: Secret = SecretStr("")  # "env:NAME" reads it from the environment
    public_url: str = ""  # where readers reach it: digests link each paper to its page
    enabled: bool = True  # false: `serve` runs the schedule and /healthz only


class SiteConfig(_Section):
    """The static reading room: ``arxiv-monitor site`` (GitHub Pages)."""

    base_url: str = ""  # e.g. https://you.github.io/arxiv-monitor: digests link each paper to its page
    out_dir: str = ""  # default: <home>/site
