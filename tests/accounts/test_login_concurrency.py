"""Concurrent logins cannot get around the throttle (issue 17, item 1): the attempt is reserved in
one write transaction before its password is verified, so a burst of N simultaneous requests gets
at most the allowed number of verifications, and the others a 429 with Retry-After, the right
password included, while the account is throttled.

Verifications are counted twice, from real effects: the "login failure" / "login success" events
of the security log (one per verified password) and the 200 answers (a refused attempt answers 429
before any hash work)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlmodel import select

from portal.accounts import passwords, throttling
from portal.accounts.models import LoginThrottle
from portal.web.sessions import COOKIE_NAME, WebSession
from tests._support.web import BASE_URL
from tests.accounts.conftest import EMAIL, PASSWORD

WRONG = "Mauvais.Mot2passe"
PER_ACCOUNT = throttling.FREE_FAILURES + 1  # verifications before the first delay locks
PER_ADDRESS = throttling.ADDRESS_FACTOR * throttling.FREE_FAILURES + 1


@pytest.fixture
def verified(caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    """How many passwords the app has verified so far (one security event each)."""
    caplog.set_level(logging.INFO, logger="portal.security")

    def count() -> int:
        return sum(
            1
            for r in caplog.records
            if r.name == "portal.security"
            and r.getMessage().startswith(("login failure", "login success"))
        )

    return count


ADDRESS = "198.51.100.7"


@pytest.fixture
async def wire(app):  # type: ignore[no-untyped-def]
    """A client that really sends at once: httpx over the ASGI interface in the test's own event
    loop (the Litestar test client hands each request to a blocking portal, one at a time),
    from one client address."""
    transport = httpx.ASGITransport(app=app, client=(ADDRESS, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


async def poster(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    await client.get("/connexion")
    token = client.cookies["csrftoken"]

    async def post(email: str, password: str):  # type: ignore[no-untyped-def]
        return await client.post(
            "/connexion", data={"_csrf_token": token, "email": email, "password": password}
        )

    return post


async def failures(db, key: str) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        row = await session.get(LoginThrottle, key)
    return row.failures if row else 0


@pytest.mark.parametrize("burst", [40, 150])
async def test_a_burst_for_one_account_gets_only_the_allowed_verifications(
    wire, db, candidate, verified, burst
) -> None:  # type: ignore[no-untyped-def]
    post = await poster(wire)
    responses = await asyncio.gather(*(post(EMAIL, WRONG) for _ in range(burst)))
    statuses = [r.status_code for r in responses]
    assert verified() == statuses.count(200) == PER_ACCOUNT
    assert statuses.count(429) == burst - PER_ACCOUNT
    assert all(r.headers["retry-after"] == "60" for r in responses if r.status_code == 429)
    assert await failures(db, throttling.login_key(EMAIL)) == PER_ACCOUNT


async def test_the_right_password_inside_the_burst_does_not_get_in(
    wire, db, candidate, verified
) -> None:  # type: ignore[no-untyped-def]
    post = await poster(wire)

    async def right_password_once_throttled():  # type: ignore[no-untyped-def]
        """Sent while the burst is in flight, as soon as it has throttled the account."""
        key = throttling.login_key(EMAIL)
        for _ in range(2000):
            async with db.read() as session:
                row = await session.get(LoginThrottle, key)
            if row is not None and row.locked_until is not None:
                break
            await asyncio.sleep(0.005)
        return await post(EMAIL, PASSWORD)

    *wrong, right = await asyncio.gather(
        *(post(EMAIL, WRONG) for _ in range(39)), right_password_once_throttled()
    )
    assert right.status_code == 429 and right.headers["retry-after"] == "60"
    assert "location" not in right.headers and COOKIE_NAME not in right.cookies
    assert verified() == [r.status_code for r in wrong].count(200) == PER_ACCOUNT
    async with db.read() as session:  # no session of the account was opened
        opened = select(WebSession).where(WebSession.account_id.is_not(None))  # type: ignore[union-attr]
        assert (await session.exec(opened)).all() == []


async def test_a_burst_from_one_address_across_accounts_is_bounded_too(wire, db, verified) -> None:  # type: ignore[no-untyped-def]
    post = await poster(wire)
    responses = await asyncio.gather(*(post(f"essai{n}@ac-rennes.fr", WRONG) for n in range(60)))
    statuses = [r.status_code for r in responses]
    assert verified() == statuses.count(200) == PER_ADDRESS
    assert statuses.count(429) == 60 - PER_ADDRESS
    assert await failures(db, throttling.address_key(ADDRESS)) == PER_ADDRESS


async def test_a_right_password_gives_its_reservation_back(wire, db, candidate, verified) -> None:  # type: ignore[no-untyped-def]
    """A school's many successful logins from one address never add up to a lock."""
    post = await poster(wire)
    responses = [await post(EMAIL, PASSWORD) for _ in range(PER_ADDRESS + 5)]
    assert {r.status_code for r in responses} == {303}
    assert verified() == PER_ADDRESS + 5
    assert await failures(db, throttling.address_key(ADDRESS)) == 0
    assert await failures(db, throttling.login_key(EMAIL)) == 0


async def test_a_login_does_not_queue_behind_new_password_hashes(wire, candidate, settings) -> None:  # type: ignore[no-untyped-def]
    """Verifying has a lane of its own: with every slot for hashing new passwords taken (a
    sign-up flood), a login still goes through."""
    post = await poster(wire)
    slots = passwords._semaphore(settings, passwords.HASH)
    for _ in range(settings.password_hash_concurrency):
        await slots.acquire()
    try:
        response = await asyncio.wait_for(post(EMAIL, PASSWORD), timeout=30)
    finally:
        for _ in range(settings.password_hash_concurrency):
            slots.release()
    assert response.status_code == 303
