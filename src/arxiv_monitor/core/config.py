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
from typing import Any

import platformdirs
from pydantic import Field, ValidationError, field_validator

from arxiv_monitor import __version__
from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.core.models import ANNOUNCE_TYPES
from arxiv_monitor.core.settings import (  # noqa: F401
    ArxivConfig,
    DeliveryConfig,
    EmailConfig,
    HuggingFaceConfig,
    LabConfig,
    LLMConfig,
    MedrxivConfig,
    PathsConfig,
    RelevanceConfig,
    RxivConfig,
    ScheduleConfig,
    SiteConfig,
    WebConfig,
    WebhookConfig,
    _Section,
    bundled_secrets,
    from_env,
    i18n_keywords,
    setting,
    unset_env,
)
from arxiv_monitor.core.topics import TopicConfig, default_topics

DEFAULT_CATEGORIES = ["cs.AI", "cs.LG", "cs.RO", "cs.CV"]
ENV_PREFIX = "ARXIV_MONITOR_"


class Config(_Section):
    """The whole configuration."""

    home: str = setting("", "holds the database, cache and reports (`$ARXIV_MONITOR_HOME`)", "user data dir")
    sources: list[str] = setting(lambda: ["arxiv"], "the paper sources followed: `arxiv`, `biorxiv`, `medrxiv`, "
                                                    "or an installed plugin's")
    categories: list[str] = setting(lambda: list(DEFAULT_CATEGORIES), "arXiv categories to follow",
                                    "`cs.AI, cs.LG, cs.RO, cs.CV`")
    keywords: list[str] = setting(list, "a flat keyword list; when set (and no `[[topics]]` are), it is the one "
                                        "topic", "empty")
    announce_types: list[str] = setting(lambda: list(ANNOUNCE_TYPES), "`new`, `cross`, `replace`, `replace-cross`",
                                        "all four")
    reanalyze_replacements: bool = setting(False, "analyse new versions again")
    language: str = setting("zh", "language of the analyses and of every label (reports, reading room, e-mails, "
                                  "digests): `zh`, or `en` for English labels (another language gets its analyses "
                                  "in that language, English labels)")
    paths: PathsConfig = Field(default_factory=PathsConfig)
    arxiv: ArxivConfig = Field(default_factory=ArxivConfig)
    biorxiv: RxivConfig = Field(default_factory=RxivConfig)
    medrxiv: MedrxivConfig = Field(default_factory=MedrxivConfig)
    signals: list[str] = setting(list, "community signals shown beside papers (upvotes, a repository's stars): "
                                       "`huggingface`, or an installed plugin's; they break ties in the order "
                                       "and never decide relevance", "none")
    huggingface: HuggingFaceConfig = Field(default_factory=HuggingFaceConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    topics: list[TopicConfig] = setting(list, "the topics (`[[topics]]`, below)", "VLA and TRAFFIC_ST")
    relevance: RelevanceConfig = Field(default_factory=RelevanceConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    webhooks: list[WebhookConfig] = setting(list, "chat targets (`[[webhooks]]`: `name`, `kind`, `url`, `secret`, "
                                                  "on a lab `users`, and the channel's own keys; values may be "
                                                  "`env:NAME`)", "—")
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    lab: LabConfig = Field(default_factory=LabConfig)
    site: SiteConfig = Field(default_factory=SiteConfig)
    plugins: dict[str, dict[str, Any]] = setting(dict, "a plugin's own settings (`[plugins.NAME]`)", "—")

    @field_validator("sources")
    @classmethod
    def _some_sources(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one source is needed (e.g. [\"arxiv\"])")
        return list(dict.fromkeys(value))

    @field_validator("signals")
    @classmethod
    def _once(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

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
        """The SQLite file (when ``paths.database`` is not a PostgreSQL URL)."""
        return self._path(self.paths.database, "arxiv-monitor.db")

    @property
    def database(self) -> str:
        """What the store opens: a ``postgresql://`` URL as written, else the SQLite file."""
        if self.paths.database.startswith(("postgresql://", "postgres://")):
            return self.paths.database
        return str(self.db_path)

    def for_user(self, login: str, language: str, email: str, topics: list[dict[str, Any]]) -> Config:
        """This (a lab's) config as one user's run and pages see it: their topics and language,
        their reports folder, their own address as the e-mail's only recipient and, of the lab's
        chat targets, those that name them (``users``)."""
        email_config = self.email.model_copy(update={"recipients": [email] if email else [],
                                                     "enabled": self.email.enabled and bool(email)})
        return self.model_copy(update={
            "language": language, "topics": [TopicConfig(**t) for t in topics],
            "webhooks": [hook for hook in self.webhooks if login in hook.users], "email": email_config,
            "paths": self.paths.model_copy(update={"reports_dir": str(self.reports_path / login)})})

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
        """Every secret value, for redaction from logs and messages: the LLM key, the SMTP
        password, every webhook's URL, secret and own keys, the Zotero keys, the web and lab tokens."""
        values = [self.llm.api_key.get_secret_value(), self.email.password.get_secret_value()]
        for hook in self.webhooks:
            values += [hook.url.get_secret_value(), hook.secret.get_secret_value()]
            values += [from_env(v) for v in (hook.model_extra or {}).values() if isinstance(v, str)]
        values += [t.library.api_key for t in self.topics if t.library]
        values += [self.web.token.get_secret_value(), self.lab.token.get_secret_value()]
        values += bundled_secrets().values()
        return [v for v in values if v and isinstance(v, str) and not v.startswith("env:")]


def repository_config(template: str, root: Path) -> str:
    """The commented config for a fork run by GitHub Actions: the template with a ``[site]``
    section whose address is the fork's GitHub Pages (read from ``.git/config``, when it
    names a github.com remote)."""
    import re

    pages = ""
    try:
        remote = re.search(r"github\.com[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?\s*$",
                           (root / ".git" / "config").read_text(encoding="utf-8"), re.MULTILINE)
        if remote:
            pages = f"https://{remote.group(1).lower()}.github.io/{remote.group(2)}"
    except OSError:
        pass
    return template.rstrip("\n") + f"""

# The reading room on GitHub Pages: the workflow publishes it when the repository variable
# PUBLISH_SITE is "true" (Settings -> Pages -> Source: GitHub Actions). Digests and feeds
# link each paper to its page there.
[site]
base_url = "{pages}"   # e.g. "https://YOUR-NAME.github.io/arxiv-monitor"
"""


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
    """Collect overrides from the environment (and the lines of ``$ARXIV_MONITOR_SECRETS``,
    which the environment overrides) as a nested dict."""
    environ = {**bundled_secrets(), **{k: v for k, v in os.environ.items() if v}}
    out: dict[str, Any] = {}
    sections = {name: field.annotation for name, field in Config.model_fields.items()
                if isinstance(field.annotation, type) and issubclass(field.annotation, _Section)}
    for name, field in Config.model_fields.items():
        if name in sections:
            for key, sub in sections[name].model_fields.items():
                value = environ.get(f"{ENV_PREFIX}{name.upper()}_{key.upper()}")
                if value:  # set to nothing is unset: a CI runner sets variables it does not have to ""
                    out.setdefault(name, {})[key] = _env_value(sub, value)
        elif name not in ("home", "webhooks", "topics", "plugins"):
            value = environ.get(ENV_PREFIX + name.upper())
            if value:
                out[name] = _env_value(field, value)
    llm = out.setdefault("llm", {})
    if "api_key" not in llm and environ.get("OPENAI_API_KEY"):
        llm["api_key"] = environ["OPENAI_API_KEY"]
    if "base_url" not in llm and environ.get("OPENAI_BASE_URL"):
        llm["base_url"] = environ["OPENAI_BASE_URL"]
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
        except UnicodeDecodeError as exc:
            raise ConfigError(f"The config file {path} is not UTF-8 text (byte {exc.start}): save it as "
                              "UTF-8 in your editor, or write a new one with `arxiv-monitor init --force`.") from None
        except OSError as exc:
            raise ConfigError(f"Cannot read config file {path}: {exc.strerror}") from exc
    data = _merge(data, _env_overrides())
    if os.environ.get(ENV_PREFIX + "HOME") or not data.get("home"):
        data["home"] = str(home)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


def add_topic(path: Path | None, topic: TopicConfig, current: Config) -> list[str]:
    """Append ``topic`` to the config file as a ``[[topics]]`` table, after the user reviewed
    it; return what else was written. A config without topics of its own follows the default
    topics: those are written out first, so adding one does not drop them. The file is read
    back, and restored if it no longer loads."""
    path = path or config_file(default_home())
    if topic.id in {t.id for t in current.topic_list}:
        raise ConfigError(f"A topic {topic.id!r} exists already in {path}: give the new one another id.")
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    defaults = [] if current.topics or current.keywords else current.topic_list
    added = topics_toml([*defaults, topic])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(before + ("\n" if before and not before.endswith("\n") else "") + "\n" + added, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError:
        path.write_text(before, encoding="utf-8")
        raise
    return [f"the default topics {', '.join(t.id for t in defaults)} (so they stay)"] if defaults else []


def topics_toml(topics: list[TopicConfig]) -> str:
    """Topics as the ``[[topics]]`` tables of config.toml (only what differs from the defaults)."""
    import tomli_w

    return tomli_w.dumps({"topics": [t.model_dump(mode="json", exclude_defaults=True) for t in topics]},
                         multiline_strings=True)
