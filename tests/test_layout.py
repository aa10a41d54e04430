"""The package's shape: one wing per stage, wings importing downwards only, no import cycle,
one module that touches SQLite, and every bench script importable."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import arxiv_monitor

PACKAGE = Path(arxiv_monitor.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
BENCH = Path(__file__).resolve().parent.parent / "bench"

# The wings, bottom first: a module may import from its own wing and the wings below it.
# Modules outside the wings (cli, commands, pipeline, components, serve, checks, terminal)
# are the top: the composition root and the command line.
WINGS = ["core", "store", "sources", "fulltext", "relevance", "trust", "analysis", "report", "trends", "delivery", "web"]
TOP = len(WINGS)


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str, module: str, is_package: bool, top_level_only: bool = False) -> set[str]:
    """Modules of the package that ``source`` imports (everywhere in it, or at module level only)."""
    tree = ast.parse(source)
    package = module if is_package else module.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if top_level_only and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            target = (base + "." + node.module if node.module else base) if node.level else node.module
            if target and target.startswith("arxiv_monitor"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("arxiv_monitor"))
    return found


def rank(module: str) -> int | None:
    """The wing of a module of the package (None for the package itself: its version and ``hookimpl``)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("__version__", "hookimpl"):
        return None
    return WINGS.index(parts[1]) if parts[1] in WINGS else TOP


def upward_imports(sources: dict[str, str]) -> list[str]:
    """Every import, anywhere in a module (inside functions and TYPE_CHECKING too), of a wing
    above the module's own: ``sources`` maps module names to their text."""
    found = []
    for module, text in sources.items():
        own = rank(module)
        for target in sorted(_imports(text, module, module.endswith("__init__"))):
            theirs = rank(target)
            if own is not None and theirs is not None and theirs > own:
                found.append(f"{module} ({WINGS[own] if own < TOP else 'top'}) imports {target}")
    return sorted(found)


def test_the_folders_are_the_wings_of_the_pipeline():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted(WINGS)


def test_wings_import_downwards_only():
    sources = {_name(p): p.read_text(encoding="utf-8") for p in MODULES}
    assert upward_imports(sources) == []


def test_the_layering_check_catches_an_upward_import():
    """The check itself can fail: a store module reaching up for the report, even lazily."""
    bad = {"arxiv_monitor.store.papers": "def f():\n    from arxiv_monitor.report.render import render_html\n",
           "arxiv_monitor.core.models": "from arxiv_monitor import pipeline\n",
           "arxiv_monitor.report.render": "from arxiv_monitor.core.models import Paper\n"}
    assert upward_imports(bad) == [
        "arxiv_monitor.core.models (core) imports arxiv_monitor.pipeline",
        "arxiv_monitor.store.papers (store) imports arxiv_monitor.report.render",
        "arxiv_monitor.store.papers (store) imports arxiv_monitor.report.render.render_html"]


def test_no_import_cycles():
    names = {_name(p): p for p in MODULES}
    graph = {n: {m for m in _imports(p.read_text(encoding="utf-8"), n, p.name == "__init__.py", True)
                 if m in names and m != n} for n, p in names.items()}
    # a package imports its submodules' names; that is not a cycle through the package itself
    graph = {n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(dep):] + [dep]))
            if dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_every_module_imports_on_its_own():
    for name in sorted(_name(p) for p in MODULES if p.name != "__main__.py"):
        done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
        assert done.returncode == 0, f"{name}: {done.stderr[-800:]}"


def test_every_bench_script_imports():
    """A bench that no longer imports (a moved module) is found here, not the day it is run."""
    scripts = sorted(BENCH.glob("*.py"))
    assert scripts
    for script in scripts:
        code = ("import importlib.util, sys; sys.path.insert(0, %r)\n"
                "spec = importlib.util.spec_from_file_location('bench_script', %r)\n"
                "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
                "assert callable(getattr(module, 'main', None)), 'no main()'\n") % (str(BENCH.parent), str(script))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{script.name}: {done.stderr[-800:]}"


def test_only_the_store_imports_sqlite3():
    users = [_name(p) for p in MODULES if "import sqlite3" in p.read_text(encoding="utf-8")]
    assert users and all(u.startswith("arxiv_monitor.store") for u in users), users


def test_no_module_or_function_grows_past_reading_size():
    """Modules are cut by idea; these limits only flag what has stopped being one idea."""
    long_modules, long_functions = {}, {}
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 600:
            long_modules[_name(path)] = text.count("\n")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 70:
                long_functions[f"{_name(path)}.{node.name}"] = node.end_lineno - node.lineno + 1
    assert long_modules == {} and long_functions == {}

