"""Start-up checks: the configuration is checked before any network request.

``preflight`` raises ConfigError, naming the setting, for what would fail
later in the run (an unknown backend, source, ranker or channel, a missing model, a
malformed endpoint URL, a prompt template that does not render, a topic keyword that
cannot match, a topic that says nothing); it returns warnings for what only degrades the
run (a delivery target whose secret is not set is disabled, and everything else works).

With the ``openai`` backend and no model set, the model is found rather than
guessed late: the official OpenAI endpoint gets ``DEFAULT_OPENAI_MODEL``; any
other endpoint is asked for its ``/models`` list (the one request made here),
and a list of exactly one model is used.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from arxiv_monitor.analysis import prompts
from arxiv_monitor.analysis.base import analyzer_class
from arxiv_monitor.analysis.prompts import LANGUAGE_NAMES
from arxiv_monitor.core import plugins
from arxiv_monitor.core.config import Config, unset_env
from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.core.ids import PaperId
from arxiv_monitor.core.text import base_language
from arxiv_monitor.core.topics import display_keyword
from arxiv_monitor.delivery.base import configured
from arxiv_monitor.relevance.match import compile_keyword
from arxiv_monitor.relevance.rank import auto_ranker

log = logging.getLogger(__name__)

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
OPENAI_URLS = ("", "https://api.openai.com/v1", "https://api.openai.com/v1/")


def preflight(config: Config) -> tuple[Config, list[str]]:
    """Check the configuration; return it with the model filled in where it can be found (a
    new, frozen config), and warnings."""
    warnings: list[str] = []
    analyzer = analyzer_class(config.backend_name)
    if config.backend_name == "openai":
        config, found = _check_openai(config)
        warnings += found
    for name in config.sources:
        plugins.one("paper source", plugins.sources(), name, "sources")
    for name in config.signals:
        plugins.one("community signal", plugins.signals(), name, "signals")
    _check_topics(config)
    plugins.one("ranker", plugins.rankers(), auto_ranker(config), "relevance.ranker")
    if config.relevance.judge != "off" and not analyzer.judges:
        warnings.append(f"relevance.judge = {config.relevance.judge!r} needs an LLM backend; the "
                        f"{config.backend_name} backend gives no scores, so the ranking decides alone")
    if base_language(config.language) not in LANGUAGE_NAMES:
        warnings.append(f"language = {config.language!r} is not a language this tool knows "
                        f"({', '.join(sorted(LANGUAGE_NAMES))}): labels are in English, and the LLM is "
                        f"asked to write in {config.language!r}")
    for topic in config.topic_list:
        if topic.legacy_thresholds:
            warnings.append(f"topic {topic.id} sets {', '.join(topic.legacy_thresholds)}: raw-similarity "
                            "thresholds no longer apply (relevance is a calibrated probability, kept at 0.5; "
                            "set cutoff = 0.6 to be stricter). Remove them to silence this warning.")
        if topic.library and topic.library.zotero and topic.library.zotero != "local" and not topic.library.api_key:
            warnings.append(f"topic {topic.id}: its Zotero key names ${unset_env(topic.library.key)}, which is "
                            "not set; a private library will refuse the request")
    for channel in configured(config):
        if var := channel.unavailable():
            warnings.append(f"delivery to {channel.name} is disabled for this run: its secret names ${var}, "
                            "which is not set")
    return config, warnings


def _check_openai(config: Config) -> tuple[Config, list[str]]:
    llm = config.llm
    if llm.base_url:
        url = urlsplit(llm.base_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError(f"llm.base_url: {llm.base_url!r} is not an http(s) URL "
                              "(e.g. https://api.deepseek.com/v1 or http://localhost:11434/v1)")
    prompts.load_template(llm.prompt_template)
    if llm.model:
        return config, []
    if llm.base_url in OPENAI_URLS:
        return _with_model(config, DEFAULT_OPENAI_MODEL), [
            f"llm.model is not set: using {DEFAULT_OPENAI_MODEL} on the OpenAI endpoint "
            "(set ARXIV_MONITOR_LLM_MODEL to choose)"]
    models = _served_models(config)
    if len(models) == 1:
        return _with_model(config, models[0]), [
            f"llm.model is not set: using {models[0]}, the one model {llm.base_url} serves"]
    listed = f" (it serves: {', '.join(models[:10])})" if models else ""
    raise ConfigError(f"llm.model: set the model name for {llm.base_url}{listed}, e.g. "
                      "ARXIV_MONITOR_LLM_MODEL=deepseek-chat; or set llm.backend = \"extractive\"")


def _with_model(config: Config, model: str) -> Config:
    return config.model_copy(update={"llm": config.llm.model_copy(update={"model": model})})


def _served_models(config: Config) -> list[str]:
    """The model ids an OpenAI-compatible endpoint lists at ``/models`` ([] if it cannot say)."""
    import httpx

    key = config.llm.api_key.get_secret_value()
    try:
        response = httpx.get(config.llm.base_url.rstrip("/") + "/models", timeout=10,
                             headers={"Authorization": f"Bearer {key}"} if key else {})
        data = response.json().get("data", []) if response.status_code == 200 else []
        return [str(m["id"]) for m in data if isinstance(m, dict) and m.get("id")]
    except (httpx.HTTPError, ValueError, AttributeError):
        return []


def _check_topics(config: Config) -> None:
    seen: set[str] = set()
    for topic in config.topic_list:
        if topic.id in seen:
            raise ConfigError(f"topics: the id {topic.id!r} is used twice; give each topic its own id")
        seen.add(topic.id)
        if not (topic.any or topic.authors or topic.description.strip() or topic.examples or topic.library):
            raise ConfigError(f"topics.{topic.id}: the topic says nothing about what it is: give it keywords "
                              "(any = [...]), a description, example papers or a library")
        for example in topic.examples:
            try:
                PaperId.parse(example)
            except ValueError as exc:
                raise ConfigError(f"topics.{topic.id}.examples: {exc}") from None
        for field in ("any", "all", "none"):
            for entry in getattr(topic, field):
                for word in entry.split("|") if field == "all" else [entry]:
                    if not display_keyword(word.strip()).strip():
                        raise ConfigError(f"topics.{topic.id}.{field}: an empty keyword ({entry!r})")
                    compile_keyword(display_keyword(word.strip()))
