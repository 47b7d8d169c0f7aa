"""The mail outbox: one row per mail, written in the transaction of the event that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime


class OutboxMail(SQLModel, table=True):
    __tablename__ = "mail_outbox"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(
        default=None, foreign_key="account.id", index=True, ondelete="CASCADE"
    )
    kind: str = Field(max_length=40)  # "activation", "reset", ... (the template's name)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    # The bodies hold links with tokens: they are emptied once the mail is sent.
    body_text: str = Field(default="", sa_column=Column(Text(), nullable=False))
    body_html: str = Field(default="", sa_column=Column(Text(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
    abandoned_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
