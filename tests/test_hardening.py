"""Issue 17, items 4 to 6: hostile input gets 404/413 and never a 500, the database unavailable
gets an honest 503, HEAD works wherever GET does, HSTS and __Host- cookies on https."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import text
from sqlmodel import func, select

from portal.app import create_app
from portal.db import Database
from portal.registrations.models import Registration, RegistrationDraft
from portal.web.errors import too_many_requests
from portal.web.front import BIGGEST_ID, REQUEST_ID_HEADER
from tests._support.candidates import EMAIL, PASSWORD, logged_in
from tests._support.web import Client
from tests.registrations.conftest import location
from tests.registrations.test_wizard import fill_certification, start

BIG = "99999999999999999999"
HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


def database_file(settings) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.database_url.split("///", 1)[1])


def hold_lock(settings, seconds: float) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    """Another process holds the database file under BEGIN EXCLUSIVE for ``seconds``."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database_file(settings)), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


# -- 4. no 500 from input ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        f"/inscriptions/nouvelle/{BIG}",
        f"/m-inscrire/periode/{BIG}",
        "/m-inscrire/periode/9223372036854775808",
        "/m-inscrire/periode/2147483648",
        "/static/%00",
        "/static/css/portal.css%00.js",
        "/static/a%0aERROR%20-%202026-12-02%20forged%00",
        "/%1b[31mrouge",
        "/static/%ff%fe",
    ],
)
async def test_hostile_paths_are_404_in_french(logged_in_client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = await logged_in_client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    html = unescape(response.text)
    assert "Page introuvable" in html
    assert f"Référence : {response.headers[REQUEST_ID_HEADER]}" in html


async def test_the_largest_id_still_reaches_its_handler(logged_in_client) -> None:  # type: ignore[no-untyped-def]
    response = await logged_in_client.get(f"/m-inscrire/periode/{BIGGEST_ID}")
    assert response.status_code == 404
    assert "Page introuvable" in unescape(response.text)


async def test_a_huge_form_is_refused_and_nothing_is_stored(logged_in_client, app) -> None:  # type: ignore[no-untyped-def]
    client = logged_in_client
    base = await start(client, app)
    async with app.state.db.read() as session:
        before = (await session.exec(select(RegistrationDraft))).one().data
    form = {"address1": "A" * 9_000_000, **{f"inconnu_{i}": "x" * 100 for i in range(50)}}
    response = await client.submit(f"{base}/identification", form)
    assert response.status_code == 413
    assert "Contenu trop volumineux" in unescape(response.text)
    async with app.state.db.read() as session:
        assert (await session.exec(select(RegistrationDraft))).one().data == before


async def test_unknown_keys_and_long_values_never_reach_the_draft(logged_in_client, app) -> None:  # type: ignore[no-untyped-def]
    client = logged_in_client
    base = await start(client, app)
    form = {"address1": "A" * 2_000, **{f"inconnu_{i}": "x" * 100 for i in range(50)}}
    response = await client.submit(f"{base}/identification", form)
    assert response.status_code == 200
    assert "ne doit pas dépasser 38 caractères" in unescape(response.text)
    async with app.state.db.read() as session:
        data = (await session.exec(select(RegistrationDraft))).one().data
    raw = data["raw"]["identification"]
    assert not any(name.startswith("inconnu_") for name in raw)
    assert len(raw["address1"]) <= 200
    assert len(str(data)) < 8_000


# -- 5. an honest 503 --------------------------------------------------------------------------
@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """A one-second busy timeout, so that a held lock shows quickly."""
    return replace(settings, database_busy_timeout_ms=1_000)


async def registrations(app) -> int:  # type: ignore[no-untyped-def]
    async with app.state.db.read() as session:
        return (await session.exec(select(func.count()).select_from(Registration))).one()


LOCKED_BY_SQLITE = pytest.mark.sqlite_only(
    "SQLite's own lock: BEGIN EXCLUSIVE and the busy timeout"
)


@LOCKED_BY_SQLITE
async def test_a_locked_database_answers_503_then_the_candidate_saves_once(
    logged_in_client, app, settings
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in_client
    base = await start(client, app)
    await fill_certification(client, base)
    locker = hold_lock(settings, 3)
    try:
        response = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
        fragment = await client.submit(
            f"{base}/recapitulatif", {"action": "enregistrer"}, headers={"HX-Request": "true"}
        )
    finally:
        locker.communicate(timeout=30)
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    html = unescape(response.text)
    assert "Service momentanément indisponible" in html and "<html" in html
    assert "n'a pas été enregistrée" in html
    assert "numéro d'inscription" not in html.lower()
    assert fragment.status_code == 503 and "retry-after" in fragment.headers
    assert "<html" not in fragment.text and "Service momentanément indisponible" in fragment.text
    assert await registrations(app) == 0
    saved = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    assert location(saved) == "/mes-inscriptions/001/numero"
    assert await registrations(app) == 1


@post("/_test/disque-plein", name="test:disk_full")
async def fill_the_disk(db: NamedDependency[Database]) -> str:
    """A write SQLite cannot make: the file may not grow, and the write needs a megabyte."""
    async with db.write() as session:
        pages = (await session.exec(text("PRAGMA page_count"))).one()[0]  # type: ignore[call-overload]
        await session.exec(text(f"PRAGMA max_page_count={pages}"))  # type: ignore[call-overload]
        await session.exec(text("CREATE TABLE filler (x BLOB)"))  # type: ignore[call-overload]
        await session.exec(text("INSERT INTO filler VALUES (randomblob(1000000))"))  # type: ignore[call-overload]
    return "saved"


@get("/_test/trop", name="test:throttled", sync_to_thread=False)
def throttled(request: Request) -> Template:
    return too_many_requests(request, 90)


@pytest.fixture
def extra_routes() -> list[Any]:
    return [fill_the_disk, throttled]


async def test_the_shared_429_is_a_page_or_an_htmx_fragment(client) -> None:  # type: ignore[no-untyped-def]
    page = await client.get("/_test/trop")
    fragment = await client.get("/_test/trop", headers={"HX-Request": "true"})
    for response in (page, fragment):
        assert response.status_code == 429 and response.headers["retry-after"] == "90"
        text_ = unescape(response.text)
        assert "Trop de tentatives" in text_ and "réessayez dans 2 minutes" in text_
        assert f"Référence : {response.headers[REQUEST_ID_HEADER]}" in text_
    assert "<html" in page.text and "<html" not in fragment.text


@pytest.mark.sqlite_only("a full SQLite file: max_page_count and sqlite_master")
async def test_a_full_disk_answers_503_and_rolls_back(client, app) -> None:  # type: ignore[no-untyped-def]
    await client.get("/")
    response = await client.post(
        "/_test/disque-plein", headers={"x-csrftoken": client.csrf_token(), "HX-Request": "true"}
    )
    assert response.status_code == 503, unescape(response.text)[:800]
    assert "retry-after" in response.headers
    assert "Service momentanément indisponible" in unescape(response.text)
    assert "saved" not in response.text
    async with app.state.db.read() as session:
        tables = (
            await session.exec(text("SELECT name FROM sqlite_master WHERE name = 'filler'"))  # type: ignore[call-overload]
        ).all()
    assert tables == []


@LOCKED_BY_SQLITE
async def test_held_past_the_default_busy_timeout_as_the_issue_says(
    logged_in_client, app, settings
) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: 12 s of BEGIN EXCLUSIVE against the default 10 s busy timeout."""
    faithful = create_app(
        replace(settings, database_busy_timeout_ms=10_000), run_background_tasks=False
    )
    try:
        async with Client(app=faithful, base_url="http://127.0.0.1:8000") as client:
            client.follow_redirects = False
            await logged_in(client)
            base = await start(client, faithful)
            await fill_certification(client, base)
            locker = hold_lock(settings, 12)
            try:
                response = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
            finally:
                locker.communicate(timeout=30)
            assert response.status_code == 503 and "retry-after" in response.headers
            saved = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
            assert location(saved) == "/mes-inscriptions/001/numero"
            assert await registrations(faithful) == 1
    finally:
        await faithful.state.db.dispose()


# -- 6. headers and cookies --------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/", "/connexion", "/ouverture-des-services", "/healthz", "/static/css/portal.css"]
)
async def test_head_answers_wherever_get_does(client, demo, path: str) -> None:  # type: ignore[no-untyped-def]
    got = await client.get(path)
    head = await client.head(path)
    assert got.status_code == 200 and head.status_code == 200
    assert got.content and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


async def test_head_follows_get_for_redirects_and_pages_behind_login(logged_in_client) -> None:  # type: ignore[no-untyped-def]
    assert (await logged_in_client.head("/mes-inscriptions")).status_code == 200
    assert (await logged_in_client.head(f"/m-inscrire/periode/{BIG}")).status_code == 404


async def test_https_gets_hsts_and_host_prefixed_cookies(settings, candidate) -> None:  # type: ignore[no-untyped-def]
    secure = create_app(
        replace(settings, base_url="https://portail.test"), run_background_tasks=False
    )
    try:
        async with Client(app=secure, base_url="https://portail.test") as client:
            client.follow_redirects = False
            page = await client.get("/connexion")
            hsts = page.headers["strict-transport-security"]
            assert "includeSubDomains" in hsts
            assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31_536_000
            assert "__Host-csrftoken" in client.cookies
            token = client.cookies["__Host-csrftoken"]
            response = await client.post(
                "/connexion",
                data={"_csrf_token": token, "email": EMAIL, "password": PASSWORD},
            )
            assert response.status_code == 303
            cookies = response.headers.get_list("set-cookie")
            session_cookie = next(c for c in cookies if c.startswith("__Host-portal_session="))
            assert "Secure" in session_cookie and "Path=/" in session_cookie
            assert "Domain" not in session_cookie
            mine = await client.get("/mes-inscriptions")
            assert mine.status_code == 200  # the __Host- session cookie is read back
    finally:
        await secure.state.db.dispose()


async def test_http_has_no_hsts_and_plain_cookie_names(client) -> None:  # type: ignore[no-untyped-def]
    page = await client.get("/connexion")
    assert "strict-transport-security" not in page.headers
    assert "csrftoken" in client.cookies


@LOCKED_BY_SQLITE
async def test_a_session_touch_lost_to_the_lock_still_shows_the_page(
    logged_in_client, clock, settings
) -> None:  # type: ignore[no-untyped-def]
    clock.advance(seconds=120)  # the session now wants its "last seen" write
    locker = hold_lock(settings, 3)
    try:
        response = await logged_in_client.get("/mes-inscriptions")
    finally:
        locker.communicate(timeout=30)
    assert response.status_code == 200


@LOCKED_BY_SQLITE
async def test_a_logout_the_lock_prevents_is_a_503_not_a_false_goodbye(
    logged_in_client, settings
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in_client
    locker = hold_lock(settings, 3)
    try:
        response = await client.post("/deconnexion", headers={"x-csrftoken": client.csrf_token()})
    finally:
        locker.communicate(timeout=30)
    assert response.status_code == 503 and "retry-after" in response.headers
    assert "Service momentanément indisponible" in unescape(response.text)
    assert "set-cookie" not in response.headers
    assert (await client.get("/mes-inscriptions")).status_code == 200  # still logged in
    out = await client.post("/deconnexion", headers={"x-csrftoken": client.csrf_token()})
    assert out.status_code == 303
    assert (await client.get("/mes-inscriptions")).status_code == 303  # now logged out
