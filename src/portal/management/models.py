"""Managers (GLOSSARY: gestionnaire, ``Manager`` role), the académies each one manages, and the
audit log of their actions.

A manager logs in with an ordinary ``account`` row whose role is ``manager``; ``manager`` holds
what the back office needs besides (national or not), ``manager_academy`` the académies.
The audit log keeps the actor's email and plain ids (no foreign keys): an entry outlives the
manager's account and the registration it is about, which is its purpose.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime

Json = JSON().with_variant(JSONB(), "postgresql")


class Manager(SQLModel, table=True):
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    all_academies: bool = Field(default=False)  # a national administrator
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ManagerAcademy(SQLModel, table=True):
    __tablename__ = "manager_academy"

    account_id: int = Field(foreign_key="manager.account_id", primary_key=True)
    academy_code: str = Field(foreign_key="academy.code", primary_key=True, max_length=40)


class AuditEntry(SQLModel, table=True):
    """One manager action: who, when, what, on which registration, before and after, and why."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_account_id: int | None = Field(default=None)
    actor_email: str = Field(max_length=254)
    action: str = Field(max_length=40)  # Action.*
    registration_id: int | None = Field(default=None, index=True)
    academy_code: str | None = Field(default=None, index=True, max_length=40)  # for scoping
    reason: str | None = Field(default=None, max_length=1000)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(Json, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(Json, nullable=False))


class PieceSlip(SQLModel, table=True):
    """The cover slip of one postal piece of one registration, printed with its QR code in the
    "Demande de pièces justificatives": ``code`` is random (never an id), and scanning it marks
    the piece "Reçue". One slip per registration and piece: a later demande prints the same."""

    __tablename__ = "piece_slip"
    __table_args__ = (UniqueConstraint("registration_id", "piece_id"),)

    code: str = Field(primary_key=True, max_length=24)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    piece_id: int  # no foreign key: a piece the catalog drops leaves a slip that scans unknown
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
