"""`portal db copy --to postgresql+asyncpg://…`: an académie's SQLite data moves to PostgreSQL, and
its candidates log in and find their registrations there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlalchemy import select as sa_select
from sqlmodel import select

from portal.accounts.fixtures import DEMO_EMAIL, DEMO_PASSWORD
from portal.app import create_app
from portal.db import Database
from portal.dbcopy import tables
from portal.registrations.models import Registration
from tests._support.candidates import PASSWORD, log_in, make_account
from tests._support.databases import test_settings as settings_on
from tests._support.postgres import Admin
from tests._support.web import BASE_URL, Client
from tests.documents.test_service import register_in_db

# The source is SQLite; the target, the session's PostgreSQL (skipped without it).
pytestmark = pytest.mark.sqlite_only("the source of the copy is a SQLite database")


def copy(settings, target: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "portal", "db", "copy", "--to", target],
        env={
            **os.environ,
            "PORTAL_DATA_DIR": str(settings.data_dir),
            "PORTAL_DATABASE_URL": settings.database_url,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            table.name: (await session.exec(sa_select(func.count()).select_from(table))).one()[0]  # type: ignore[call-overload]
            for table in tables()
        }


async def test_copy_moves_everything_and_the_candidate_finds_it_on_postgresql(
    app, demo, candidate, clock, settings, postgres_admin: Admin, password_hash: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    await register_in_db(app, clock)
    source = await counts(app.state.db)
    async with app.state.db.read() as session:
        saved = (await session.exec(select(Registration))).one()
    name = postgres_admin.new_name("copy")
    postgres_admin.create(name)
    target_url = postgres_admin.cluster.url(name)
    try:
        result = copy(settings, target_url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "registration: 1" in result.stdout and "Copie terminée" in result.stdout

        target_settings = settings_on(tmp_path / "pg-var", target_url)
        moved = create_app(target_settings, clock=clock, run_background_tasks=False)
        db = moved.state.db
        await db.unpooled()
        try:
            assert await counts(db) == source
            async with db.read() as session:
                there = (await session.exec(select(Registration))).one()
            assert (there.registration_number, there.summary) == (
                saved.registration_number,
                saved.summary,
            )
            assert there.created_at == saved.created_at and there.created_at.tzinfo is not None
            # the sequences were moved past the copied ids: a new account takes the next one
            new_id = await make_account(db, clock, password_hash, "apres.copie@example.fr")
            assert new_id > candidate
            async with Client(app=moved, base_url=BASE_URL) as client:
                client.follow_redirects = False
                # the registration is the demo account's (register_in_db takes the first one)
                response = await log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
                assert response.status_code == 303, response.text
                page = await client.get("/mes-inscriptions")
                assert page.status_code == 200
                assert saved.registration_number in page.text

            again = copy(settings, target_url)  # the target is no longer empty
            assert again.returncode == 1
            assert "n'est pas vide" in again.stderr
        finally:
            await db.dispose()
    finally:
        postgres_admin.drop(name)


async def test_copy_moves_a_rush_of_200_registrations(
    app, demo, clock, settings, postgres_admin: Admin, password_hash: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """200 candidates registered (as the opening rush leaves them): the copy keeps every
    candidate's numbers and registration, and candidates log in on PostgreSQL and find theirs."""
    from portal.accounts.fixtures import activated_account
    from portal.accounts.models import Account
    from portal.catalog.models import OpeningPeriod
    from tests._support.registrations import save_registration
    from tests.registrations.conftest import IDENTIFICATION, SITUATION, period_id

    db = app.state.db
    pid = await period_id(db, "CCPE1D", "versailles", "ACA")
    emails = [f"ruee{n}@example.fr" for n in range(200)]
    async with db.write() as session:
        for email in emails:
            session.add(activated_account(email, password_hash, clock()))
    async with db.read() as session:
        period = await session.get(OpeningPeriod, pid)
        ids = (await session.exec(select(Account.id).where(Account.email.in_(emails)))).all()  # type: ignore[attr-defined]
    clean = {
        "identification": IDENTIFICATION,
        "qualification": {"period": pid},
        "situation": SITUATION,
        "papers": {"optional": [], "choice": {}},
    }
    for account_id in ids:
        await save_registration(db, account_id, period, clean, clock())

    statement = (
        "SELECT a.email, a.candidate_number, r.registration_number, r.summary "
        "FROM account a JOIN registration r ON r.account_id = a.id ORDER BY a.email"
    )

    async def registered(database: Database) -> list[tuple]:  # type: ignore[type-arg]
        async with database.engine.connect() as connection:
            rows = (await connection.execute(text(statement))).all()
        return [(e, c, n, s if isinstance(s, dict) else json.loads(s)) for e, c, n, s in rows]

    before = await registered(db)
    assert len(before) == 200 and len({row[1] for row in before}) == 200
    name = postgres_admin.new_name("copy")
    postgres_admin.create(name)
    target_url = postgres_admin.cluster.url(name)
    try:
        result = copy(settings, target_url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "registration: 200" in result.stdout
        moved = create_app(
            settings_on(tmp_path / "pg-var", target_url), clock=clock, run_background_tasks=False
        )
        target = moved.state.db
        await target.unpooled()
        try:
            assert await registered(target) == before
            async with Client(app=moved, base_url=BASE_URL) as client:
                client.follow_redirects = False
                for email, candidate_number, number, _ in (before[0], before[99], before[-1]):
                    response = await log_in(client, email, PASSWORD)
                    assert response.status_code == 303, response.text
                    page = await client.get(f"/mes-inscriptions/{number}/numero")
                    assert f"<strong>{candidate_number}</strong>" in page.text
                    await client.submit("/deconnexion")
        finally:
            await target.dispose()
    finally:
        postgres_admin.drop(name)
