"""The docs cannot drift from the code: the README's generated parts are what the code makes
now (cog), the schema document is what the migrations make, every setting the README names
exists, and every TOML example in it loads."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from arxiv_monitor.core.config import Config

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT / "scripts"))


def test_the_readme_says_what_the_code_does():
    """Commands, settings, topic fields and plugin hooks are generated (scripts/readme.py);
    regenerate with `.venv/bin/cog -r -I scripts README.md`."""
    from cogapp import Cog

    cog = Cog()
    assert cog.main(["cog", "--check", "-I", str(ROOT / "scripts"), str(README)]) == 0, \
        "README.md is out of date: run .venv/bin/cog -r -I scripts README.md"


def test_the_generated_parts_name_every_setting_command_and_hook():
    """The check above can fail: the generators see every setting, command and hook."""
    import readme

    settings, commands, hooks = readme.settings(), readme.commands(), readme.hooks()
    for section in ("llm", "arxiv", "email", "relevance", "web", "site", "schedule", "paths", "delivery",
                    "biorxiv", "medrxiv", "huggingface"):
        model = Config.model_fields[section].annotation
        for key in model.model_fields:
            assert f"`{section}.{key}`" in settings, f"{section}.{key}"
    for name in ("run", "serve", "plugins", "eval relevance", "backfill"):
        assert f"arxiv-monitor {name}" in commands
    from arxiv_monitor.core import hookspecs

    specs = [name for name in vars(hookspecs) if name.startswith("register_")]
    assert len(specs) >= 7
    for hook in specs:
        assert hook in hooks, f"the hook {hook} is not in the README"
    assert re.search(r"`llm.concurrency` \| `ARXIV_MONITOR_LLM_CONCURRENCY` \| `8` \| requests in flight", settings)


def test_the_schema_document_is_what_the_migrations_make():
    import schema_doc

    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == schema_doc.schema(), \
        "docs/schema.md is out of date: run .venv/bin/python scripts/schema_doc.py"


def _settings() -> set[str]:
    names = set()
    for name, field in Config.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and hasattr(kind, "model_fields"):
            names |= {f"ARXIV_MONITOR_{name.upper()}_{key.upper()}" for key in kind.model_fields}
        names.add(f"ARXIV_MONITOR_{name.upper()}")
    from arxiv_monitor.core.settings import SECRETS_BUNDLE

    return names | {"ARXIV_MONITOR_CONFIG", "ARXIV_MONITOR_WEB_TOKEN", SECRETS_BUNDLE}


def test_every_variable_the_readme_names_is_a_setting():
    named = set(re.findall(r"ARXIV_MONITOR_[A-Z_]+[A-Z]", README.read_text(encoding="utf-8")))
    assert named - _settings() == set()


def _toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.parametrize("n", range(len(_toml_blocks())))
def test_every_toml_example_of_the_readme_loads(n):
    """An example of arxiv-monitor's own configuration is a valid configuration (a plugin
    package's pyproject.toml excerpt is not one)."""
    data = tomllib.loads(_toml_blocks()[n])
    if "project" in data:
        return
    Config.model_validate({"home": "/tmp", **data})
