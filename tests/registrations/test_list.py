"""Mes inscriptions: withdrawn registrations and those of ended sessions are not shown."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from portal.catalog.models import OpeningPeriod
from portal.catalog.models import Session as ExamSession
from portal.registrations import drafts, reading, saving
from portal.registrations.models import Registration
from portal.registrations.steps import Record
from tests.registrations.conftest import make_account, period_id


async def _registered(db, clock, password_hash, email, qualification, specialty=None):  # type: ignore[no-untyped-def]
    account_id = await make_account(db, clock, password_hash, email)
    pid = await period_id(db, qualification, "versailles", specialty)
    async with db.read() as session:
        period = await session.get(OpeningPeriod, pid)
    draft = await drafts.open_new_draft(db, account_id, period, clock())
    registration = await saving.save(
        db, draft, period_id=pid, record=Record(), summary={}, now=clock()
    )
    return account_id, registration, period


async def test_cards_hide_withdrawn_and_ended_sessions(app, demo, clock, password_hash) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    account_id, bia, bia_period = await _registered(db, clock, password_hash, "a@example.fr", "BIA")
    pid = await period_id(db, "CCPE1D", "versailles", "ACA")
    async with db.read() as session:
        period = await session.get(OpeningPeriod, pid)
    draft = await drafts.open_new_draft(db, account_id, period, clock())
    cert = await saving.save(db, draft, period_id=pid, record=Record(), summary={}, now=clock())
    async with db.read() as session:
        shown = await reading.cards(session, account_id, clock())
    assert [c.registration.registration_number for c in shown] == ["001", "002"]
    assert all(c.is_open for c in shown)

    async with db.write() as session:
        await session.exec(
            update(Registration).where(Registration.id == bia.id).values(withdrawn_at=clock())
        )
        await session.exec(
            update(ExamSession)
            .where(ExamSession.id == period.session_id)
            .values(ends_on=(clock() - timedelta(days=1)).date())
        )
    async with db.read() as session:
        assert await reading.cards(session, account_id, clock()) == []
        # the registration pages follow: a withdrawn one is not found
        assert (await reading.get_registration(session, account_id, "001")).withdrawn_at is not None
    assert cert.registration_number == "002" and bia_period.id != pid


async def test_closed_period_cards_are_read_only(app, demo, clock, password_hash) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    account_id, _registration, period = await _registered(
        db, clock, password_hash, "b@example.fr", "BIA"
    )
    clock.now = period.closes_at  # the exact closing instant: closed
    async with db.read() as session:
        (card,) = await reading.cards(session, account_id, clock())
    assert not card.is_open and card.closes_at == period.closes_at
