"""Retention (issue 13 item 11): how long candidate accounts that never registered and the
registrations of closed sessions are kept (settings, 0 = forever); `portal purge` applies it.
The log says only how many, never who."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.hooks import AccountHooks
from portal.accounts.models import Account, Role
from portal.accounts.records import erase
from portal.catalog.models import OpeningPeriod
from portal.catalog.models import Session as ExamSession
from portal.db import Database
from portal.documents.models import Document
from portal.registrations.models import (
    Registration,
    RegistrationDraft,
    RegistrationPaper,
    RegistrationVersion,
)
from portal.settings import Settings

logger = logging.getLogger("portal.retention")

# What another domain holds about registrations, erased before them (pieces will add its own).
RegistrationEraser = Callable[[AsyncSession, list[int]], Awaitable[None]]


async def erase_registration_rows(session: AsyncSession, ids: list[int]) -> None:
    """Documents, papers, versions, modification drafts, then the registrations themselves."""
    for model, column in (
        (Document, Document.registration_id),
        (RegistrationPaper, RegistrationPaper.registration_id),
        (RegistrationVersion, RegistrationVersion.registration_id),
        (RegistrationDraft, RegistrationDraft.registration_id),
    ):
        await session.exec(delete(model).where(col(column).in_(ids)))  # type: ignore[call-overload]
    await session.exec(delete(Registration).where(col(Registration.id).in_(ids)))  # type: ignore[call-overload]


@dataclass(frozen=True)
class Purged:
    accounts: int
    registrations: int


async def purge(
    db: Database,
    settings: Settings,
    now: datetime,
    hooks: AccountHooks,
    registration_erasers: tuple[RegistrationEraser, ...] = (),
) -> Purged:
    """Apply both retention settings in one transaction each; idempotent."""
    registrations = 0
    if settings.retention_closed_session_days > 0:
        ended_before = (now - timedelta(days=settings.retention_closed_session_days)).date()
        async with db.write() as session:
            ids = list(
                (
                    await session.exec(
                        select(Registration.id)
                        .join(
                            OpeningPeriod, col(OpeningPeriod.id) == Registration.opening_period_id
                        )
                        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
                        .where(
                            col(ExamSession.ends_on).is_not(None),
                            col(ExamSession.ends_on) < ended_before,
                        )
                    )
                ).all()
            )
            if ids:
                for eraser in (*registration_erasers, erase_registration_rows):
                    await eraser(session, ids)  # type: ignore[arg-type]
            registrations = len(ids)
    accounts = 0
    if settings.retention_account_days > 0:
        unchanged_since = now - timedelta(days=settings.retention_account_days)
        async with db.write() as session:
            registered = select(Registration.account_id)
            idle = (
                await session.exec(
                    select(Account).where(
                        Account.role == Role.CANDIDATE,
                        col(Account.activated_at).is_not(None),
                        col(Account.updated_at) < unchanged_since,
                        col(Account.id).not_in(registered),
                    )
                )
            ).all()
            if idle:
                await erase(session, list(idle), hooks)
            accounts = len(idle)
    logger.info(
        "retention purge: %s account(s) without registration and %s registration(s) of closed "
        "sessions erased",
        accounts,
        registrations,
    )
    return Purged(accounts, registrations)
