"""No import cycle between the packages of app/: data flows one way (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import app

ROOT = Path(app.__file__).parent


def _unit(module: str) -> str:
    """The package (app.risks) or top-level module (app.db) a module belongs to."""
    return ".".join(module.split(".")[:2])


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports() -> dict[str, set[str]]:
    """Which app units each app unit imports, anywhere in its modules (deferred imports too)."""
    edges: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        source = _unit(_module_name(path))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if name.startswith("app.") and _unit(name) != source:
                    edges.setdefault(source, set()).add(_unit(name))
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle of `edges`, each as the path that closes it (depth-first)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(edges.get(node, ())):
            visit(target, [*path, node])
        done.add(node)

    for node in sorted(edges):
        visit(node, [])
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"app.a": {"app.b"}, "app.b": {"app.c"}, "app.c": {"app.a"}}) == [
        ["app.a", "app.b", "app.c", "app.a"]
    ]
    assert cycles({"app.a": {"app.b"}, "app.b": set()}) == []


def test_no_two_app_packages_import_each_other() -> None:
    assert cycles(package_imports()) == []
