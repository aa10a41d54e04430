"""The package's shape: no import cycles, one module that touches SQLite, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import arxiv_monitor

PACKAGE = Path(arxiv_monitor.__file__).parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """Modules of the package imported at module level (not inside functions or TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _name(path) if path.name == "__init__.py" else _name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            module = (base + "." + node.module if node.module else base) if node.level else node.module
            if module and module.startswith("arxiv_monitor"):
                found.add(module)
                found.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("arxiv_monitor"))
    return found


def test_no_import_cycles():
    names = {_name(p): p for p in MODULES}
    graph = {n: {m for m in _top_level_imports(p) if m in names and m != n} for n, p in names.items()}
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


def test_only_the_store_imports_sqlite3():
    users = [_name(p) for p in MODULES if "import sqlite3" in p.read_text(encoding="utf-8")]
    assert users and all(u.startswith("arxiv_monitor.store") for u in users), users


def test_modules_stay_small():
    sizes = {_name(p): p.read_text(encoding="utf-8").count("\n") for p in MODULES}
    assert {n: s for n, s in sizes.items() if s > 420} == {}
    assert sizes["arxiv_monitor.pipeline"] <= 270, "pipeline.py is the list of stages"
