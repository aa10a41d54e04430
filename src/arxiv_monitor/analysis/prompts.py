"""The prompt templates: Jinja files in ``arxiv_monitor/prompts/``, or the user's own.

``prompt_version`` hashes the templates, so an analysis records which prompt
wrote it; ``load_template`` checks a user's analysis template at start-up.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from arxiv_monitor.analysis.replies import SECTION_KEYS, headings
from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.core.models import Paper, Section

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
PROMPT_OVERHEAD = 1200  # tokens of instructions around the paper text
TEMPLATES = ("system.j2", "analysis.j2", "repair.j2", "overview.j2", "judge.j2")
_env = jinja2.Environment(
    loader=jinja2.PackageLoader("arxiv_monitor.analysis", "templates"),
    undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
)


REASONING_MODELS = re.compile(r"reason|r1\b|-r1|qwq|think|\bo[134]\b|o[134]-|gpt-5|deepseek-r", re.IGNORECASE)


def is_reasoning(model: str, setting: str = "auto") -> bool:
    """Whether ``model`` thinks before answering (``llm.reasoning``: auto by name, on, off)."""
    return setting == "on" or (setting == "auto" and bool(REASONING_MODELS.search(model)))


def budgets(max_input: int, max_output: int, reasoning_tokens: int, context_length: int) -> tuple[int, int]:
    """(input, output) tokens per request: the output budget plus room to think, and the paper
    text's budget within the context window (when it is known)."""
    output = max_output + reasoning_tokens
    if not context_length:
        return max_input, output
    return max(256, min(max_input, context_length - output - PROMPT_OVERHEAD)), output


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def render(name: str, **context: Any) -> str:
    """Render one of the shipped templates."""
    return _env.get_template(name).render(**context).strip()


def prompt_version(user_template: str = "") -> str:
    """A short hash of the prompt templates: it changes when they change."""
    digest = hashlib.sha256()
    for name in TEMPLATES:
        digest.update(resources.files("arxiv_monitor.analysis").joinpath("templates", name).read_bytes())
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
