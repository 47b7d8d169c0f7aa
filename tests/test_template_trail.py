"""The count of page templates reached by the browser tests (tests/_support/trail.py): what makes
a whole run fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests._support import trail


def write(folder: Path, *lines: list[object]) -> None:
    (folder / "gw0.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_a_page_reached_one_way_only_fails_unless_it_is_a_known_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = trail.page_templates()
    assert "accounts/login.html.j2" in pages and "registrations/wizard.html.j2" in pages
    assert not any("partials" in p or p.startswith("mail/") or p == "base.html.j2" for p in pages)
    both = [[kind, [f"{p}|" for p in pages]] for kind in (trail.AXE, trail.NO_JS)]
    write(tmp_path, *both)
    monkeypatch.setattr(trail, "GAPS", tmp_path / "gaps.txt")
    assert trail.report(tmp_path)[1] == []

    write(tmp_path, both[0], [trail.NO_JS, [f"{p}|" for p in pages if p != "pages/legal.html.j2"]])
    lines, problems = trail.report(tmp_path)
    assert problems == ["pages/legal.html.j2: jamais atteint (sans JS) et absent de gaps.txt"]
    assert any(line.startswith("-- pages/legal.html.j2") for line in lines)

    write(tmp_path, [trail.AXE, [f"{p}|" for p in pages if p != "pages/home.html.j2"]], both[1])
    lines, problems = trail.report(tmp_path)
    assert problems == []  # no axe record: reported, not failed
    assert "À VÉRIFIER : pages/home.html.j2: pas de vérification axe enregistrée" in lines

    write(tmp_path, both[0], [trail.NO_JS, [f"{p}|" for p in pages if p != "pages/legal.html.j2"]])
    (tmp_path / "gaps.txt").write_text("# known\npages/legal.html.j2\n")
    assert trail.report(tmp_path)[1] == []
    write(tmp_path, *both)  # reached now: the list must shrink
    assert trail.report(tmp_path)[1] == [
        "pages/legal.html.j2: atteint des deux façons, à retirer de gaps.txt"
    ]


def test_a_state_is_the_tab_the_errors_and_the_status() -> None:
    class Step:
        segment = "identification"

    assert trail_state({"step": Step(), "errors": {"a": "b"}}) == "identification+erreurs"
    assert trail_state({"status": 404}) == "404"
    assert trail_state({"errors": {}}) == ""


def trail_state(context: dict[str, object]) -> str:
    from portal.web import trail as server_trail

    return server_trail.state(context)


def test_a_state_reached_one_way_only_fails_unless_it_is_a_known_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = trail.page_templates()
    monkeypatch.setattr(trail, "GAPS", tmp_path / "gaps.txt")
    plain = [f"{p}|" for p in pages]
    wizard = "registrations/wizard.html.j2"
    write(tmp_path, [trail.AXE, [*plain, f"{wizard}|situation"]], [trail.NO_JS, plain])
    assert trail.report(tmp_path)[1] == [
        f"{wizard}|situation: pas atteint (sans JS) et absent de gaps.txt"
    ]
    write(tmp_path, [trail.AXE, plain], [trail.NO_JS, [*plain, f"{wizard}|situation+erreurs"]])
    assert trail.report(tmp_path)[1] == [
        f"{wizard}|situation+erreurs: pas atteint (axe) et absent de gaps.txt"
    ]
    (tmp_path / "gaps.txt").write_text(f"{wizard}|situation+erreurs\n")
    assert trail.report(tmp_path)[1] == []
    write(
        tmp_path, *[[k, [*plain, f"{wizard}|situation+erreurs"]] for k in (trail.AXE, trail.NO_JS)]
    )
    assert trail.report(tmp_path)[1] == [
        f"{wizard}|situation+erreurs: atteint des deux façons, à retirer de gaps.txt"
    ]
