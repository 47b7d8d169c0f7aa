from __future__ import annotations

import csv
from pathlib import Path

import pytest

from portal.registrations.eligibility import department_for_postal_code, residence_problem

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"


@pytest.fixture(scope="module")
def departments() -> list[tuple[str, str, str, str]]:
    with (REFERENCE / "departements.csv").open(encoding="utf-8") as handle:
        return [
            (r["code"], r["name"], r["academy_code"], r["postal_prefixes"])
            for r in csv.DictReader(handle)
        ]


@pytest.fixture(scope="module")
def academies() -> dict[str, str]:
    with (REFERENCE / "academies.csv").open(encoding="utf-8") as handle:
        return {r["code"]: r["name"] for r in csv.DictReader(handle)}


@pytest.mark.parametrize(
    ("postal", "department", "academy"),
    [
        ("78270", "078", "versailles"),  # the guide's BLARU
        ("62000", "062", "lille"),
        ("35000", "035", "rennes"),
        ("14000", "014", "normandie"),  # Caen, after the 2020 merger
        ("76000", "076", "normandie"),  # Rouen
        ("20000", "02A", "corse"),
        ("20200", "02B", "corse"),
        ("97400", "974", "reunion"),
        ("97600", "976", "mayotte"),
        ("97133", "977", "guadeloupe"),  # Saint-Barthélemy: longest prefix beats 971
        ("97150", "978", "guadeloupe"),  # Saint-Martin
        ("97100", "971", "guadeloupe"),
        ("98800", "988", "nouvelle-caledonie"),
    ],
)
def test_postal_code_to_department_and_academy(departments, postal, department, academy) -> None:  # type: ignore[no-untyped-def]
    found = department_for_postal_code(postal, departments)
    assert found is not None
    assert (found.department_code, found.academy_code) == (department, academy)


@pytest.mark.parametrize("postal", ["", "7827", "782700", "ABCDE", "00000"])
def test_invalid_postal_codes(departments, postal) -> None:  # type: ignore[no-untyped-def]
    assert department_for_postal_code(postal, departments) is None


def test_residence_in_the_academy_is_eligible(departments, academies) -> None:  # type: ignore[no-untyped-def]
    assert (
        residence_problem(
            qualification_name="BREVET D'INITIATION AERONAUTIQUE",
            period_academy_code="versailles",
            academy_names=academies,
            country_code="100",
            postal_code="78270",
            departments=departments,
        )
        is None
    )


def test_residence_elsewhere_names_the_right_academy(departments, academies) -> None:  # type: ignore[no-untyped-def]
    problem = residence_problem(
        qualification_name="BREVET D'INITIATION AERONAUTIQUE",
        period_academy_code="versailles",
        academy_names=academies,
        country_code="100",
        postal_code="35000",
        departments=departments,
    )
    assert problem is not None
    assert "académie de votre lieu de résidence" in problem
    assert "ACADÉMIE DE RENNES" in problem and "ACADÉMIE DE VERSAILLES" in problem
    assert "035 - ILLE ET VILAINE" in problem


def test_residence_abroad_or_unknown_postal_code(departments, academies) -> None:  # type: ignore[no-untyped-def]
    abroad = residence_problem(
        qualification_name="BIA",
        period_academy_code="versailles",
        academy_names=academies,
        country_code="131",
        postal_code="1000",
        departments=departments,
    )
    assert abroad is not None and "étranger" in abroad
    unknown = residence_problem(
        qualification_name="BIA",
        period_academy_code="versailles",
        academy_names=academies,
        country_code="100",
        postal_code="00000",
        departments=departments,
    )
    assert unknown is not None and "ne correspond à aucun département" in unknown
