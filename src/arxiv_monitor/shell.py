"""What every command of the shell shares: the lazily loaded library, the two consoles
(messages to stderr, results to stdout), secrets masked in both, and the config option.
``cli`` and ``topics_cli`` build their commands from it."""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape

from arxiv_monitor.core.errors import redact, redact_logs


def _lazy(name: str) -> ModuleType:
    """A module that is imported when one of its names is first used (importlib's LazyLoader)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


commands = _lazy("arxiv_monitor.commands")
pipeline = _lazy("arxiv_monitor.pipeline")
terminal = _lazy("arxiv_monitor.terminal")


def Table(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - rich's Table, made where rich is loaded
    return terminal.table(*args, **kwargs)


_SECRETS: list[str] = []  # the loaded configuration's secrets, masked in every message
console = Console(stderr=True, soft_wrap=True)  # messages, progress and errors: never wrapped
out = Console(width=None if sys.stdout.isatty() else 200)  # results: tables, explanations, JSON
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="Config file (default: <home>/config.toml).")]


def _setup_logging(verbose: bool) -> None:
    from rich.logging import RichHandler

    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(message)s", force=True,
                        handlers=[RichHandler(console=console, show_path=False, show_time=False)])
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _note(label: str, text: str, style: str = "yellow") -> None:
    """A message to stderr: secrets masked, brackets shown as written."""
    console.print(f"[{style}]{label}[/] {escape(redact(str(text), _SECRETS))}")


def _result(text: str) -> None:
    """Plain text results go to stdout, unwrapped and uninterpreted."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _config(path: Optional[Path]):
    """Load the configuration, and mask its secrets in everything logged from now on."""
    from arxiv_monitor.core.config import load_config

    cfg = load_config(path)
    _SECRETS[:] = cfg.secrets()
    redact_logs(_SECRETS)
    return cfg


VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")]


def _with_progress(verbose: bool, config: Optional[Path], job: Any) -> Any:
    """Load the config and run ``job(config, progress)`` under a rich progress bar."""
    _setup_logging(verbose)
    cfg = _config(config)
    from rich.progress import Progress

    from arxiv_monitor.core import stopping

    stopping.install()

    with Progress(*terminal.columns(), console=console, disable=not console.is_terminal) as bar:
        return cfg, job(cfg, terminal.RichProgress(bar))
