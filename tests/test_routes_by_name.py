"""Routes by name (DECISIONS.md 14): no internal path is written by hand, in templates or in
Python, outside the route declarations. Static URLs aside (they come from ``static_url``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from litestar import Litestar

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "portal"
TEMPLATES = ROOT / "templates"
STATIC = "static"  # its prefix is the static router's, and static_url builds its URLs


def first_segments(app: Litestar) -> set[str]:
    segments = {route.path.strip("/").split("/")[0] for route in app.routes}
    return {s for s in segments if s and s != STATIC and "{" not in s}


def path_pattern(segments: set[str]) -> re.Pattern[str]:
    names = "|".join(re.escape(s) for s in sorted(segments, key=len, reverse=True))
    return re.compile(rf"^/(?:{names})(?:[/?#.]|$)")


def python_paths(source: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """String constants (f-string parts included) that start with an internal path, outside the
    decorators and ``path=`` keywords that declare routes. A module constant named ``*_PATH`` is
    a declaration too, as long as only decorators read it."""
    tree = ast.parse(source)
    declaring: set[int] = set()
    declared_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                declaring.update(id(n) for n in ast.walk(decorator))
        elif isinstance(node, ast.keyword) and node.arg == "path":
            declaring.update(id(n) for n in ast.walk(node.value))
    for node in tree.body:
        if isinstance(node, ast.Assign) and all(
            isinstance(t, ast.Name) and t.id.endswith("_PATH") for t in node.targets
        ):
            declaring.update(id(n) for n in ast.walk(node.value))
            declared_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    found = []
    for node in ast.walk(tree):
        if id(node) in declaring:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if pattern.match(node.value):
                found.append((node.lineno, node.value))
        elif (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and node.id in declared_names
        ):
            found.append((node.lineno, f"{node.id} used outside a route declaration"))
    return found


_ATTRIBUTE = re.compile(
    r"""\b(?:href|action|src|formaction|data-hx-[a-z]+)\s*=\s*["']([^"']*)["']"""
)


def template_paths(text: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    found = []
    for match in _ATTRIBUTE.finditer(text):
        if pattern.match(match.group(1)):
            found.append((text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


@pytest.fixture
def pattern(app: Litestar) -> re.Pattern[str]:
    return path_pattern(first_segments(app))


def test_the_check_finds_a_hand_written_path(pattern: re.Pattern[str]) -> None:
    source = (
        'URL = "/mes-inscriptions"\n@get("/connexion")\ndef f():\n    return f"/connexion?x={1}"\n'
    )
    assert python_paths(source, pattern) == [(1, "/mes-inscriptions"), (4, "/connexion?x=")]
    declared = 'LIST_PATH = "/mes-inscriptions"\n@get(LIST_PATH)\ndef f():\n    return LIST_PATH\n'
    assert python_paths(declared, pattern) == [(4, "LIST_PATH used outside a route declaration")]
    html = (
        '<a href="/static/x.css">s</a>\n<form action="/connexion">\n<a data-hx-get="/m-inscrire/x">'
    )
    assert template_paths(html, pattern) == [(2, "/connexion"), (3, "/m-inscrire/x")]


def test_no_internal_path_in_python(pattern: re.Pattern[str]) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value}"
        for path in sorted(SOURCE.rglob("*.py"))
        for line, value in python_paths(path.read_text(encoding="utf-8"), pattern)
    ]
    assert found == [], "\n".join(found)


def test_no_internal_path_in_templates(pattern: re.Pattern[str]) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value}"
        for path in sorted(TEMPLATES.rglob("*.j2"))
        for line, value in template_paths(path.read_text(encoding="utf-8"), pattern)
    ]
    assert found == [], "\n".join(found)
