"""The catalog in memory (DECISIONS.md 11): public pages answer from a snapshot, and any write to
the catalog shows on the very next request of every worker. Two apps on one database stand for
two worker processes (each has its own Database and its own snapshot); the manager's change is
written through a third Database, as another process would."""

from __future__ import annotations

import collections
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import event, text
from sqlmodel import select

from portal.app import create_app
from portal.catalog import service
from portal.catalog.models import Announcement, OpeningPeriod, Specialty
from portal.db import Database
from portal.web.page_cache import PageCache
from tests._support.web import Client

OPENINGS = "/ouverture-des-services"
FEED = f"{OPENINGS}.json"


@pytest.fixture
async def workers(settings, clock, demo) -> AsyncIterator[list[Client]]:  # type: ignore[no-untyped-def]
    """Two running apps on the test's database, each with its own client, each keeping its public
    pages as production does (portal.web.page_cache)."""
    apps = [create_app(settings, clock=clock, run_background_tasks=False) for _ in range(2)]
    clients = []
    for app in apps:
        app.template_engine.page_cache = PageCache()  # type: ignore[union-attr]
        if not app.state.db.is_sqlite:
            await app.state.db.unpooled()  # the test client runs the app on a loop of its own
        client = Client(app=app, base_url="http://127.0.0.1:8000")
        await client.__aenter__()
        clients.append(client)
    try:
        yield clients
    finally:
        for client, app in zip(clients, apps, strict=True):
            await client.__aexit__(None, None, None)
            await app.state.db.dispose()


@pytest.fixture
async def manager(settings) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """The writer of the catalog: another process's Database."""
    db = Database(settings.database_url)
    yield db
    await db.dispose()


def feed_states(response) -> dict[tuple[str, str, str], str]:  # type: ignore[no-untyped-def]
    """(qualification, specialty, académie) -> "ouvert" | "à venir" | "fermé"."""
    assert response.status_code == 200
    return {
        (p["qualification"]["code"], p["specialite"]["code"], p["academie"]["code"]): p["etat"]
        for p in json.loads(response.text)["periodes"]
    }


async def page_states(client) -> collections.Counter[str]:  # type: ignore[no-untyped-def]
    """How many periods "Ouverture des services" shows open, upcoming and closed for the BIA."""
    page = await client.get(f"{OPENINGS}?domaine=G01&qualification=BIA&specialite=SANS")
    assert page.status_code == 200
    return collections.Counter(re.findall(r'class="catalog-(open|upcoming|closed)"', page.text))


async def _bia(db: Database, academy: str) -> OpeningPeriod:
    async with db.read() as session:
        view = next(
            v
            for v in await service.find_periods(
                session, qualification_code="BIA", academy_code=academy
            )
        )
        return await session.get(OpeningPeriod, view.id)  # type: ignore[return-value]


async def test_a_new_announcement_shows_on_the_next_request_of_every_worker(
    workers, manager, clock
) -> None:  # type: ignore[no-untyped-def]
    for client in workers:  # both snapshots are loaded
        assert "Fermeture exceptionnelle" not in (await client.get("/")).text
    async with manager.write() as session:
        session.add(
            Announcement(
                message="Fermeture exceptionnelle du service le 1er mai.",
                shows_from=clock() - timedelta(minutes=1),
                shows_until=clock() + timedelta(days=1),
            )
        )
    for client in workers:
        assert "Fermeture exceptionnelle du service le 1er mai." in (await client.get("/")).text
    async with manager.write() as session:
        found = (await session.exec(select(Announcement))).all()
        for announcement in found:
            await session.delete(announcement)
    for client in workers:
        body = (await client.get("/")).text
        assert "Fermeture exceptionnelle" not in body and "annonces-titre" not in body


async def test_a_closed_period_and_an_opened_one_show_on_the_next_request_of_every_worker(
    workers, manager, clock
) -> None:  # type: ignore[no-untyped-def]
    shown_before = []
    for client in workers:
        states = feed_states(await client.get(FEED))
        assert states[("BIA", "SANS", "versailles")] == "ouvert"
        assert states[("BIA", "SANS", "toulouse")] == "à venir"
        shown_before.append(await page_states(client))
    versailles = await _bia(manager, "versailles")
    toulouse = await _bia(manager, "toulouse")
    async with manager.write() as session:
        versailles.closes_at = clock() - timedelta(minutes=1)
        versailles.opens_at = clock() - timedelta(days=1)
        toulouse.opens_at = clock() - timedelta(minutes=1)
        session.add(versailles)
        session.add(toulouse)
    for client in workers:
        states = feed_states(await client.get(FEED))
        assert states[("BIA", "SANS", "versailles")] == "fermé"
        assert states[("BIA", "SANS", "toulouse")] == "ouvert"
    for client, before in zip(workers, shown_before, strict=True):
        after = await page_states(client)  # the page, kept by each worker, follows
        assert after["closed"] == before["closed"] + 1
        assert after["upcoming"] == before["upcoming"] - 1
        assert after["open"] == before["open"]  # one closed, one opened


async def test_a_new_period_shows_on_the_next_request_of_every_worker(
    workers, manager, clock
) -> None:  # type: ignore[no-untyped-def]
    versailles = await _bia(manager, "versailles")
    for client in workers:
        assert ("BIA", "SANS", "lille") not in feed_states(await client.get(FEED))
        page = await client.get("/ouverture-des-services?domaine=G01&qualification=BIA")
        assert 'value="lille"' not in page.text
    async with manager.write() as session:
        session.add(
            OpeningPeriod(
                session_id=versailles.session_id,
                specialty_id=versailles.specialty_id,
                academy_code="lille",
                opens_at=clock() - timedelta(hours=1),
                closes_at=clock() + timedelta(days=3),
            )
        )
    for client in workers:
        assert feed_states(await client.get(FEED))[("BIA", "SANS", "lille")] == "ouvert"
        page = await client.get(
            "/ouverture-des-services?domaine=G01&qualification=BIA&specialite=SANS"
        )
        assert 'value="lille"' in page.text


async def test_public_pages_read_the_catalog_from_memory(workers) -> None:  # type: ignore[no-untyped-def]
    """Once loaded, the home page and Ouverture des services run no ORM statement; only the
    version is checked (on SQLite by a plain sqlite3 read outside the engine, on PostgreSQL by
    one statement)."""
    client = workers[0]
    db: Database = client.app.state.db
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    for path in ("/", "/ouverture-des-services?domaine=G01&qualification=BIA", FEED):
        await client.get(path)  # loads the snapshot if needed
    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        for path in ("/", "/ouverture-des-services?domaine=G01&qualification=BIA", FEED):
            assert (await client.get(path)).status_code == 200
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    expected = [] if db.is_sqlite else ["SELECT value FROM catalog_version WHERE id = 1"] * 3
    assert statements == expected


async def test_the_version_moves_with_every_catalog_write_and_only_when_committed(
    manager, demo
) -> None:  # type: ignore[no-untyped-def]
    before = await manager.catalog_version()
    with pytest.raises(RuntimeError):
        async with manager.write() as session:
            await session.exec(text("UPDATE specialty SET position = position + 1"))
            raise RuntimeError("rolled back")
    assert await manager.catalog_version() == before
    async with manager.write() as session:
        specialty = (await session.exec(select(Specialty))).first()
        specialty.name = specialty.name + " (modifiée)"
        session.add(specialty)
    after = await manager.catalog_version()
    assert after > before
    async with manager.write() as session:  # not a catalog table: the version stays
        await session.exec(text("DELETE FROM web_session"))
    assert await manager.catalog_version() == after
