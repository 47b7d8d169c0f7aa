"""Public pages kept as rendered (portal.web.page_cache): every visitor gets their own CSRF
token, a logged-in visitor or one with a message waiting never gets (nor gives) the shared page,
and what the catalog or the clock changes shows on the very next request."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.app import create_app
from portal.catalog.models import Announcement, OpeningPeriod
from portal.settings import Settings
from portal.web.page_cache import PageCache
from tests._support.candidates import logged_in

OPENINGS = "/ouverture-des-services?domaine=G01&qualification=BIA&specialite=SANS"


@pytest.fixture
def cache(app) -> PageCache:  # type: ignore[no-untyped-def]
    """The cache, on as in production (off in development, where templates reload)."""
    kept = PageCache()
    app.template_engine.page_cache = kept
    return kept


def page_token(html: str) -> str:
    found = re.search(r'"x-csrftoken": "([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_every_visitor_gets_their_own_token_from_the_kept_page(client, cache, demo) -> None:  # type: ignore[no-untyped-def]
    pages = []
    for _ in range(3):  # three browsers: no cookie from one to the next
        client.cookies.clear()
        for path in ("/", "/connexion"):
            page = await client.get(path)
            assert page.status_code == 200
            assert page_token(page.text) == client.csrf_token()
            pages.append(page.text.replace(client.csrf_token(), "T"))
        assert f'name="_csrf_token" value="{client.csrf_token()}"' in page.text
    assert len({page_token(p) for p in pages}) == 1  # the same text but for the token
    assert pages[0] == pages[2] == pages[4] and pages[1] == pages[3] == pages[5]
    assert len(cache) == 2  # one kept page a path, shared by the three


async def test_the_login_page_keeps_where_to_go_next(client, cache) -> None:  # type: ignore[no-untyped-def]
    plain = await client.get("/connexion")
    onward = await client.get("/connexion?suivant=/m-inscrire")
    assert 'name="suivant" value="/m-inscrire"' in onward.text
    assert 'name="suivant" value="/m-inscrire"' not in plain.text
    assert len(cache) == 2


async def test_a_logged_in_visitor_never_gets_nor_gives_the_shared_page(
    client, candidate, cache
) -> None:  # type: ignore[no-untyped-def]
    await client.get("/")
    await logged_in(client)
    assert len(cache) == 2  # the home page and the login page
    home = await client.get("/")
    assert "Se déconnecter" in home.text and "Se connecter" not in home.text
    assert len(cache) == 2  # the logged-in page was not kept
    client.cookies.clear()  # another browser
    page = await client.get("/")
    assert "Se connecter" in page.text and "Se déconnecter" not in page.text


async def test_a_waiting_message_is_shown_once_with_the_cache_on(client, candidate, cache) -> None:  # type: ignore[no-untyped-def]
    await client.get("/")  # the anonymous home page is kept
    await logged_in(client)
    response = await client.submit("/deconnexion", {})
    assert response.status_code == 303
    first = await client.get("/")
    assert "Vous êtes déconnecté(e)." in first.text
    again = await client.get("/")
    assert "Vous êtes déconnecté(e)." not in again.text and "Se connecter" in again.text


async def test_an_htmx_fragment_and_the_full_page_are_kept_apart(client, cache, demo) -> None:  # type: ignore[no-untyped-def]
    full = await client.get(OPENINGS)
    fragment = await client.htmx_get(OPENINGS, headers={"HX-Target": "catalog-selector"})
    again = await client.get(OPENINGS)
    assert "<!doctype html>" in full.text and "<!doctype html>" in again.text
    assert "<!doctype html>" not in fragment.text and 'id="catalog-selector"' in fragment.text
    assert len(cache) == 2


async def test_an_announcement_shows_and_goes_at_its_very_instants(
    client, cache, clock, demo
) -> None:  # type: ignore[no-untyped-def]
    db = client.app.state.db
    async with db.write() as session:
        session.add(
            Announcement(
                message="Maintenance du service ce soir.",
                shows_from=clock() + timedelta(minutes=10),
                shows_until=clock() + timedelta(minutes=20),
            )
        )
    assert "Maintenance du service" not in (await client.get("/")).text
    clock.advance(minutes=10, seconds=-1)
    assert "Maintenance du service" not in (await client.get("/")).text
    clock.advance(seconds=1)
    assert "Maintenance du service ce soir." in (await client.get("/")).text
    clock.advance(minutes=10)
    assert "Maintenance du service" not in (await client.get("/")).text


async def test_a_period_opens_and_closes_on_the_page_at_its_very_instants(
    client, cache, clock, demo
) -> None:  # type: ignore[no-untyped-def]
    db = client.app.state.db
    async with db.write() as session:
        periods = (await session.exec(select(OpeningPeriod))).all()
        for period in periods:  # every BIA period opens in an hour, for a day
            period.opens_at = clock() + timedelta(hours=1)
            period.closes_at = clock() + timedelta(hours=25)
            session.add(period)

    async def states() -> set[str]:
        page = await client.get(OPENINGS)
        assert page.status_code == 200
        return set(re.findall(r'class="catalog-(open|upcoming|closed)"', page.text))

    assert await states() == {"upcoming"}
    clock.advance(hours=1, seconds=-1)
    assert await states() == {"upcoming"}
    clock.advance(seconds=1)
    assert await states() == {"open"}
    clock.advance(hours=24)
    assert await states() == {"closed"}


def test_production_keeps_pages_and_development_does_not(settings: Settings) -> None:
    from dataclasses import replace

    development = create_app(settings, run_background_tasks=False)
    assert development.template_engine.page_cache is None  # type: ignore[union-attr]
    production = replace(
        settings,
        env="production",
        base_url="https://portail.example.fr",
        smtp_host="127.0.0.1",
        secret_key="x" * 40,
    )
    app = create_app(production, run_background_tasks=False)
    assert isinstance(app.template_engine.page_cache, PageCache)  # type: ignore[union-attr]


async def test_an_edited_announcement_shows_on_the_next_request(client, cache, clock, demo) -> None:  # type: ignore[no-untyped-def]
    """A catalog write that moves no instant (the same window, a new text) is seen too."""
    db = client.app.state.db
    async with db.write() as session:
        announcement = Announcement(
            message="Premier texte.",
            shows_from=clock() - timedelta(minutes=1),
            shows_until=clock() + timedelta(days=1),
        )
        session.add(announcement)
    assert "Premier texte." in (await client.get("/")).text
    async with db.write() as session:
        for found in (await session.exec(select(Announcement))).all():
            found.message = "Second texte."
            session.add(found)
    page = (await client.get("/")).text
    assert "Second texte." in page and "Premier texte." not in page
