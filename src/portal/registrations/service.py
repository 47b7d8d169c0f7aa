"""Registration rules: the account lock rule of guide §4, the wizard's drafts, numbering and saving."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account
from portal.catalog.models import (
    Academy,
    Domain,
    ManagingOffice,
    OpeningPeriod,
    Qualification,
    Specialty,
)
from portal.catalog.models import Session as ExamSession
from portal.db import Database
from portal.registrations import numbers
from portal.registrations.models import (
    Counter,
    Registration,
    RegistrationDraft,
    RegistrationVersion,
)

EDITABLE_STEPS = ("identification", "qualification", "situation", "epreuves")


async def has_active_registration(session: AsyncSession, account_id: int) -> bool:
    """At least one registration that has not been withdrawn."""
    statement = (
        select(Registration.id)
        .where(Registration.account_id == account_id, Registration.withdrawn_at.is_(None))  # type: ignore[union-attr]
        .limit(1)
    )
    return (await session.exec(statement)).first() is not None


async def lock_office(session: AsyncSession, account_id: int) -> ManagingOffice | None:
    """The managing office of the candidate's oldest non-withdrawn registration, if any.

    That office is the one to contact about account details once they are locked (guide §4).
    """
    statement = (
        select(ManagingOffice)
        .join(OpeningPeriod, OpeningPeriod.academy_code == ManagingOffice.academy_code)
        .join(Specialty, Specialty.id == OpeningPeriod.specialty_id)
        .join(Registration, Registration.opening_period_id == OpeningPeriod.id)
        .where(
            Registration.account_id == account_id,
            Registration.withdrawn_at.is_(None),  # type: ignore[union-attr]
            ManagingOffice.qualification_id == Specialty.qualification_id,
        )
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    )
    return (await session.exec(statement)).first()


# -- the wizard's rules ---------------------------------------------------------------------------
class RegistrationError(Exception):
    """A rule said no; ``message`` is for the candidate."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyRegistered(RegistrationError):
    def __init__(self, registration: Registration) -> None:
        super().__init__(
            "Vous êtes déjà inscrit(e) à cette session : retrouvez votre candidature "
            f"n° {registration.registration_number} dans « Mes inscriptions »."
        )
        # Kept as a plain value: the row itself expires when the transaction rolls back.
        self.registration_number = registration.registration_number


class ModifiedMeanwhile(RegistrationError):
    """Optimistic locking: the registration was saved elsewhere since this draft began."""

    def __init__(self, version: int) -> None:
        super().__init__(
            "Cette inscription a été modifiée entre-temps, dans un autre onglet ou une autre "
            f"fenêtre (elle est maintenant en version {version:02d}). Vos dernières saisies ont "
            "été conservées ci-dessous mais ne sont pas encore enregistrées : vérifiez-les, puis "
            "enregistrez de nouveau."
        )
        self.version = version


def empty_draft_data() -> dict[str, Any]:
    return {"clean": {}, "raw": {}}


def draft_data(draft: RegistrationDraft) -> dict[str, Any]:
    data = json.loads(draft.data or "{}")
    data.setdefault("clean", {})
    data.setdefault("raw", {})
    return data


async def next_value(session: AsyncSession, name: str) -> int:
    """Advance the named counter inside the caller's transaction and return the new value.

    One upsert with RETURNING: on SQLite the write transaction already holds the lock (BEGIN
    IMMEDIATE); on PostgreSQL the row lock serialises concurrent savers. Never max()+1.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    return (await session.exec(statement)).scalar_one()  # type: ignore[call-overload]


async def live_registration_for_session(
    session: AsyncSession, account_id: int, session_id: int
) -> Registration | None:
    """The candidate's registration (not withdrawn) to this session of a qualification."""
    statement = (
        select(Registration)
        .join(OpeningPeriod, col(OpeningPeriod.id) == Registration.opening_period_id)
        .where(
            Registration.account_id == account_id,
            col(Registration.withdrawn_at).is_(None),
            OpeningPeriod.session_id == session_id,
        )
    )
    return (await session.exec(statement)).first()


async def open_new_draft(
    db: Database, account_id: int, period: OpeningPeriod, now: datetime
) -> RegistrationDraft:
    """The candidate's draft for this period: resumed when it exists, else begun."""
    async with db.write() as session:
        existing = await live_registration_for_session(session, account_id, period.session_id)
        if existing is not None:
            raise AlreadyRegistered(existing)
        draft = (
            await session.exec(
                select(RegistrationDraft).where(
                    RegistrationDraft.account_id == account_id,
                    RegistrationDraft.opening_period_id == period.id,
                    col(RegistrationDraft.registration_id).is_(None),
                )
            )
        ).first()
        if draft is None:
            draft = RegistrationDraft(
                key=uuid.uuid4().hex,
                account_id=account_id,
                opening_period_id=period.id,  # type: ignore[arg-type]
                data=json.dumps(await _prefill(session, account_id)),
                created_at=now,
                updated_at=now,
            )
            session.add(draft)
            await session.flush()
        return draft


async def _prefill(session: AsyncSession, account_id: int) -> dict[str, Any]:
    """A new draft starts from the address and situation of the candidate's last registration."""
    last = (
        await session.exec(
            select(Registration)
            .where(Registration.account_id == account_id)
            .order_by(col(Registration.updated_at).desc())
        )
    ).first()
    data = empty_draft_data()
    if last is not None:
        saved = json.loads(last.data or "{}")
        for step in ("identification", "situation"):
            if step in saved:
                data["raw"][step] = saved[step]
    return data


async def open_modification_draft(
    db: Database, account_id: int, registration: Registration, now: datetime
) -> RegistrationDraft:
    """The draft that modifies ``registration``: every tab prefilled from its saved data."""
    async with db.write() as session:
        draft = (
            await session.exec(
                select(RegistrationDraft).where(
                    RegistrationDraft.registration_id == registration.id
                )
            )
        ).first()
        if draft is not None and draft.base_version == registration.version:
            return draft
        saved = json.loads(registration.data or "{}")
        clean = {step: saved[step] for step in EDITABLE_STEPS if step in saved}
        if draft is None:
            draft = RegistrationDraft(
                key=uuid.uuid4().hex,
                account_id=account_id,
                opening_period_id=registration.opening_period_id,
                registration_id=registration.id,
                created_at=now,
            )
        draft.base_version = registration.version
        draft.data = json.dumps({"clean": clean, "raw": {}})
        draft.updated_at = now
        session.add(draft)
        await session.flush()
        return draft


async def get_draft(session: AsyncSession, account_id: int, key: str) -> RegistrationDraft | None:
    """The candidate's own draft, or None (another candidate's key is as unknown as a wrong one)."""
    return (
        await session.exec(
            select(RegistrationDraft).where(
                RegistrationDraft.key == key, RegistrationDraft.account_id == account_id
            )
        )
    ).first()


async def update_draft(
    db: Database,
    draft: RegistrationDraft,
    now: datetime,
    *,
    step: str,
    values: dict[str, Any],
    valid: bool,
) -> RegistrationDraft:
    """Keep what was typed in ``step``: as clean data when valid, else as raw input."""
    async with db.write() as session:
        current = await session.get(RegistrationDraft, draft.id)
        if current is None:
            raise RegistrationError("Ce brouillon n'existe plus.")
        data = draft_data(current)
        if valid:
            data["clean"][step] = values
            data["raw"].pop(step, None)
        else:
            data["raw"][step] = values
        current.data = json.dumps(data)
        current.updated_at = now
        session.add(current)
        await session.flush()
        return current


async def drop_draft(db: Database, draft: RegistrationDraft) -> None:
    async with db.write() as session:
        await session.exec(delete(RegistrationDraft).where(col(RegistrationDraft.id) == draft.id))


async def save(
    db: Database,
    draft: RegistrationDraft,
    *,
    period_id: int,
    snapshot: dict[str, Any],
    now: datetime,
) -> Registration:
    """Enregistrer: one transaction that turns the draft into a registration (or a new version).

    A replayed or double-clicked save finds the draft already consumed and returns the
    registration it created. A modification whose base version is no longer current is refused
    (ModifiedMeanwhile) and its draft is kept, so nothing typed is lost.
    """
    payload = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    async with db.write() as session:
        if draft.registration_id is None:
            return await _save_new(session, draft, period_id, payload, now)
        return await _save_version(session, draft, period_id, payload, now)


async def _save_new(
    session: AsyncSession, draft: RegistrationDraft, period_id: int, payload: str, now: datetime
) -> Registration:
    consumed = await session.exec(
        delete(RegistrationDraft).where(col(RegistrationDraft.id) == draft.id)
    )
    if consumed.rowcount == 0:  # already saved by an earlier identical request
        replayed = (
            await session.exec(
                select(Registration).where(Registration.idempotency_key == draft.key)
            )
        ).first()
        if replayed is None:
            raise RegistrationError("Ce brouillon n'existe plus : recommencez votre inscription.")
        return replayed
    period = await session.get(OpeningPeriod, period_id)
    if period is None:
        raise RegistrationError("Cette période d'inscription n'existe plus.")
    existing = await live_registration_for_session(session, draft.account_id, period.session_id)
    if existing is not None:
        raise AlreadyRegistered(existing)
    account = await session.get(Account, draft.account_id)
    if account is None:
        raise RegistrationError("Ce compte n'existe plus.")
    if account.candidate_number is None:
        sequence = await next_value(session, f"candidate:{now.year}")
        account.candidate_number = numbers.candidate_number(now.year, sequence)
        session.add(account)
    count = await next_value(session, f"registrations:account:{account.id}")
    registration = Registration(
        account_id=draft.account_id,
        opening_period_id=period_id,
        registration_number=numbers.registration_number(count),
        version=1,
        created_at=now,
        updated_at=now,
        idempotency_key=draft.key,
        data=payload,
    )
    session.add(registration)
    await session.flush()
    session.add(
        RegistrationVersion(
            registration_id=registration.id,  # type: ignore[arg-type]
            version=1,
            opening_period_id=period_id,
            data=payload,
            saved_at=now,
        )
    )
    await session.flush()
    return registration


async def _save_version(
    session: AsyncSession, draft: RegistrationDraft, period_id: int, payload: str, now: datetime
) -> Registration:
    result = await session.exec(
        update(Registration)
        .where(
            col(Registration.id) == draft.registration_id,
            col(Registration.version) == draft.base_version,
            col(Registration.withdrawn_at).is_(None),
        )
        .values(
            version=Registration.version + 1,
            data=payload,
            opening_period_id=period_id,
            updated_at=now,
        )
    )
    registration = await session.get(Registration, draft.registration_id, populate_existing=True)
    if registration is None:
        raise RegistrationError("Cette inscription n'existe plus.")
    if result.rowcount == 0:
        if registration.withdrawn_at is not None:
            raise RegistrationError(
                "Cette inscription a été désinscrite par le service gestionnaire."
            )
        raise ModifiedMeanwhile(registration.version)
    session.add(
        RegistrationVersion(
            registration_id=registration.id,  # type: ignore[arg-type]
            version=registration.version,
            opening_period_id=period_id,
            data=payload,
            saved_at=now,
        )
    )
    # The draft is kept with its now stale base version: a second browser tab still editing it
    # meets the "modifiée entre-temps" path (its input kept) rather than a dead link.
    await session.flush()
    return registration


async def saved_from_draft(session: AsyncSession, account_id: int, key: str) -> Registration | None:
    """The registration a consumed new-registration draft became, if any."""
    return (
        await session.exec(
            select(Registration).where(
                Registration.idempotency_key == key, Registration.account_id == account_id
            )
        )
    ).first()


async def get_registration(
    session: AsyncSession, account_id: int, registration_number: str
) -> Registration | None:
    """The candidate's own registration by its number; another candidate's is never found."""
    return (
        await session.exec(
            select(Registration).where(
                Registration.account_id == account_id,
                Registration.registration_number == registration_number,
            )
        )
    ).first()


async def drop_drafts_of_closed_periods(db: Database, now: datetime) -> int:
    """A draft is dropped when its period closes (periodic job and on access)."""
    async with db.write() as session:
        closed = select(OpeningPeriod.id).where(col(OpeningPeriod.closes_at) <= now)
        result = await session.exec(
            delete(RegistrationDraft).where(col(RegistrationDraft.opening_period_id).in_(closed))
        )
        return result.rowcount or 0


async def rebase_draft(
    db: Database, draft: RegistrationDraft, registration: Registration, now: datetime
) -> RegistrationDraft:
    """After a conflict: the draft now modifies the current version, keeping what it holds."""
    async with db.write() as session:
        current = await session.get(RegistrationDraft, draft.id)
        if current is None:  # consumed meanwhile: start again from the current version's data
            current = RegistrationDraft(
                key=draft.key,
                account_id=draft.account_id,
                opening_period_id=registration.opening_period_id,
                registration_id=registration.id,
                data=draft.data,
                created_at=now,
            )
        current.base_version = registration.version
        current.updated_at = now
        session.add(current)
        await session.flush()
        return current


async def office_of(session: AsyncSession, registration: Registration) -> ManagingOffice | None:
    statement = (
        select(ManagingOffice)
        .join(OpeningPeriod, col(OpeningPeriod.academy_code) == ManagingOffice.academy_code)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .where(
            OpeningPeriod.id == registration.opening_period_id,
            ManagingOffice.qualification_id == Specialty.qualification_id,
        )
    )
    return (await session.exec(statement)).first()


@dataclass(frozen=True)
class Card:
    """One registration as "Mes inscriptions" shows it."""

    registration: Registration
    domain_label: str
    year: int
    heading: str
    academy_name: str
    is_open: bool
    closes_at: datetime


async def cards(session: AsyncSession, account_id: int, now: datetime) -> list[Card]:
    """The candidate's registrations, except withdrawn ones and those of ended sessions."""
    statement = (
        select(Registration, OpeningPeriod, Specialty, Qualification, ExamSession, Academy, Domain)
        .join(OpeningPeriod, col(OpeningPeriod.id) == Registration.opening_period_id)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
        .join(Domain, col(Domain.code) == Qualification.domain_code)
        .where(Registration.account_id == account_id, col(Registration.withdrawn_at).is_(None))
        .order_by(col(Registration.registration_number))
    )
    today = now.date()
    found = []
    for registration, period, specialty, qualification, exam, academy, domain in (
        await session.exec(statement)
    ).all():
        if exam.ends_on is not None and exam.ends_on < today:
            continue
        found.append(
            Card(
                registration=registration,
                domain_label=domain.label,
                year=exam.year,
                heading=f"{qualification.name} : {specialty.name}",
                academy_name=academy.name,
                is_open=period.is_open(now),
                closes_at=period.closes_at,
            )
        )
    return found


@dataclass(frozen=True)
class DraftCard:
    key: str
    heading: str
    academy_name: str
    closes_at: datetime


async def open_drafts(session: AsyncSession, account_id: int, now: datetime) -> list[DraftCard]:
    """New registrations begun and not saved, whose period is still open."""
    statement = (
        select(RegistrationDraft, OpeningPeriod, Specialty, Qualification, Academy)
        .join(OpeningPeriod, col(OpeningPeriod.id) == RegistrationDraft.opening_period_id)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
        .where(
            RegistrationDraft.account_id == account_id,
            col(RegistrationDraft.registration_id).is_(None),
            col(OpeningPeriod.closes_at) > now,
        )
        .order_by(col(RegistrationDraft.created_at))
    )
    return [
        DraftCard(draft.key, f"{q.name} : {s.name}", a.name, period.closes_at)
        for draft, period, s, q, a in (await session.exec(statement)).all()
    ]
