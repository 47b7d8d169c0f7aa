"""Back-office tests: managers created directly (the creation journey by mail has tests of its
own), registrations saved with the wizard's own objects in Versailles and in Rennes, and a real
login through /connexion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.accounts.models import Account, Role
from portal.catalog.models import Academy, OpeningPeriod, Qualification, Specialty
from portal.management.models import Manager, ManagerAcademy
from portal.registrations.models import Registration
from tests._support.candidates import log_in, make_account
from tests._support.registrations import save_registration

VERSAILLES_MANAGER = "gestion.versailles@ac-versailles.fr"
RENNES_MANAGER = "gestion.rennes@ac-rennes.fr"
NATIONAL_MANAGER = "admin.national@education.gouv.fr"

BIA_CLEAN = {
    "identification": {
        "address_country": "100",
        "address1": "Rue de la pluie",
        "postal_code": "78270",
        "locality": "BLARU",
        "nationality": "100",
        "phone": "",
    },
    "qualification": {},
    "papers": {"optional": [], "choice": {}},
}


async def make_manager(  # type: ignore[no-untyped-def]
    db, clock, password_hash: str, email: str, academies=(), all_academies: bool = False
) -> int:
    """An activated manager whose password is the tests' PASSWORD; returns the account id."""
    now = clock()
    async with db.write() as session:
        account = Account(
            email=email,
            role=Role.MANAGER,
            password_hash=password_hash,
            password_changed_at=now,
            activation_nonce="x" * 16,
            activation_expires_at=now,
            activated_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(account)
        await session.flush()
        session.add(Manager(account_id=account.id, all_academies=all_academies, created_at=now))
        for code in academies:
            session.add(ManagerAcademy(account_id=account.id, academy_code=code))
        return account.id  # type: ignore[return-value]


async def bia_period(db, academy: str, clock) -> OpeningPeriod:  # type: ignore[no-untyped-def]
    """The BIA's period in that académie, opened now if the demo has it closed (Rennes)."""
    async with db.write() as session:
        period = (
            await session.exec(
                select(OpeningPeriod)
                .join(Specialty, Specialty.id == OpeningPeriod.specialty_id)
                .join(Qualification, Qualification.id == Specialty.qualification_id)
                .join(Academy, Academy.code == OpeningPeriod.academy_code)
                .where(Qualification.code == "BIA", Academy.code == academy)
            )
        ).first()
        assert period is not None
        if not period.is_open(clock()):
            period.opens_at = clock() - timedelta(days=1)
            period.closes_at = clock() + timedelta(days=10)
            session.add(period)
        return period


@dataclass
class World:
    """Two candidates, one registered in Versailles and one in Rennes, and three managers."""

    versailles: Registration
    rennes: Registration
    versailles_candidate: int
    rennes_candidate: int


@pytest.fixture
async def world(app, clock, demo, password_hash) -> World:  # type: ignore[no-untyped-def]
    db = app.state.db
    v_candidate = await make_account(
        db,
        clock,
        password_hash,
        "alice.martin@example.fr",
        birth_name="MARTIN",
        first_names="Alice",
    )
    r_candidate = await make_account(
        db, clock, password_hash, "bob.le-goff@example.fr", birth_name="LE GOFF", first_names="Bob"
    )
    versailles = await save_registration(
        db, v_candidate, await bia_period(db, "versailles", clock), BIA_CLEAN, clock()
    )
    clock.advance(minutes=3)
    rennes = await save_registration(
        db, r_candidate, await bia_period(db, "rennes", clock), BIA_CLEAN, clock()
    )
    await make_manager(db, clock, password_hash, VERSAILLES_MANAGER, ["versailles"])
    await make_manager(db, clock, password_hash, RENNES_MANAGER, ["rennes"])
    await make_manager(db, clock, password_hash, NATIONAL_MANAGER, all_academies=True)
    return World(versailles, rennes, v_candidate, r_candidate)


async def manager_login(client, email: str = VERSAILLES_MANAGER):  # type: ignore[no-untyped-def]
    response = await log_in(client, email)
    assert response.status_code == 303, response.text
    return response
