"""The import map of src/portal: no cycle, and the domains' allowed directions.

Every ``import`` counts, at module level or inside a function (a late import hides a cycle, it
does not remove it). The graph is read with ``ast`` from the source files, so the test needs no
import side effect and names the path of any cycle it finds.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "portal"


def module_files(src: Path = SRC) -> dict[str, Path]:
    """Every module of the package by dotted name (a package is its ``__init__``)."""
    modules = {}
    for path in (src / ROOT).rglob("*.py"):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if "migrations" in parts:  # Alembic scripts, loaded by Alembic, never imported
            continue
        modules[".".join(parts)] = path
    return modules


def _targets(node: ast.AST, module: str, is_package: bool, known: set[str]) -> Iterable[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: resolve against this module's package
            base = module.split(".")
            if not is_package:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join([*base, *([node.module] if node.module else [])])
        else:
            prefix = node.module or ""
        for alias in node.names:
            submodule = f"{prefix}.{alias.name}"
            yield submodule if submodule in known else prefix


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """module -> the portal modules it imports (module level and function level alike)."""
    files = module_files(src)
    known = set(files)
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            for target in _targets(node, name, is_package, known):
                while target and target not in known:  # "portal.x.Name" -> "portal.x"
                    target = target.rpartition(".")[0]
                if target and target != name and target != ROOT:
                    graph[name].add(target)
    return graph


def package_of(module: str) -> str:
    """``portal.accounts.service`` -> ``accounts``; ``portal.app`` -> ``app``."""
    return module.split(".")[1]


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module == ROOT:
            continue
        edges = packages.setdefault(package_of(module), set())
        edges.update(package_of(t) for t in targets if package_of(t) != package_of(module))
    return packages


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None (iterative depth-first search)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for start in sorted(graph):
        if colour[start] != white:
            continue
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        colour[start] = grey
        while stack:
            node, pending = stack[-1]
            if not pending:
                colour[node] = black
                stack.pop()
                continue
            nxt = pending.pop(0)
            if colour.get(nxt, black) == grey:
                path = [frame[0] for frame in stack]
                return [*path[path.index(nxt) :], nxt]
            if colour.get(nxt) == white:
                colour[nxt] = grey
                stack.append((nxt, sorted(graph.get(nxt, ()))))
    return None


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, str]:
    """Every module reachable from ``start``, each with the module it was reached from."""
    seen = {start: ""}
    todo = [start]
    while todo:
        node = todo.pop()
        for target in sorted(graph.get(node, ())):
            if target not in seen:
                seen[target] = node
                todo.append(target)
    return seen


def path_to(parents: dict[str, str], end: str) -> list[str]:
    path = [end]
    while parents[path[-1]]:
        path.append(parents[path[-1]])
    return path[::-1]


def modules_of(graph: dict[str, set[str]], package: str) -> list[str]:
    return sorted(m for m in graph if m != ROOT and package_of(m) == package)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_is_read(graph: dict[str, set[str]]) -> None:
    assert "portal.accounts.models" in graph["portal.registrations.saving"]
    assert "portal.tasks" in graph["portal.app"] or "portal.composition" in graph["portal.app"]


def test_no_cycle_between_modules(graph: dict[str, set[str]]) -> None:
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_cycle_between_packages(graph: dict[str, set[str]]) -> None:
    cycle = find_cycle(package_graph(graph))
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_accounts_never_imports_registrations(graph: dict[str, set[str]]) -> None:
    offenders = [
        f"{module} -> {target}"
        for module in modules_of(graph, "accounts")
        for target in sorted(graph[module])
        if package_of(target) == "registrations"
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["accounts", "mail"])
def test_never_reaches_registrations(graph: dict[str, set[str]], package: str) -> None:
    for module in modules_of(graph, package):
        parents = reachable(graph, module)
        reached = [m for m in parents if package_of(m) == "registrations"]
        assert reached == [], " -> ".join(path_to(parents, reached[0]))


def test_a_cycle_is_found_and_named() -> None:
    """The checks above can fail: the search reports an injected cycle with its path."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert path_to(reachable(graph, "a"), "d") == ["a", "b", "c", "d"]


def test_function_level_imports_count(tmp_path: Path) -> None:
    package = tmp_path / ROOT / "one"
    package.mkdir(parents=True)
    (tmp_path / ROOT / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from portal.one import b\n")
    (package / "b.py").write_text("from . import a\n")
    graph = import_graph(tmp_path)
    assert find_cycle(graph) == ["portal.one.a", "portal.one.b", "portal.one.a"]
