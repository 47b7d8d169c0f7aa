"""Numbers under a rush: 200 candidates pressing "Enregistrer" at the same moment."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import OpeningPeriod
from portal.db import Database
from portal.registrations import drafts, saving
from portal.registrations.errors import ModifiedMeanwhile, RegistrationError
from portal.registrations.models import Registration, RegistrationVersion
from portal.registrations.numbers import is_valid_candidate_number
from portal.registrations.steps import Record
from tests.registrations.conftest import make_account, period_id

CLEAN = {
    "identification": {"address_country": "100", "postal_code": "78270"},
    "qualification": {},
    "papers": {"optional": [], "choice": {}},
}


async def _draft(db, account_id: int, pid: int, clock):  # type: ignore[no-untyped-def]
    async with db.read() as session:
        period = await session.get(OpeningPeriod, pid)
    draft = await drafts.open_new_draft(db, account_id, period, clock())
    draft.data = {"clean": dict(CLEAN), "raw": {}}
    await drafts.write(db, draft, draft.data, clock())
    return draft


async def test_200_concurrent_saves_give_unique_numbers_and_no_error(  # type: ignore[no-untyped-def]
    app, demo, clock, password_hash
) -> None:
    db = app.state.db
    pid = await period_id(db, "BIA", "versailles")
    accounts = [
        await make_account(db, clock, password_hash, f"candidat{i}@example.fr") for i in range(200)
    ]
    drafts = [await _draft(db, account_id, pid, clock) for account_id in accounts]

    async def save(rush, draft):  # type: ignore[no-untyped-def]
        return await saving.save(
            rush, draft, period_id=pid, record=Record(answers={"x": 1}), summary={}, now=clock()
        )

    # The saves wait for SQLite's write lock one behind the other: on a slow or shared machine
    # the last of 200 may wait past the default 10 s (answered 503, tests/test_hardening.py);
    # this test is about the numbers, so its saves may wait longer.
    rush = Database(db.url, busy_timeout_ms=120_000) if db.is_sqlite else db
    try:
        results = await asyncio.gather(*(save(rush, d) for d in drafts), return_exceptions=True)
    finally:
        if rush is not db:
            await rush.dispose()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    async with db.read() as session:
        registrations = (await session.exec(select(Registration))).all()
        numbers = [a.candidate_number for a in (await session.exec(select(Account))).all()]
    assert len(registrations) == 200
    assert {r.registration_number for r in registrations} == {"001"}
    assigned = [n for n in numbers if n is not None]
    assert len(assigned) == 200 and len(set(assigned)) == 200
    assert all(is_valid_candidate_number(n) for n in assigned)
    sequences = sorted(int(n[2:10]) for n in assigned)
    assert sequences == list(range(1, 201))  # no gap, no reuse


async def test_one_candidate_saving_twice_at_once_gets_one_registration(  # type: ignore[no-untyped-def]
    app, demo, clock, password_hash
) -> None:
    db = app.state.db
    pid = await period_id(db, "BIA", "versailles")
    account_id = await make_account(db, clock, password_hash, "double@example.fr")
    draft = await _draft(db, account_id, pid, clock)
    results = await asyncio.gather(
        *(
            saving.save(db, draft, period_id=pid, record=Record(), summary={}, now=clock())
            for _ in range(5)
        )
    )
    assert len({r.id for r in results}) == 1


async def test_numbers_per_candidate_and_candidate_number_is_stable(  # type: ignore[no-untyped-def]
    app, demo, clock, password_hash
) -> None:
    db = app.state.db
    account_id = await make_account(db, clock, password_hash, "deux@example.fr")
    first = await _draft(db, account_id, await period_id(db, "BIA", "versailles"), clock)
    second = await _draft(db, account_id, await period_id(db, "CCPE1D", "versailles", "ACA"), clock)
    one = await saving.save(
        db, first, period_id=first.opening_period_id, record=Record(), summary={}, now=clock()
    )
    two = await saving.save(
        db, second, period_id=second.opening_period_id, record=Record(), summary={}, now=clock()
    )
    assert (one.registration_number, two.registration_number) == ("001", "002")
    async with db.read() as session:
        account = await session.get(Account, account_id)
    assert account is not None and is_valid_candidate_number(account.candidate_number or "")
    # a modification keeps both numbers and makes version 2
    draft = await drafts.open_modification_draft(db, account_id, one, clock())
    again = await saving.save(
        db,
        draft,
        period_id=one.opening_period_id,
        record=Record(answers={"v": 2}),
        summary={},
        now=clock(),
    )
    assert (again.registration_number, again.version) == ("001", 2)
    async with db.read() as session:
        assert (await session.get(Account, account_id)).candidate_number == account.candidate_number
    assert again.answers == {"v": 2}


async def _saved_and_modified(db, clock, password_hash, email):  # type: ignore[no-untyped-def]
    """A new candidate's saved BIA registration, and the draft that modifies it."""
    account_id = await make_account(db, clock, password_hash, email)
    draft = await _draft(db, account_id, await period_id(db, "BIA", "versailles"), clock)
    registration = await saving.save(
        db, draft, period_id=draft.opening_period_id, record=Record(), summary={}, now=clock()
    )
    return registration, await drafts.open_modification_draft(db, account_id, registration, clock())


async def test_stale_modification_is_refused(app, demo, clock, password_hash) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    registration, tab_a = await _saved_and_modified(db, clock, password_hash, "stale@example.fr")
    tab_b = tab_a  # the same draft, seen by two browser tabs
    await saving.save(
        db,
        tab_a,
        period_id=registration.opening_period_id,
        record=Record(answers={"a": 1}),
        summary={},
        now=clock(),
    )
    try:
        await saving.save(
            db,
            tab_b,
            period_id=registration.opening_period_id,
            record=Record(answers={"b": 1}),
            summary={},
            now=clock(),
        )
    except ModifiedMeanwhile as exc:
        assert exc.version == 2
        assert "modifiée entre-temps" in exc.message
    else:
        raise AssertionError("a stale save must be refused")
    async with db.read() as session:
        current = await session.get(Registration, registration.id)
    assert current is not None and current.version == 2 and current.answers == {"a": 1}


async def test_a_modification_of_a_withdrawn_registration_is_refused(
    app, demo, clock, password_hash
) -> None:  # type: ignore[no-untyped-def]
    """Withdrawn by the managing office while its candidate was modifying it: the save says so,
    and nothing of the modification is written."""
    db = app.state.db
    registration, modification = await _saved_and_modified(
        db, clock, password_hash, "withdrawn@example.fr"
    )
    async with db.write() as session:
        current = await session.get(Registration, registration.id)
        assert current is not None
        current.withdrawn_at = clock()
        session.add(current)
    with pytest.raises(RegistrationError, match="désinscrite par le service gestionnaire"):
        await saving.save(
            db,
            modification,
            period_id=registration.opening_period_id,
            record=Record(answers={"late": 1}),
            summary={},
            now=clock(),
        )
    async with db.read() as session:
        after = await session.get(Registration, registration.id)
        versions = (
            await session.exec(
                select(RegistrationVersion).where(
                    RegistrationVersion.registration_id == registration.id
                )
            )
        ).all()
    assert after is not None and after.version == 1 and after.answers != {"late": 1}
    assert [v.version for v in versions] == [1]
