"""Registrations (candidature / inscription), their saved versions, wizard drafts, counters.

A registration keeps what managers filter on as columns (specialty, académie, establishment UAI)
and the papers it sits as ``registration_paper`` rows; the remaining answers and the recap as
shown when saved are JSON (JSONB on PostgreSQL). Every saved version is kept in
``registration_version`` (the PDFs are per version), and its papers carry that version.
Drafts live in the database, attached to the account, so they survive "Quitter", logout and a
session timeout; the session itself only carries small ids (DECISIONS.md 2).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime

Json = JSON().with_variant(JSONB(), "postgresql")


def _json(nullable: bool = False) -> Any:
    return Field(default_factory=dict, sa_column=Column(Json, nullable=nullable))


class Registration(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("account_id", "registration_number"),
        # One live registration per candidate and opening period (withdrawn ones do not count).
        Index(
            "uq_registration_live_period",
            "account_id",
            "opening_period_id",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    opening_period_id: int = Field(foreign_key="opening_period.id", index=True)
    registration_number: str = Field(max_length=3)  # "001", "002", ... for that candidate
    version: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The draft key that created it: a replayed "Enregistrer" finds it instead of creating another.
    idempotency_key: str | None = Field(default=None, unique=True, max_length=32)
    specialty_id: int | None = Field(default=None, foreign_key="specialty.id", index=True)
    academy_code: str | None = Field(
        default=None, foreign_key="academy.code", index=True, max_length=40
    )
    establishment_uai: str | None = Field(default=None, index=True, max_length=8)
    answers: dict[str, Any] = _json()  # step id -> clean values (papers and UAI aside)
    summary: dict[str, Any] = _json()  # the Récapitulatif as saved (summary.build)


class RegistrationVersion(SQLModel, table=True):
    """Version 01, 02, ... of a registration, exactly as saved."""

    __tablename__ = "registration_version"
    __table_args__ = (UniqueConstraint("registration_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    version: int
    opening_period_id: int = Field(foreign_key="opening_period.id")
    specialty_id: int | None = Field(default=None, foreign_key="specialty.id")
    academy_code: str | None = Field(default=None, foreign_key="academy.code", max_length=40)
    establishment_uai: str | None = Field(default=None, max_length=8)
    answers: dict[str, Any] = _json()
    summary: dict[str, Any] = _json()
    saved_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RegistrationDraft(SQLModel, table=True):
    """What the candidate typed in the wizard and has not saved yet.

    ``data`` is ``{"clean": {step id: values}, "raw": {step id: values}}``: clean values passed the
    step's validation on "Suivant" (the step is complete); raw values are what was typed and not
    yet valid, kept so that nothing typed is lost ("Précédent", "Quitter", errors).
    A modification's draft starts from the registration's data and remembers ``base_version``
    for optimistic locking.
    """

    __tablename__ = "registration_draft"
    __table_args__ = (
        Index(
            "uq_registration_draft_new",
            "account_id",
            "opening_period_id",
            unique=True,
            sqlite_where=text("registration_id IS NULL"),
            postgresql_where=text("registration_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=32)
    account_id: int = Field(foreign_key="account.id", index=True)
    opening_period_id: int = Field(foreign_key="opening_period.id", index=True)
    registration_id: int | None = Field(default=None, foreign_key="registration.id", unique=True)
    base_version: int | None = None
    data: dict[str, Any] = _json()
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RegistrationPaper(SQLModel, table=True):
    """A paper the candidate sits in one version of a registration (mandatory ones included)."""

    __tablename__ = "registration_paper"
    __table_args__ = (UniqueConstraint("registration_id", "version", "paper_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    version: int
    paper_id: int = Field(foreign_key="paper.id", index=True)
    kind: str = Field(max_length=10)  # PaperKind: mandatory | optional | choice


class Counter(SQLModel, table=True):
    """A named sequence, advanced inside the transaction that uses the number (never max()+1)."""

    name: str = Field(primary_key=True, max_length=60)
    value: int = Field(default=0)
