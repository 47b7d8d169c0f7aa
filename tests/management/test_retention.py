"""Retention on a frozen clock: candidate accounts that never registered, erased once unchanged
for the configured days; registrations of sessions ended for longer, erased with their versions
and documents; 0 keeps forever; the log says how many, never who."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import OpeningPeriod
from portal.catalog.models import Session as ExamSession
from portal.composition import ACCOUNT_HOOKS
from portal.documents.models import Document
from portal.management.retention import purge
from portal.registrations.models import Registration, RegistrationVersion
from tests._support.candidates import make_account
from tests._support.registrations import save_registration
from tests.registrations.conftest import IDENTIFICATION, SITUATION, period_id
from tests.test_cli import portal


async def test_accounts_without_registration(app, world, clock, password_hash, caplog) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    idle = await make_account(db, clock, password_hash, "jamais.inscrit@example.fr")
    off = app.state.settings
    on = dataclasses.replace(off, retention_account_days=365)
    clock.advance(days=364)
    assert (await purge(db, on, clock(), ACCOUNT_HOOKS)).accounts == 0
    clock.advance(days=2)
    assert (await purge(db, off, clock(), ACCOUNT_HOOKS)).accounts == 0  # 0: kept forever
    with caplog.at_level(logging.INFO, logger="portal.retention"):
        purged = await purge(db, on, clock(), ACCOUNT_HOOKS)
    assert purged.accounts == 2 and purged.registrations == 0  # and the demo's own account
    async with db.read() as session:
        assert await session.get(Account, idle) is None
        # registered candidates and managers stay
        assert await session.get(Account, world.versailles_candidate) is not None
        assert (
            len((await session.exec(select(Account).where(Account.role == "manager"))).all()) == 3
        )
    [message] = [r.getMessage() for r in caplog.records if r.name == "portal.retention"]
    assert message == (
        "retention purge: 2 account(s) without registration and 0 registration(s) of closed "
        "sessions erased"
    )
    assert "jamais.inscrit" not in caplog.text
    assert (await purge(db, on, clock(), ACCOUNT_HOOKS)).accounts == 0  # idempotent


async def test_registrations_of_closed_sessions(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pid = await period_id(db, "CCPE1D", "versailles", "ACA")
    async with db.read() as session:
        other_period = await session.get(OpeningPeriod, pid)
    clean = {
        "identification": IDENTIFICATION,
        "qualification": {"period": pid},
        "situation": SITUATION,
        "papers": {"optional": [], "choice": {}},
    }
    other = await save_registration(db, world.versailles_candidate, other_period, clean, clock())
    settings = dataclasses.replace(app.state.settings, retention_closed_session_days=730)
    async with db.write() as session:
        period = await session.get(OpeningPeriod, world.rennes.opening_period_id)
        exam = await session.get(ExamSession, period.session_id)  # type: ignore[union-attr]
        exam.ends_on = clock().date()  # type: ignore[union-attr]
        session.add(exam)
    clock.advance(days=730)
    assert (await purge(db, settings, clock(), ACCOUNT_HOOKS)).registrations == 0
    clock.advance(days=1)
    # the BIA session (Versailles and Rennes alike) ended two years ago; the CCPE1D's did not
    assert (await purge(db, settings, clock(), ACCOUNT_HOOKS)).registrations == 2
    async with db.read() as session:
        assert await session.get(Registration, world.rennes.id) is None
        assert await session.get(Registration, world.versailles.id) is None
        assert await session.get(Registration, other.id) is not None
        versions = set((await session.exec(select(RegistrationVersion.registration_id))).all())
        documents = set((await session.exec(select(Document.registration_id))).all())
        assert versions == documents == {other.id}
        assert await session.get(Account, world.rennes_candidate) is not None


@pytest.mark.sqlite_only("the command runs on the default SQLite file of its runtime folder")
def test_purge_command_prints_counts(tmp_path: Path, dialect) -> None:  # type: ignore[no-untyped-def]
    assert portal(tmp_path, "demo", "load").returncode == 0
    kept = portal(tmp_path, "purge")
    assert kept.returncode == 0 and "non (durée 0)" in kept.stdout
    applied = portal(tmp_path, "purge", PORTAL_RETENTION_ACCOUNT_DAYS="30")
    assert applied.returncode == 0, applied.stderr
    assert "comptes sans inscription effacés : 0" in applied.stdout  # the demo account is new
    bad = portal(tmp_path, "check", PORTAL_RETENTION_ACCOUNT_DAYS="-1")
    assert bad.returncode == 1 and "PORTAL_RETENTION_ACCOUNT_DAYS" in bad.stdout
