"""A candidate's registration (candidature / inscription). Minimal for now: the account lock rule
needs to know whether one exists; the registration wizard extends this table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime


class Registration(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "registration_number"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    opening_period_id: int = Field(foreign_key="opening_period.id", index=True)
    registration_number: str = Field(max_length=3)  # "001", "002", ... for that candidate
    version: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
