"""What the steps' validators check against: the reference lists of one wizard, as loaded."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from portal.catalog.places import CommuneOption, ResidenceAcademy


@dataclass
class Choices:
    """The lists the validators check against (value, label) — loaded from reference data."""

    countries: list[tuple[str, str]] = field(default_factory=list)
    nationalities: list[tuple[str, str]] = field(default_factory=list)
    departments: list[tuple[str, str]] = field(default_factory=list)
    corps: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    positions: list[tuple[str, str]] = field(default_factory=list)
    # Qualification présentée: the open periods of the académie, as
    # {qualification_id: (name, [(period_id, specialty name), ...])}.
    offers: dict[str, tuple[str, list[tuple[str, str]]]] = field(default_factory=dict)
    # The département of each establishment the submitted form names (UAI -> département).
    establishments: dict[str, str] = field(default_factory=dict)
    postal_prefixes: tuple[str, ...] = ()  # every département's postal-code prefixes
    # (code, name, académie code, postal prefixes) of every département, and académie names
    department_rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    academy_names: dict[str, str] = field(default_factory=dict)
    # Loaded by the steps' ``prepare`` for the values a form names (reference tables, indexed):
    communes: dict[str, list[CommuneOption]] = field(default_factory=dict)  # by postal code
    # (postal code, INSEE code or "") -> the académie of that residence, None when none
    residences: dict[tuple[str, str], ResidenceAcademy | None] = field(default_factory=dict)
    # (département, typed locality) -> communes of the département matching it
    localities: dict[tuple[str, str], list[CommuneOption]] = field(default_factory=dict)

    def postal_known(self, postal_code: str) -> bool:
        return any(postal_code.startswith(prefix) for prefix in self.postal_prefixes)

    @staticmethod
    def has(options: list[tuple[str, str]], value: str) -> bool:
        return any(code == value for code, _ in options)


@dataclass(frozen=True)
class PaperChoice:
    id: str
    label: str  # "010 - EPREUVE 1"
    kind: str  # mandatory | optional | choice
    mode: str
    group: str | None

    @property
    def field_name(self) -> str:
        """The form field of this paper's choice group (radios share it)."""
        return f"choice_{group_key(self.group or '')}"


def group_key(group: str) -> str:
    """A form-safe key for a choice group's name."""
    return re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", group).lower()).strip("-")
