"""The sections of the configuration (``[llm]``, ``[email]``, ``[web]``, ...), one model each.

``config.py`` puts them together in ``Config`` and loads the file and the environment.
Every setting carries its description: the README's settings table is generated from
them (``scripts/readme.py``, through cog), and a test fails when the two differ.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator

ARXIV_TIMEZONE = "America/New_York"  # arXiv announces on US Eastern time


def setting(default: Any, doc: str, shown: str | None = None, **rules: Any) -> Any:
    """A setting's default and description (``shown``: the default as the README says it)."""
    extra = {"shown": shown} if shown is not None else None
    if callable(default):
        return Field(default_factory=default, description=doc, json_schema_extra=extra, **rules)
    return Field(default, description=doc, json_schema_extra=extra, **rules)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SECRETS_BUNDLE = "ARXIV_MONITOR_SECRETS"


def bundled_secrets() -> dict[str, str]:
    """The secrets of ``$ARXIV_MONITOR_SECRETS``: ``NAME=value`` lines (``#`` comments and blank
    lines allowed), so a CI runner passes any number of secrets the config names through one
    (GitHub Actions: one repository secret, one line of the workflow)."""
    out = {}
    for line in os.environ.get(SECRETS_BUNDLE, "").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            out[name.strip().removeprefix("export ").strip()] = value.strip().strip('"').strip("'")
    return out


def env_value(name: str) -> str:
    """A secret by name: the environment variable, else the bundle's line; "" when neither."""
    return os.environ.get(name) or bundled_secrets().get(name, "")


def from_env(value: object) -> object:
    """``"env:NAME"`` reads the secret from the environment variable NAME, or from the line
    ``NAME=…`` of ``$ARXIV_MONITOR_SECRETS``.

    A variable that is unset, or set to nothing (as a CI runner sets a secret it does not
    have), leaves ``"env:NAME"`` in place: the target that needs it is disabled for the run
    (``Channel.unavailable``), the rest works.
    """
    if isinstance(value, str) and value.startswith("env:"):
        return env_value(value[4:]) or value
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


class PathsConfig(_Section):
    """Where state lives. Empty values mean "inside the home directory"."""

    database: str = setting("", "the SQLite file, or a `postgresql://user@host/db` URL (a lab server)",
                            "`<home>/arxiv-monitor.db`")
    cache_dir: str = setting("", "downloaded feeds and full texts (`html/`, `pdf/`, `jats/`)", "`<home>/cache`")
    reports_dir: str = setting("", "the reports", "`<home>/reports`")


class ArxivConfig(_Section):
    """arXiv's endpoints, and the politeness rules of every host asked."""

    rss_url: str = setting("https://rss.arxiv.org/rss", "RSS base URL")
    api_url: str = setting("https://export.arxiv.org/api/query", "export API")
    html_url: str = setting("https://arxiv.org/html", "HTML full texts")
    pdf_url: str = setting("https://arxiv.org/pdf", "PDFs")
    request_interval: float = setting(3.0, "seconds between requests to one host (every source's)", ge=0)
    timeout: float = setting(30.0, "HTTP timeout (s)", gt=0)
    max_retries: int = setting(4, "retries on 429/5xx/timeouts", ge=0, le=10)
    backoff: float = setting(5.0, "first backoff (s), doubling", ge=0)
    max_backoff: float = setting(120.0, "longest wait (s), `Retry-After` included", ge=0)
    contact: str = setting("", "your e-mail, added to the User-Agent")
    fulltext: bool = setting(True, "download full texts")
    max_download_mb: float = setting(50.0, "a larger HTML page, JATS file or PDF is not downloaded (streamed to "
                                           "disk, stopped at the cap)", gt=0)
    fulltext_attempts: int = setting(3, "runs that try again a full text that failed (host down, a PDF that does "
                                        "not open)", ge=1, le=20)


class RxivConfig(_Section):
    """A bioRxiv-family server (``[biorxiv]``, ``[medrxiv]``): its subject categories and endpoints."""

    categories: list[str] = setting(list, "subject categories to follow (e.g. `bioinformatics`, `neuroscience`; "
                                          "spaces, hyphens and underscores alike); empty: every category", "all")
    api_url: str = setting("https://api.biorxiv.org", "the API (`/details/{server}/{from}/{to}/{cursor}`)")
    site_url: str = setting("https://www.biorxiv.org", "the server's site (paper pages and PDFs)")


class MedrxivConfig(RxivConfig):
    """medRxiv (``[medrxiv]``): its subject categories and endpoints."""

    site_url: str = setting("https://www.medrxiv.org", "the server's site (paper pages and PDFs)")


class HuggingFaceConfig(_Section):
    """Hugging Face Daily Papers (``[huggingface]``), the community signal ``huggingface``."""

    api_url: str = setting("https://huggingface.co/api/daily_papers", "the Daily Papers API (`?date=YYYY-MM-DD`)")
    site_url: str = setting("https://huggingface.co/papers", "paper pages (`/{arxiv id}`)")


class LLMConfig(_Section):
    """The analyser backend and, for ``openai``, the endpoint to use (the ``openai``
    backend's options)."""

    backend: str = setting("auto", "`openai`, `extractive` or an installed plugin's; `auto`: `openai` when a "
                                   "URL or key is set, else `extractive`")
    base_url: str = setting("", "the OpenAI-compatible endpoint (`OPENAI_BASE_URL` is honoured too)", "OpenAI")
    model: str = setting("", "model name (required for `openai`)", "—")
    api_key: Secret = setting(SecretStr(""), "the key (`OPENAI_API_KEY` is honoured too; `env:NAME` allowed); "
                                             "never logged or shown", "—")
    concurrency: int = setting(8, "requests in flight", ge=1, le=256)
    timeout: float = setting(180.0, "seconds per request", gt=0)
    max_retries: int = setting(3, "retries of one request on 429/5xx/timeouts (backoff, `Retry-After` honoured)",
                               ge=0, le=10)
    backoff: float = setting(1.0, "first wait (s) before a retry, doubling", ge=0)
    give_up_after: int = setting(6, "consecutive failures of one kind (5xx, timeouts, unusable replies) after "
                                    "which the endpoint is not asked again this run", ge=1, le=100)
    json_mode: Literal["auto", "on", "off"] = setting("auto", "`auto` (JSON Schema, then JSON mode, then headed "
                                                              "Markdown, as the endpoint accepts), `on` (never "
                                                              "Markdown), `off` (Markdown only)")
    max_input_tokens: int = setting(24000, "full-text budget per paper", ge=1000)
    max_output_tokens: int = setting(4096, "answer budget (doubled once on truncation)", ge=256)
    temperature: float = setting(0.2, "sampling temperature", ge=0, le=2)
    reasoning: Literal["auto", "on", "off"] = setting("auto", "`auto` (by model name), `on`, `off`: reasoning "
                                                              "models think before answering")
    reasoning_tokens: int = setting(8192, "extra `max_tokens` for a reasoning model's thinking", ge=0)
    context_length: int = setting(0, "the endpoint's context window; caps the input budget", "`0` (unknown)", ge=0)
    tokenizer: Literal["auto", "tiktoken", "estimate"] = setting("auto", "`auto`, `tiktoken` (downloads its "
                                                                         "encoding once), `estimate`")
    prompt_template: str = setting("", "your own Jinja analysis prompt", "shipped")
    price_input: float = setting(0.0, "price per million input tokens, for cost estimates", ge=0)
    price_output: float = setting(0.0, "price per million output tokens", ge=0)
    currency: str = setting("USD", "currency of the prices")

    def cost(self, tokens_in: int, tokens_out: int) -> float | None:
        """Estimated cost of the tokens, or None without a price table."""
        if not (self.price_input or self.price_output):
            return None
        return (tokens_in * self.price_input + tokens_out * self.price_output) / 1_000_000


class EmailConfig(_Section):
    """Delivery of the report by e-mail (SMTP)."""

    enabled: bool = setting(False, "send the report by e-mail")
    host: str = setting("", "SMTP server", "—")
    port: int = setting(587, "SMTP port", ge=1, le=65535)
    security: Literal["starttls", "ssl", "plain"] = setting("starttls", "`starttls`, `ssl` (implicit TLS) or "
                                                                        "`plain`")
    username: str = setting("", "SMTP login", "—")
    password: Secret = setting(SecretStr(""), "SMTP password (`env:NAME` allowed; never logged)", "—")
    sender: str = setting("", "From (default: the username)", "—")
    recipients: list[str] = setting(list, "the To list", "—")
    subject: str = setting("", "subject template with `{day}` and `{count}`",
                           "`arXiv 论文日报 {day}（{count} 篇）`")
    timeout: float = setting(30.0, "SMTP timeout (s)", gt=0)
    ca_file: str = setting("", "extra CA to trust (a self-signed server)", "—")
    unsubscribe_url: str = setting("", "sent as `List-Unsubscribe`", "—")


class WebhookConfig(_Section):
    """One chat target (``[[webhooks]]``): its ``kind`` is a channel (feishu, lark, dingtalk,
    wecom, slack, generic, or a plugin's); keys beyond these five are the channel's own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = setting(..., "the target's name (`deliver --target NAME`)")
    kind: str = setting(..., "the channel")
    url: Secret = setting(SecretStr(""), "the webhook URL (`env:NAME` allowed)")
    secret: Secret = setting(SecretStr(""), "a signing secret (Feishu, DingTalk; `env:NAME` allowed)")
    users: list[str] = setting(list, "on a lab server: the accounts whose reports this target delivers (each "
                                     "user's day and trends); a lab's run uses no other target")


class DeliveryConfig(_Section):
    """What is delivered when."""

    skip_empty: bool = setting(True, "a day with no matching paper: the report is written, nothing is sent")


class ScheduleConfig(_Section):
    """``arxiv-monitor serve``: when to run, and the health endpoint."""

    cron: str = setting("30 0 * * 1-5", "when `serve` runs")
    timezone: str = setting(ARXIV_TIMEZONE, "time zone of the cron expression")
    healthz_host: str = setting("127.0.0.1", "address of the health endpoint")
    healthz_port: int = setting(8787, "port of the health endpoint (`GET /healthz`)", ge=0, le=65535)
    catchup_days: int = setting(7, "how far back missed days are caught up (0: never)", ge=0, le=60)
    retry_minutes: float = setting(10.0, "after a failed run (arXiv unreachable, say), `serve` tries again after "
                                         "this many minutes, doubling each time (at most two hours)", gt=0)
    retry_hours: float = setting(8.0, "and keeps trying for this many hours after the scheduled time; then it "
                                      "waits for the next scheduled run", ge=0)
    trends: list[str] = setting(lambda: ["week"], "the trends `serve` builds and delivers after the first run of "
                                                  "a new week (`week`: the past week, on Monday) or month "
                                                  "(`month`); `[]`: none", "`[\"week\"]`")

    @field_validator("trends")
    @classmethod
    def _periods(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in ("week", "month")]
        if bad:
            raise ValueError(f"unknown trends period(s) {bad}; choose from ['week', 'month']")
        return list(dict.fromkeys(value))

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

    ranker: str = setting("auto", "`auto` (semantic if installed, else tfidf), `semantic`, `tfidf`, `keywords`, "
                                  "or an installed plugin's ranker")
    model: str = setting("", "a sentence-transformers model name or path", "bundled all-MiniLM-L6-v2")
    embeddings_url: str = setting("", "an OpenAI-compatible `/embeddings` endpoint instead", "—")
    embeddings_model: str = setting("", "the model that endpoint serves", "—")
    embeddings_batch: int = setting(64, "texts per `/embeddings` request (1 for a server whose vectors depend on "
                                        "the batch, such as llama-cpp-python's)", ge=1, le=2048)
    judge: Literal["off", "borderline", "all"] = setting("off", "`off`, `borderline`, `all`: LLM relevance scores")
    judge_margin: float = setting(0.15, "what is borderline: this close to the cut-off", ge=0, le=1)
    judge_keep: float = setting(6.0, "the judge's score (0-10) that keeps a paper", ge=0, le=10)
    judge_batch: int = setting(8, "papers per judge call", ge=1, le=50)
    feedback_min: int | None = setting(None, "of versions before each rating counted from the first: accepted, "
                                             "ignored", "—")
    feedback_weight: float | None = setting(None, "of versions before calibrated probabilities: accepted, ignored",
                                            "—")
    crossref_url: str = setting("https://api.crossref.org/works", "abstracts of library items known only by a DOI")


class WebConfig(_Section):
    """The reading room: ``arxiv-monitor web`` (and ``serve``)."""

    host: str = setting("127.0.0.1", "address the reading room listens on; another than this machine needs "
                                     "`web.token`")
    port: int = setting(8000, "its port", ge=0, le=65535)
    token: Secret = setting(SecretStr(""), "bearer token or login for the reading room (`env:NAME` allowed; never "
                                           "logged)", "—")
    public_url: str = setting("", "where readers reach the reading room: digests link each paper to its page", "—")
    enabled: bool = setting(True, "`false`: `serve` runs the schedule and `/healthz` only")
    accounts: bool = setting(False, "a lab server: readers sign in with their account (`arxiv-monitor users add`) "
                                    "and see their own days, ratings and topics; needs PostgreSQL and `web.token` "
                                    "(it signs the sessions)")
    user_header: str = setting("", "with `accounts`: a header set by a reverse proxy that has signed the reader in "
                                   "(single sign-on, e.g. `X-Forwarded-User`), trusted from loopback peers only", "—")


class LabConfig(_Section):
    """A lab server this CLI works with as one of its members (``rate``), with their API token."""

    url: str = setting("", "the lab's reading room (e.g. `https://arxiv.lab.example/`): `rate` rates there, as "
                           "you", "—")
    token: Secret = setting(SecretStr(""), "your API token on it (`arxiv-monitor users add` printed it; `env:NAME` "
                                           "allowed; never logged)", "—")


class SiteConfig(_Section):
    """The static reading room: ``arxiv-monitor site`` (GitHub Pages)."""

    base_url: str = setting("", "where the static site is published: digests and feeds link there", "—")
    out_dir: str = setting("", "where `arxiv-monitor site` writes", "`<home>/site`")
