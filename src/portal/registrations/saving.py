"""Enregistrer: one transaction turns a draft into a registration (or a new version of one),
with its numbers, its answers, its papers as rows and the recap as shown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account
from portal.catalog import service as catalog
from portal.db import Database
from portal.registrations import numbers
from portal.registrations.drafts import live_registration_for_session
from portal.registrations.errors import AlreadyRegistered, ModifiedMeanwhile, RegistrationError
from portal.registrations.models import (
    Counter,
    Registration,
    RegistrationDraft,
    RegistrationPaper,
    RegistrationVersion,
)
from portal.registrations.steps import Record

# What other domains do inside the saving transaction, once the new version is written (the
# documents publish the version's confirmation or récapitulatif). Listed in portal.composition:
# Registrations never imports the domains built on it.
OnSaved = Callable[..., Awaitable[object]]  # (session, *, registration, summary, now)


# -- the saving transaction's statements, built once with bound parameters ---------------------
# Building them at every save cost more than running them (bench/RESULTS.md, issue 12); those
# whose rows the ORM need not track run through Core on the transaction's connection, and the
# objects returned are built from what was written, outside the session.
def _next_value_statement(insert: Any) -> Any:
    return (
        insert(Counter)
        .values(name=bindparam("name"), value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )


_NEXT_VALUE = {  # per dialect: the upsert is each one's own
    "sqlite": _next_value_statement(sqlite_insert),
    "postgresql": _next_value_statement(pg_insert),
}

_CONSUME_DRAFT = delete(RegistrationDraft).where(col(RegistrationDraft.id) == bindparam("id"))
_SET_CANDIDATE_NUMBER = (
    update(Account)
    .where(col(Account.id) == bindparam("account"))
    .values(candidate_number=bindparam("number"))
)
_INSERT_REGISTRATION = insert(Registration).returning(col(Registration.id))
_INSERT_VERSION = insert(RegistrationVersion)
_INSERT_PAPER = insert(RegistrationPaper)  # every paper of a version in one executemany
# The new version of a registration, if its base is still the current one and it was not
# withdrawn.
_NEW_VERSION = (
    update(Registration)
    .where(
        col(Registration.id) == bindparam("registration"),
        col(Registration.version) == bindparam("base"),
        col(Registration.withdrawn_at).is_(None),
    )
    .values(
        version=Registration.version + 1,
        establishment_uai=bindparam("uai"),
        answers=bindparam("new_answers"),
        summary=bindparam("new_summary"),
        updated_at=bindparam("now"),
        opening_period_id=bindparam("period"),
        specialty_id=bindparam("specialty"),
        academy_code=bindparam("academy"),
    )
    .returning(*Registration.__table__.columns)  # type: ignore[attr-defined]
)


async def next_value(session: AsyncSession, name: str) -> int:
    """Advance the named counter inside the caller's transaction and return the new value.

    One upsert with RETURNING: on SQLite the write transaction already holds the lock (BEGIN
    IMMEDIATE); on PostgreSQL the row lock serialises concurrent savers. Never max()+1.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    connection = await session.connection()
    return (await connection.execute(_NEXT_VALUE[dialect], {"name": name})).scalar_one()


async def save(
    db: Database,
    draft: RegistrationDraft,
    *,
    period_id: int,
    record: Record,
    summary: dict[str, Any],
    now: datetime,
    on_saved: Sequence[OnSaved] = (),
) -> Registration:
    """One transaction that turns the draft into a registration (or a new version).

    A replayed or double-clicked save finds the draft already consumed and returns the
    registration it created. A modification whose base version is no longer current is refused
    (ModifiedMeanwhile) and its draft is kept, so nothing typed is lost.
    """
    async with db.write() as session:
        if draft.registration_id is None:
            # ``_account`` held here keeps it in the session's identity map (which holds clean
            # objects weakly) for the hooks, which read it again: no second SELECT.
            registration, fresh, _account = await _save_new(
                session, draft, period_id, record, summary, now
            )
        else:
            registration = await _save_version(session, draft, period_id, record, summary, now)
            fresh = True
        if fresh:  # a replay finds what its first request saved, and publishes nothing more
            for hook in on_saved:
                await hook(
                    session, registration=registration, summary=registration.summary, now=now
                )
        return registration


async def _columns(session: AsyncSession, period_id: int) -> dict[str, Any]:
    # From the catalog in memory (versioned, never older than what this transaction sees of the
    # catalog's version): one statement less in the saving transaction.
    period = (await catalog.of_session(session)).period(period_id)
    if period is None:
        raise RegistrationError("Cette période d'inscription n'existe plus.")
    return {
        "opening_period_id": period_id,
        "specialty_id": period.specialty.id,
        "academy_code": period.academy.code,
        "_session_id": period.session_id,
    }


async def _keep_version(
    session: AsyncSession,
    registration: Registration,
    columns: dict[str, Any],
    record: Record,
    summary: dict[str, Any],
    now: datetime,
) -> None:
    assert registration.id is not None
    connection = await session.connection()
    await connection.execute(
        _INSERT_VERSION,
        {
            "registration_id": registration.id,
            "version": registration.version,
            "opening_period_id": columns["opening_period_id"],
            "specialty_id": columns["specialty_id"],
            "academy_code": columns["academy_code"],
            "establishment_uai": record.establishment_uai,
            "answers": record.answers,
            "summary": summary,
            "saved_at": now,
        },
    )
    if record.papers:
        await connection.execute(
            _INSERT_PAPER,
            [
                {
                    "registration_id": registration.id,
                    "version": registration.version,
                    "paper_id": int(paper_id),
                    "kind": kind,
                }
                for paper_id, kind, _group in record.papers
            ],
        )


async def _save_new(
    session: AsyncSession,
    draft: RegistrationDraft,
    period_id: int,
    record: Record,
    summary: dict[str, Any],
    now: datetime,
) -> tuple[Registration, bool, Account | None]:
    """The registration, whether this request created it (False for a replay), and its account
    as this transaction changed it."""
    connection = await session.connection()
    consumed = await connection.execute(_CONSUME_DRAFT, {"id": draft.id})
    if consumed.rowcount == 0:  # already saved by an earlier identical request
        replayed = (
            await session.exec(
                select(Registration).where(Registration.idempotency_key == draft.key)
            )
        ).first()
        if replayed is None:
            raise RegistrationError("Ce brouillon n'existe plus : recommencez votre inscription.")
        return replayed, False, None
    columns = await _columns(session, period_id)
    existing = await live_registration_for_session(
        session, draft.account_id, columns.pop("_session_id")
    )
    if existing is not None:
        raise AlreadyRegistered(existing)
    account = await session.get(Account, draft.account_id)
    if account is None:
        raise RegistrationError("Ce compte n'existe plus.")
    if account.candidate_number is None:
        sequence = await next_value(session, f"candidate:{now.year}")
        number = numbers.candidate_number(now.year, sequence)
        await connection.execute(_SET_CANDIDATE_NUMBER, {"account": account.id, "number": number})
        set_committed_value(account, "candidate_number", number)  # as now in this transaction
    summary = {**summary, "candidate_number": account.candidate_number}
    count = await next_value(session, f"registrations:account:{account.id}")
    values = {
        "account_id": draft.account_id,
        "registration_number": numbers.registration_number(count),
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "idempotency_key": draft.key,
        "establishment_uai": record.establishment_uai,
        "answers": record.answers,
        "summary": summary,
        **columns,
    }
    registration_id = (await connection.execute(_INSERT_REGISTRATION, values)).scalar_one()
    registration = Registration(id=registration_id, **values)
    await _keep_version(session, registration, columns, record, summary, now)
    return registration, True, account


async def _save_version(
    session: AsyncSession,
    draft: RegistrationDraft,
    period_id: int,
    record: Record,
    summary: dict[str, Any],
    now: datetime,
) -> Registration:
    columns = await _columns(session, period_id)
    columns.pop("_session_id")
    connection = await session.connection()
    parameters = {
        "registration": draft.registration_id,
        "base": draft.base_version,
        "uai": record.establishment_uai,
        "new_answers": record.answers,
        "new_summary": summary,
        "now": now,
        "period": columns["opening_period_id"],
        "specialty": columns["specialty_id"],
        "academy": columns["academy_code"],
    }
    row = (await connection.execute(_NEW_VERSION, parameters)).first()
    if row is None:  # withdrawn, gone, or saved meanwhile from another tab: say which
        current = await session.get(Registration, draft.registration_id, populate_existing=True)
        if current is None:
            raise RegistrationError("Cette inscription n'existe plus.")
        if current.withdrawn_at is not None:
            raise RegistrationError(
                "Cette inscription a été désinscrite par le service gestionnaire."
            )
        raise ModifiedMeanwhile(current.version)
    registration = Registration(**row._mapping)  # as now written, outside the session
    await _keep_version(session, registration, columns, record, summary, now)
    # The draft is kept with its now stale base version: a second browser tab still editing it
    # meets the "modifiée entre-temps" path (its input kept) rather than a dead link.
    return registration
