"""Configuration: a TOML file, overridden by environment variables.

The file is ``$ARXIV_MONITOR_CONFIG`` or ``<home>/config.toml``; the home
directory is ``$ARXIV_MONITOR_HOME`` or the platform's user data directory.
Every setting ``section.key`` can be overridden by the environment variable
``ARXIV_MONITOR_SECTION_KEY`` (top-level keys: ``ARXIV_MONITOR_KEY``).
Lists in the environment are comma-separated. ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` are honoured when the arxiv-monitor variables are unset.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from . import __version__
from .errors import ConfigError
from .models import ANNOUNCE_TYPES
from .topics import TopicConfig, default_topics

DEFAULT_CATEGORIES = ["cs.AI", "cs.LG", "cs.RO", "cs.CV"]
ENV_PREFIX = "ARXIV_MONITOR_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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
    api_key: SecretStr = SecretStr("")
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


def _from_env(value: object) -> object:
    """``"env:NAME"`` reads the secret from the environment variable NAME.

    An unset variable leaves ``"env:NAME"`` in place: the target that needs it
    is disabled for the run (``Config.unavailable_targets``), the rest works.
    """
    if isinstance(value, str) and value.startswith("env:"):
        return os.environ.get(value[4:], value)
    return value


def i18n_keywords(language: str) -> str:
    """The flat keyword list's topic name."""
    from .i18n import t

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
    password: SecretStr = SecretStr("")
    sender: str = ""
    recipients: list[str] = Field(default_factory=list)
    subject: str = ""  # default: "arXiv 论文日报 {day}（{count} 篇）" in the report's language
    timeout: float = Field(30.0, gt=0)
    ca_file: str = ""  # extra CA bundle to trust (a self-signed server)
    unsubscribe_url: str = ""  # sent as List-Unsubscribe when set

    @field_validator("password", mode="before")
    @classmethod
    def _password_from_env(cls, value: object) -> object:
        return _from_env(value)


class WebhookConfig(_Section):
    """One chat webhook: Feishu/Lark, DingTalk, WeCom, Slack or a generic JSON POST."""

    name: str
    kind: Literal["feishu", "lark", "dingtalk", "wecom", "slack", "generic"]
    url: SecretStr
    secret: SecretStr = SecretStr("")

    @field_validator("url", "secret", mode="before")
    @classmethod
    def _secrets_from_env(cls, value: object) -> object:
        return _from_env(value)


class DeliveryConfig(_Section):
    """What is delivered when."""

    skip_empty: bool = True  # a day with no matching paper: write the report, send nothing


class ScheduleConfig(_Section):
    """``arxiv-monitor serve``: when to run, and the health endpoint."""

    cron: str = "30 0 * * 1-5"
    timezone: str = "America/New_York"
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

    ranker: Literal["auto", "semantic", "tfidf", "keywords"] = "auto"
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
    token: SecretStr = SecretStr("")  # "env:NAME" reads it from the environment
    public_url: str = ""  # where readers reach it: digests link each paper to its page
    enabled: bool = True  # false: `serve` runs the schedule and /healthz only

    @field_validator("token", mode="before")
    @classmethod
    def _token_from_env(cls, value: object) -> object:
        return _from_env(value)


class SiteConfig(_Section):
    """The static reading room: ``arxiv-monitor site`` (GitHub Pages)."""

    base_url: str = ""  # e.g. https://you.github.io/arxiv-monitor: digests link each paper to its page
    out_dir: str = ""  # default: <home>/site


class Config(_Section):
    """The whole configuration."""

    home: str = ""
    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    keywords: list[str] = Field(default_factory=list)  # a flat keyword list: one topic
    announce_types: list[str] = Field(default_factory=lambda: list(ANNOUNCE_TYPES))
    reanalyze_replacements: bool = False
    language: str = "zh"
    paths: PathsConfig = Field(default_factory=PathsConfig)
    arxiv: ArxivConfig = Field(default_factory=ArxivConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    topics: list[TopicConfig] = Field(default_factory=list)
    relevance: RelevanceConfig = Field(default_factory=RelevanceConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    webhooks: list[WebhookConfig] = Field(default_factory=list)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    site: SiteConfig = Field(default_factory=SiteConfig)

    @field_validator("announce_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in ANNOUNCE_TYPES]
        if bad:
            raise ValueError(f"unknown announce type(s) {bad}; choose from {list(ANNOUNCE_TYPES)}")
        return value

    @field_validator("categories")
    @classmethod
    def _some_categories(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one category is needed")
        return value

    # -- derived paths ------------------------------------------------------
    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser()

    def _path(self, value: str, default: str) -> Path:
        return Path(value).expanduser() if value else self.home_path / default

    @property
    def db_path(self) -> Path:
        return self._path(self.paths.database, "arxiv-monitor.db")

    @property
    def cache_path(self) -> Path:
        return self._path(self.paths.cache_dir, "cache")

    @property
    def reports_path(self) -> Path:
        return self._path(self.paths.reports_dir, "reports")

    @property
    def topic_list(self) -> list[TopicConfig]:
        """The topics: configured ones, else the flat keyword list as one topic, else the defaults."""
        if self.topics:
            return self.topics
        if self.keywords:
            return [TopicConfig(id="keywords", name=i18n_keywords(self.language), any=list(self.keywords), rank=False)]
        return default_topics(self.language)

    @property
    def backend_name(self) -> str:
        if self.llm.backend not in ("", "auto"):
            return self.llm.backend
        configured = self.llm.base_url or self.llm.api_key.get_secret_value()
        return "openai" if configured else "extractive"

    @property
    def user_agent(self) -> str:
        contact = f"; mailto:{self.arxiv.contact}" if self.arxiv.contact else ""
        return (
            f"arxiv-monitor/{__version__} (daily arXiv digest; "
            f"+https://pypi.org/project/arxiv-monitor/{contact})"
        )

    @property
    def site_url(self) -> str:
        """Where each paper's page can be read (the static site, else the web app), or ''."""
        return self.site.base_url or self.web.public_url

    def secrets(self) -> list[str]:
        """Every secret value, for redaction from logs and messages."""
        values = [self.llm.api_key.get_secret_value(), self.email.password.get_secret_value()]
        for hook in self.webhooks:
            values += [hook.url.get_secret_value(), hook.secret.get_secret_value()]
        values += [_from_env(t.library.key.get_secret_value()) for t in self.topics if t.library]
        values.append(self.web.token.get_secret_value())
        return [v for v in values if v and isinstance(v, str) and not v.startswith("env:")]

    def unavailable_targets(self) -> dict[str, str]:
        """Delivery targets whose secret names an unset environment variable: name -> variable."""
        out = {}
        if self.email.enabled and (name := unset_env(self.email.password)):
            out["email"] = name
        for hook in self.webhooks:
            if name := unset_env(hook.url) or unset_env(hook.secret):
                out[hook.name] = name
        return out


def default_home() -> Path:
    """The home directory: ``$ARXIV_MONITOR_HOME`` or the user data directory."""
    env = os.environ.get(ENV_PREFIX + "HOME")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("arxiv-monitor"))


def config_file(home: Path | None = None) -> Path:
    """The config file: ``$ARXIV_MONITOR_CONFIG`` or ``<home>/config.toml``."""
    env = os.environ.get(ENV_PREFIX + "CONFIG")
    return Path(env).expanduser() if env else (home or default_home()) / "config.toml"


def _env_value(field: Any, value: str) -> Any:
    if "list" in str(field.annotation):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _env_overrides() -> dict[str, Any]:
    """Collect overrides from the environment as a nested dict."""
    out: dict[str, Any] = {}
    sections = {"paths": PathsConfig, "arxiv": ArxivConfig, "llm": LLMConfig, "email": EmailConfig,
                "delivery": DeliveryConfig, "schedule": ScheduleConfig, "relevance": RelevanceConfig,
                "web": WebConfig, "site": SiteConfig}
    for name, field in Config.model_fields.items():
        if name in sections:
            for key, sub in sections[name].model_fields.items():
                value = os.environ.get(f"{ENV_PREFIX}{name.upper()}_{key.upper()}")
                if value is not None:
                    out.setdefault(name, {})[key] = _env_value(sub, value)
        elif name not in ("home", "webhooks", "topics"):
            value = os.environ.get(ENV_PREFIX + name.upper())
            if value is not None:
                out[name] = _env_value(field, value)
    llm = out.setdefault("llm", {})
    if "api_key" not in llm and os.environ.get("OPENAI_API_KEY"):
        llm["api_key"] = os.environ["OPENAI_API_KEY"]
    if "base_url" not in llm and os.environ.get("OPENAI_BASE_URL"):
        llm["base_url"] = os.environ["OPENAI_BASE_URL"]
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(error: ValidationError, path: Path) -> str:
    lines = [f"Invalid configuration (file {path}, or an {ENV_PREFIX}* variable):"]
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)


def load_config(path: Path | None = None) -> Config:
    """Load the config file (if any), then apply the environment.

    A file named explicitly (``--config`` or ``$ARXIV_MONITOR_CONFIG``) must
    exist; the default ``<home>/config.toml`` may be absent (defaults apply).
    """
    home = default_home()
    named_by = "--config" if path is not None else (
        f"${ENV_PREFIX}CONFIG" if os.environ.get(ENV_PREFIX + "CONFIG") else "")
    path = path or config_file(home)
    data: dict[str, Any] = {}
    if named_by and not path.is_file():
        raise ConfigError(f"The config file {path} (named by {named_by}) does not exist: check the path, "
                          "or run `arxiv-monitor init --config PATH` to write one.")
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Cannot parse config file {path}: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"Cannot read config file {path}: {exc.strerror}") from exc
    data = _merge(data, _env_overrides())
    if os.environ.get(ENV_PREFIX + "HOME") or not data.get("home"):
        data["home"] = str(home)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
