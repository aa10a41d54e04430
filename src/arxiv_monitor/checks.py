"""Start-up checks: the configuration is checked before any network request.

``preflight`` raises ConfigError, naming the setting, for what would fail
later in the run (an unknown backend, a missing model, a malformed endpoint
URL, a prompt template that does not render, a topic keyword that cannot
match); it returns warnings for what only degrades the run (a delivery
target whose secret is not set is disabled, and everything else works).

With the ``openai`` backend and no model set, the model is found rather than
guessed late: the official OpenAI endpoint gets ``DEFAULT_OPENAI_MODEL``; any
other endpoint is asked for its ``/models`` list (the one request made here),
and a list of exactly one model is used.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from arxiv_monitor.analysis.base import backend_class
from arxiv_monitor.core.config import Config, unset_env
from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.relevance.match import compile_keyword
from arxiv_monitor.core.topics import display_keyword

log = logging.getLogger(__name__)

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
OPENAI_URLS = ("", "https://api.openai.com/v1", "https://api.openai.com/v1/")


def preflight(config: Config) -> list[str]:
    """Check the configuration; fill in the model where it can be found. Returns warnings."""
    warnings: list[str] = []
    backend_class(config.backend_name)
    if config.backend_name == "openai":
        warnings += _check_openai(config)
    _check_topics(config)
    for topic in config.topic_list:
        if topic.legacy_thresholds:
            warnings.append(f"topic {topic.id} sets {', '.join(topic.legacy_thresholds)}: raw-similarity "
                            "thresholds no longer apply (relevance is a calibrated probability, kept at 0.5; "
                            "set cutoff = 0.6 to be stricter). Remove them to silence this warning.")
        if topic.library and topic.library.zotero and topic.library.zotero != "local":
            var = unset_env(topic.library.key)
            if var and not os.environ.get(var):
                warnings.append(f"topic {topic.id}: its Zotero key names ${var}, which is not set; "
                                "a private library will refuse the request")
    for name, var in config.unavailable_targets().items():
        warnings.append(f"delivery to {name} is disabled for this run: its secret names ${var}, "
                        "which is not set")
    return warnings


def _check_openai(config: Config) -> list[str]:
    from arxiv_monitor.analysis import prompts

    llm = config.llm
    if llm.base_url:
        url = urlsplit(llm.base_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError(f"llm.base_url: {llm.base_url!r} is not an http(s) URL "
                              "(e.g. https://api.deepseek.com/v1 or http://localhost:11434/v1)")
    prompts.load_template(llm.prompt_template)
    if llm.model:
        return []
    if llm.base_url in OPENAI_URLS:
        llm.model = DEFAULT_OPENAI_MODEL
        return [f"llm.model is not set: using {DEFAULT_OPENAI_MODEL} on the OpenAI endpoint "
                "(set ARXIV_MONITOR_LLM_MODEL to choose)"]
    models = _served_models(config)
    if len(models) == 1:
        llm.model = models[0]
        return [f"llm.model is not set: using {models[0]}, the one model {llm.base_url} serves"]
    listed = f" (it serves: {', '.join(models[:10])})" if models else ""
    raise ConfigError(f"llm.model: set the model name for {llm.base_url}{listed}, e.g. "
                      "ARXIV_MONITOR_LLM_MODEL=deepseek-chat; or set llm.backend = \"extractive\"")


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
        for field in ("any", "all", "none"):
            for entry in getattr(topic, field):
                for word in entry.split("|") if field == "all" else [entry]:
                    if not display_keyword(word.strip()).strip():
                        raise ConfigError(f"topics.{topic.id}.{field}: an empty keyword ({entry!r})")
                    compile_keyword(display_keyword(word.strip()))
