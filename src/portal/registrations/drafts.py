"""The wizard's drafts: begun, resumed, loaded with their wizard, written once per request,
rebased after a conflict, dropped when their period closes."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account
from portal.catalog.models import OpeningPeriod, Qualification, Specialty
from portal.db import Database
from portal.registrations import reading
from portal.registrations.errors import (
    AlreadyRegistered,
    DraftAlreadySaved,
    DraftTooLarge,
    RegistrationError,
)
from portal.registrations.models import Registration, RegistrationDraft
from portal.registrations.wizard import Entry, Wizard, empty_data, load_wizard, restore

# A draft's size cap, serialized (real answers take a few kilobytes).
DRAFT_MAX_BYTES = 65_536


def draft_data(draft: RegistrationDraft) -> dict[str, Any]:
    data = dict(draft.data or {})
    data.setdefault("clean", {})
    data.setdefault("raw", {})
    return data


# Built once with bound parameters (the saving transaction runs it at every save); plain columns
# through Core, without the ORM's entity loading.
_LIVE_REGISTRATION = (
    select(*Registration.__table__.columns)  # type: ignore[attr-defined]
    .join(OpeningPeriod, col(OpeningPeriod.id) == Registration.opening_period_id)
    .where(
        col(Registration.account_id) == bindparam("account_id"),
        col(Registration.withdrawn_at).is_(None),
        col(OpeningPeriod.session_id) == bindparam("session_id"),
    )
    .limit(1)
)


async def live_registration_for_session(
    session: AsyncSession, account_id: int, session_id: int
) -> Registration | None:
    """The candidate's registration (not withdrawn) to this session of a qualification, as read
    (outside the session)."""
    parameters = {"account_id": account_id, "session_id": session_id}
    row = (await (await session.connection()).execute(_LIVE_REGISTRATION, parameters)).first()
    return None if row is None else Registration(**row._mapping)


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
                data=await _prefill(session, account_id),
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
    data = empty_data()
    if last is not None:
        data["raw"] = restore(await reading.record_of(session, last), only_prefill=True)
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
        clean = restore(await reading.record_of(session, registration))
        if draft is None:
            draft = RegistrationDraft(
                key=uuid.uuid4().hex,
                account_id=account_id,
                opening_period_id=registration.opening_period_id,
                registration_id=registration.id,
                created_at=now,
            )
        draft.base_version = registration.version
        draft.data = {"clean": clean, "raw": {}}
        draft.updated_at = now
        session.add(draft)
        await session.flush()
        return draft


@dataclass
class Loaded:
    """A draft with its wizard, and the registration it modifies (if any)."""

    draft: RegistrationDraft
    wizard: Wizard
    registration: Registration | None


# Built once: building it (six entities joined) cost about as much as running it.
_LOAD = (
    select(RegistrationDraft, Account, Registration, Qualification.domain_code)
    .join(Account, col(Account.id) == RegistrationDraft.account_id)
    .join(OpeningPeriod, col(OpeningPeriod.id) == RegistrationDraft.opening_period_id)
    .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
    .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
    .outerjoin(Registration, col(Registration.id) == RegistrationDraft.registration_id)
    .add_columns(OpeningPeriod.academy_code)
    .where(
        col(RegistrationDraft.key) == bindparam("key"),
        col(RegistrationDraft.account_id) == bindparam("account_id"),
    )
)


async def load(session: AsyncSession, account_id: int, key: str, now: datetime) -> Loaded | None:
    """The candidate's own draft and its wizard; None when unknown (another candidate's key is
    as unknown as a wrong one). A draft already saved raises DraftAlreadySaved."""
    row = (await session.exec(_LOAD, params={"key": key, "account_id": account_id})).first()
    if row is None:
        saved = await reading.saved_from_draft(session, account_id, key)
        if saved is not None:
            raise DraftAlreadySaved(saved.registration_number)
        return None
    draft, account, registration, domain_code, academy_code = row
    wizard = await load_wizard(
        session,
        account=account,
        entry=Entry(draft.opening_period_id, domain_code, academy_code),
        data=draft_data(draft),
        now=now,
    )
    return None if wizard is None else Loaded(draft, wizard, registration)


async def write(
    db: Database,
    draft: RegistrationDraft,
    data: dict[str, Any],
    now: datetime,
    *,
    base_version: int | None = None,
) -> None:
    """The request's one draft write: its data (and, after a conflict, its new base version).
    Data beyond the size cap is never stored (DraftTooLarge)."""
    if len(json.dumps(data, ensure_ascii=False).encode()) > DRAFT_MAX_BYTES:
        raise DraftTooLarge()
    values: dict[str, Any] = {"data": data, "updated_at": now}
    if base_version is not None:
        values["base_version"] = base_version
    async with db.write() as session:
        result = await session.exec(
            update(RegistrationDraft).where(col(RegistrationDraft.id) == draft.id).values(**values)
        )
        if result.rowcount == 0:
            raise RegistrationError("Ce brouillon n'existe plus.")


async def rebase(
    db: Database, draft: RegistrationDraft, registration: Registration, now: datetime
) -> RegistrationDraft:
    """After a conflict: the draft now modifies the current version, keeping what it holds."""
    async with db.write() as session:
        current = await session.get(RegistrationDraft, draft.id)
        if current is None:  # consumed meanwhile: start again from what this request held
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


async def drop(db: Database, draft: RegistrationDraft) -> None:
    async with db.write() as session:
        await session.exec(delete(RegistrationDraft).where(col(RegistrationDraft.id) == draft.id))


async def drop_drafts_of_closed_periods(db: Database, now: datetime) -> int:
    """A draft is dropped when its period closes (periodic job and on access)."""
    async with db.write() as session:
        closed = select(OpeningPeriod.id).where(col(OpeningPeriod.closes_at) <= now)
        result = await session.exec(
            delete(RegistrationDraft).where(col(RegistrationDraft.opening_period_id).in_(closed))
        )
        return result.rowcount or 0
