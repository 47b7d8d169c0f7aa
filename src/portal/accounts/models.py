"""The candidate account (GLOSSARY: compte candidat) and the login throttling state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime


class Civility:
    """Civilité as the guide shows it; the code is what is stored."""

    CHOICES = (("M", "MONSIEUR"), ("MME", "MADAME"))
    LABELS = dict(CHOICES)


class Role:
    """What an account is for: a candidate's (the default) or a manager's (back office, /gestion).

    A manager's account has no civil identity: the identity columns are empty for it."""

    CANDIDATE = "candidate"
    MANAGER = "manager"


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)  # normalised: trimmed, NFC, lower case
    pending_email: str | None = Field(default=None, max_length=254)  # awaits confirmation
    role: str = Field(
        default=Role.CANDIDATE, max_length=12, sa_column_kwargs={"server_default": Role.CANDIDATE}
    )
    # The identity: always set for a candidate (sign-up requires it), empty for a manager.
    civility: str = Field(default=None, nullable=True, max_length=3)
    birth_name: str = Field(default=None, nullable=True, max_length=80)  # upper case
    usage_name: str | None = Field(default=None, max_length=80)
    first_names: str = Field(default=None, nullable=True, max_length=120)
    birth_country_code: str = Field(
        default=None, nullable=True, foreign_key="country.code", max_length=3
    )
    birth_date: date = Field(default=None, nullable=True)
    birth_department_code: str | None = Field(
        default=None, foreign_key="department.code", max_length=3
    )
    birth_city: str = Field(default=None, nullable=True, max_length=80)
    password_hash: str = Field(max_length=255)
    password_changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    candidate_number: str | None = Field(default=None, unique=True, max_length=20)
    # Activation: the link carries this nonce; a resend replaces it, so older links stop working.
    activation_nonce: str = Field(max_length=32)
    activation_expires_at: datetime = Field(
        sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    activated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_active(self) -> bool:
        return self.activated_at is not None

    @property
    def civility_label(self) -> str:
        return Civility.LABELS.get(self.civility, self.civility)

    @property
    def display_name(self) -> str:
        return f"{self.first_names} {self.usage_name or self.birth_name}"


class LoginThrottle(SQLModel, table=True):
    """Consecutive login failures of one login identifier or one client address.

    Kept in the database so that every worker sees the same counts. ``key`` is
    ``"login:<sha256 of the normalised email>"`` (the same for known and unknown emails, so
    throttling reveals nothing) or ``"address:<ip>"``.
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=80)
    failures: int = Field(default=0)
    last_failure_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class RateLimit(SQLModel, table=True):
    """A token bucket of one action from one client address (sign-up, forgotten password, new
    activation link, email change), kept in the database so that every worker shares it.

    ``key`` is ``"<action>:<address>"``; ``tokens`` is what was left at ``updated_at``; the bucket
    refills with time up to the configured burst (see ``throttling.take``).
    """

    __tablename__ = "rate_limit"

    key: str = Field(primary_key=True, max_length=120)
    tokens: float
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
