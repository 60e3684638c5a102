"""The package-level import graph of app/ has no cycle.

Each package (``app.board``) and each top-level module (``app.main``) is one node; an
import anywhere in it, at module level, inside a function or under ``TYPE_CHECKING``,
is an edge to the package it names. ``lint-imports`` checks the layers themselves
(pyproject's ``[tool.importlinter]``); this reads the source with nothing but ``ast``.

``python tests/core/test_layers.py`` prints the graph.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _node(path: Path) -> str:
    """The package or top-level module a file of app/ belongs to."""
    return path.relative_to(APP).parts[0].removesuffix(".py")


def _names(tree: ast.Module, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names every import of the module refers to, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                parts = parts if is_package else parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def package_graph() -> dict[str, set[str]]:
    """Each node of app/ and the other nodes it imports."""
    nodes = {_node(p) for p in APP.glob("*") if p.suffix == ".py" or (p / "__init__.py").exists()}
    nodes.discard("__init__")
    graph: dict[str, set[str]] = {n: set() for n in nodes}
    for path in APP.rglob("*.py"):
        if path.parent == APP and path.name == "__init__.py":
            continue
        source = _node(path)
        parts = path.relative_to(APP.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        for name in _names(ast.parse(path.read_text(), str(path)), module, is_package):
            target = name.split(".")
            if target[0] == "app" and len(target) > 1 and target[1] in nodes - {source}:
                graph[source].add(target[1])
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def render(graph: dict[str, set[str]]) -> str:
    return "\n".join(f"{n} -> {', '.join(sorted(graph[n])) or '-'}" for n in sorted(graph))


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_layered_graph() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"top": {"mid", "low"}, "mid": {"low"}, "low": set()}) is None


def test_the_graph_sees_every_package_and_its_imports() -> None:
    graph = package_graph()
    assert {"core", "auth", "events", "board", "web", "main", "cli"} <= graph.keys()
    assert "core" in graph["board"] and "board" in graph["main"]


def test_the_packages_of_app_import_each_other_without_a_cycle() -> None:
    graph = package_graph()
    cycle = find_cycle(graph)
    assert cycle is None, f"cycle {' -> '.join(cycle)} in:\n{render(graph)}"


if __name__ == "__main__":
    print(render(package_graph()))
