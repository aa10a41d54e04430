"""The plugin manager (pluggy) and what the plugins registered.

Plugins are found once, from the entry-point group ``arxiv_monitor`` (the built-ins
included); a test or an embedding program may also ``pm.register(module)`` directly.
Each registry below asks the plugins again on every call, so a plugin registered
later is seen at once (the calls are cheap: a handful of functions).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy

from arxiv_monitor.core import hookspecs
from arxiv_monitor.core.errors import ConfigError

GROUP = "arxiv_monitor"
log = logging.getLogger(__name__)

pm = pluggy.PluginManager(GROUP)
pm.add_hookspecs(hookspecs)
_state: dict[str, Any] = {"loaded": False, "broken": {}, "packages": {}}


def load() -> None:
    """Register every plugin named in the entry-point group (once). A plugin that fails to
    import is left out, with its error kept for ``arxiv-monitor plugins`` and the log."""
    if _state["loaded"]:
        return
    _state["loaded"] = True
    for ep in entry_points(group=GROUP):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            pm.register(ep.load(), name=ep.name)
            if ep.dist is not None:
                _state["packages"][ep.name] = (ep.dist.name, ep.dist.version)
        except Exception as exc:  # noqa: BLE001 - any error of a third party's module
            _state["broken"][ep.name] = f"{type(exc).__name__}: {exc}"
            log.warning("the plugin %s (%s) cannot be loaded and is left out: %s", ep.name, ep.value, exc)


def broken() -> dict[str, str]:
    """Plugins named in an entry point that could not be loaded, with the reason."""
    load()
    return dict(_state["broken"])


def _collect(hook_name: str, key: Callable[[tuple], str]) -> dict[str, Any]:
    """What the plugins register through one hook, by name. The same name twice is an error
    that names both plugins (a plugin never replaces another silently)."""
    load()
    found: dict[str, tuple[str, Any]] = {}
    for impl in getattr(pm.hook, hook_name).get_hookimpls():  # in registration order
        items: list[tuple] = []
        impl.function(register=lambda *item: items.append(item))
        for item in items:
            name = key(item)
            if name in found and found[name][1] != item:
                raise ConfigError(f"Two plugins register {hook_name.removeprefix('register_')[:-1]} {name!r}: "
                                  f"{found[name][0]} and {impl.plugin_name}; uninstall one of them.")
            found[name] = (impl.plugin_name, item)
    return {name: item for name, (_, item) in found.items()}


def _by_attribute(hook_name: str, attribute: str) -> dict[str, Any]:
    return {name: item[0] for name, item in _collect(hook_name, lambda item: getattr(item[0], attribute)).items()}


def sources() -> dict[str, Any]:
    """Source classes by name (the scheme of their ids)."""
    return _by_attribute("register_sources", "name")


def channels() -> dict[str, Any]:
    """Channel classes by kind."""
    return _by_attribute("register_channels", "kind")


def signals() -> dict[str, Any]:
    """Community signal classes by name."""
    return _by_attribute("register_signals", "name")


def renderers() -> dict[str, Any]:
    """Renderer classes by file extension, in registration order."""
    return _by_attribute("register_renderers", "ext")


def analyzers() -> dict[str, Any]:
    """Analyser classes by name."""
    return _by_attribute("register_analyzers", "name")


def rankers() -> dict[str, Callable[..., Any]]:
    """Ranker factories by name."""
    return {name: item[1] for name, item in _collect("register_rankers", lambda item: item[0]).items()}


def one(kind: str, registry: dict[str, Any], name: str, setting: str) -> Any:
    """``registry[name]``, or a ConfigError naming the setting and what is installed."""
    if name not in registry:
        raise ConfigError(f"{setting}: unknown {kind} {name!r}; installed: {', '.join(sorted(registry)) or 'none'}")
    return registry[name]


@dataclass
class PluginInfo:
    """One loaded plugin, for ``arxiv-monitor plugins``."""

    name: str
    hooks: list[str]
    package: str = ""
    version: str = ""


def loaded() -> list[PluginInfo]:
    """Every registered plugin with the hooks it implements and the package it came from."""
    load()
    out = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        package, version = _state["packages"].get(name, ("", ""))
        out.append(PluginInfo(name, hooks, package, version))
    return sorted(out, key=lambda p: p.name)
