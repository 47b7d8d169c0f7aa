"""The accessibility statement as data: the RGAA 4.1 grid (docs/rgaa/grille.csv), the sample of
pages (docs/rgaa/echantillon.csv) and the audit's facts (docs/rgaa/audit.toml) make the
"Déclaration d'accessibilité" and the state shown in every footer. Nothing is typed twice: the
rate is criteria met ÷ applicable criteria, computed here."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from pathlib import Path

STATUSES = ("C", "NC", "NA")
THEME_COUNT = 13
CRITERION_COUNT = 106


@dataclass(frozen=True)
class Criterion:
    theme: int
    theme_name: str
    id: str
    level: str
    title: str
    status: str  # C (conforme), NC (non conforme), NA (non applicable)
    method: str  # "automatique" (proof is a test node id) or "manuel" (proof is a note)
    proof: str


@dataclass(frozen=True)
class SamplePage:
    id: str
    name: str
    path: str


@dataclass(frozen=True)
class Statement:
    criteria: tuple[Criterion, ...]
    sample: tuple[SamplePage, ...]
    audit_date: date
    standard: str
    auditor: str
    tools: tuple[str, ...]
    technologies: tuple[str, ...]
    exemptions: tuple[str, ...]
    out_of_scope: tuple[str, ...]

    def count(self, status: str) -> int:
        return sum(1 for criterion in self.criteria if criterion.status == status)

    @property
    def applicable(self) -> int:
        return self.count("C") + self.count("NC")

    @property
    def rate(self) -> Decimal:
        """Criteria met ÷ applicable criteria, in percent, truncated to two decimals (never
        rounded up to a better figure)."""
        if not self.applicable:
            return Decimal(100)
        rate = Decimal(100 * self.count("C")) / Decimal(self.applicable)
        return rate.quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def rate_fr(self) -> str:
        return f"{self.rate:.2f}".replace(".", ",") + " %"

    @property
    def state(self) -> str:
        """RGAA's three states: all criteria met, at least half, or fewer."""
        if self.rate == 100:
            return "totalement conforme"
        return "partiellement conforme" if self.rate >= 50 else "non conforme"

    @property
    def non_conformities(self) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.criteria if criterion.status == "NC")

    @property
    def automated(self) -> int:
        return sum(1 for c in self.criteria if c.status == "C" and c.method == "automatique")


class GridError(ValueError):
    """docs/rgaa is not a well-formed grid."""


def _criteria(path: Path) -> tuple[Criterion, ...]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    criteria = tuple(
        Criterion(
            theme=int(row["thematique"]),
            theme_name=row["thematique_nom"],
            id=row["critere"],
            level=row["niveau"],
            title=row["intitule"],
            status=row["statut"],
            method=row["verification"],
            proof=row["preuve"],
        )
        for row in rows
    )
    wrong = [c.id for c in criteria if c.status not in STATUSES]
    if wrong:
        raise GridError(f"unknown status for criteria {wrong}")
    if len({c.id for c in criteria}) != CRITERION_COUNT or len(criteria) != CRITERION_COUNT:
        raise GridError(f"{len(criteria)} rows, {CRITERION_COUNT} distinct criteria expected")
    return criteria


def _sample(path: Path) -> tuple[SamplePage, ...]:
    with path.open(encoding="utf-8", newline="") as file:
        return tuple(SamplePage(r["id"], r["page"], r["adresse"]) for r in csv.DictReader(file))


def load(folder: Path) -> Statement:
    """Read docs/rgaa from ``folder`` (raises GridError when the grid is malformed)."""
    audit = tomllib.loads((folder / "audit.toml").read_text(encoding="utf-8"))
    return Statement(
        criteria=_criteria(folder / "grille.csv"),
        sample=_sample(folder / "echantillon.csv"),
        audit_date=audit["date"],
        standard=audit["referentiel"],
        auditor=audit["auditeur"],
        tools=tuple(audit["outils"]),
        technologies=tuple(audit["technologies"]),
        exemptions=tuple(audit["derogations"]),
        out_of_scope=tuple(audit["non_soumis"]),
    )


@lru_cache(maxsize=4)
def _cached(folder: Path, stamp: tuple[int, ...]) -> Statement:
    return load(folder)


def statement(resources_dir: Path) -> Statement:
    """The statement of this installation, re-read when a file of docs/rgaa changes."""
    folder = resources_dir / "docs" / "rgaa"
    names = ("grille.csv", "echantillon.csv", "audit.toml")
    return _cached(folder, tuple((folder / name).stat().st_mtime_ns for name in names))


def conformity_state(resources_dir: Path) -> str:
    """The footer's words: "totalement / partiellement / non conforme"."""
    return statement(resources_dir).state
