"""The RGAA 4.1 grid (docs/rgaa/grille.csv): the 106 criteria of the 13 themes, a valid status
for each, every "C" checked automatically pointing at a test that exists, the sample the
browser tests walk is the one the statement publishes, and the statement shows what the grid
says."""

from __future__ import annotations

import ast
import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from portal.pages import accessibility

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT / "docs" / "rgaa"
# RGAA 4.1: number of criteria in each of the 13 themes.
THEMES = {
    1: ("Images", 9),
    2: ("Cadres", 2),
    3: ("Couleurs", 3),
    4: ("Multimédia", 13),
    5: ("Tableaux", 8),
    6: ("Liens", 2),
    7: ("Scripts", 5),
    8: ("Éléments obligatoires", 10),
    9: ("Structuration de l'information", 4),
    10: ("Présentation de l'information", 14),
    11: ("Formulaires", 13),
    12: ("Navigation", 11),
    13: ("Consultation", 12),
}
NODE = re.compile(r"^(tests/[\w/]+\.py)::(\w+)$")


@pytest.fixture(scope="module")
def statement() -> accessibility.Statement:
    return accessibility.load(GRID)


def test_the_grid_has_the_106_criteria_of_rgaa_4_1(statement: accessibility.Statement) -> None:
    expected = [f"{theme}.{n}" for theme, (_, count) in THEMES.items() for n in range(1, count + 1)]
    assert len(expected) == 106
    assert [criterion.id for criterion in statement.criteria] == expected
    for criterion in statement.criteria:
        assert criterion.theme_name == THEMES[criterion.theme][0], criterion
        assert criterion.level in ("A", "AA"), criterion
        assert criterion.title and criterion.proof, criterion


def test_statuses_and_methods_are_valid(statement: accessibility.Statement) -> None:
    for criterion in statement.criteria:
        assert criterion.status in ("C", "NC", "NA"), criterion
        assert criterion.method in ("automatique", "manuel"), criterion
        if criterion.method == "automatique":
            assert criterion.status == "C", f"{criterion.id}: an automatic proof proves a C"


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    }


def test_every_automatic_c_names_a_test_that_exists(statement: accessibility.Statement) -> None:
    automatic = [c for c in statement.criteria if c.method == "automatique"]
    assert len(automatic) >= 20
    for criterion in automatic:
        found = NODE.match(criterion.proof)
        assert found, f"{criterion.id}: {criterion.proof!r} is not a test node id"
        path, name = ROOT / found.group(1), found.group(2)
        assert path.is_file(), f"{criterion.id}: no file {found.group(1)}"
        assert name in defined_tests(path), f"{criterion.id}: no test {name} in {path.name}"


def test_the_rate_is_met_over_applicable() -> None:
    with (GRID / "grille.csv").open(encoding="utf-8", newline="") as file:
        counts = Counter(row["statut"] for row in csv.DictReader(file))
    statement = accessibility.load(GRID)
    assert statement.count("C") == counts["C"] and statement.count("NC") == counts["NC"]
    assert statement.applicable == counts["C"] + counts["NC"]
    assert float(statement.rate) == pytest.approx(
        100 * counts["C"] / statement.applicable, abs=0.01
    )
    assert statement.rate >= 95, "the portal's goal: at least 95 % of applicable criteria met"
    expected = "totalement conforme" if counts["NC"] == 0 else "partiellement conforme"
    assert statement.state == expected


def test_the_sample_covers_what_the_rgaa_method_asks(statement: accessibility.Statement) -> None:
    names = " | ".join(page.name for page in statement.sample)
    for needed in (
        "Accueil",
        "Créer un compte",
        "Se connecter",
        "Identification",
        "Qualification",
        "Situation",
        "Epreuves",
        "Récapitulatif",
        "Mes inscriptions",
        "Mes documents",
        "Mes justificatifs",
        "Déclaration d'accessibilité",
        "Mentions légales",
        "erreur",
    ):
        assert needed in names, needed
    assert len({page.id for page in statement.sample}) == len(statement.sample)


def test_a_broken_grid_is_refused(tmp_path: Path) -> None:
    for name in ("echantillon.csv", "audit.toml"):
        (tmp_path / name).write_bytes((GRID / name).read_bytes())
    rows = (GRID / "grille.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "grille.csv").write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(accessibility.GridError):
        accessibility.load(tmp_path)
    (tmp_path / "grille.csv").write_text(
        "\n".join([*rows[:-1], rows[-1].replace(",NA,", ",OK,")]) + "\n", encoding="utf-8"
    )
    with pytest.raises(accessibility.GridError):
        accessibility.load(tmp_path)


async def test_the_statement_page_shows_the_grid(client, statement) -> None:  # type: ignore[no-untyped-def]
    html = (await client.get("/accessibilite")).text
    assert f"<strong>{statement.rate_fr}</strong>" in html
    assert f"Accessibilité : {statement.state}</a>" in html  # the footer says it too
    assert statement.audit_date.strftime("%Y") in html
    for criterion in statement.non_conformities:
        assert f"Critère {criterion.id} " in html
    for page in statement.sample:
        assert page.name.replace("'", "&#39;") in html
    assert "Défenseur des droits" in html and "Libre réponse 71120" in html
    footer = (await client.get("/")).text
    assert f'<a href="/accessibilite">Accessibilité : {statement.state}</a>' in footer
