"""Limits per client address (issue 17, item 2): sign-up, forgotten password, new activation link
and email change are shaped against bursts rather than volume. A flood from one address is cut
at the bucket's burst with a 429 and Retry-After, changes nothing and never starts a password
hash, while a whole class signing up from its school's one address over a quarter of an hour
gets through. Notice mails to an address's owner go at most once an hour."""

from __future__ import annotations

import asyncio
import dataclasses
import html

import httpx
import pytest
from sqlmodel import func, select

from portal.accounts import passwords, service, throttling
from portal.accounts.models import Account, RateLimit
from portal.mail.models import OutboxMail
from portal.settings import ConfigurationError, Settings
from tests._support.web import BASE_URL
from tests.accounts.conftest import (
    EMAIL,
    PASSWORD,
    VALID,
    deliver,
    log_in,
    sign_up,
    sign_up_and_activate,
)
from tests.accounts.test_edit import edit_values

ADDRESS = "198.51.100.7"


@pytest.fixture
async def wire(app):  # type: ignore[no-untyped-def]
    """Requests that really run at once (httpx over ASGI in the test's event loop), from ADDRESS."""
    transport = httpx.ASGITransport(app=app, client=(ADDRESS, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        await client.get("/compte/creer")
        yield client


def signup_form(client: httpx.AsyncClient, n: int) -> dict[str, str]:
    email = f"eleve{n}@ac-rennes.fr"
    return {
        **VALID,
        "_csrf_token": client.cookies["csrftoken"],
        "email": email,
        "email_confirmation": email,
    }


async def count(db, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def test_a_signup_flood_from_one_address_is_cut_at_the_burst(wire, db, settings) -> None:  # type: ignore[no-untyped-def]
    responses = await asyncio.gather(
        *(wire.post("/compte/creer", data=signup_form(wire, n)) for n in range(40))
    )
    statuses = [r.status_code for r in responses]
    burst = settings.rate_limit_burst
    assert statuses.count(303) == burst and statuses.count(429) == 40 - burst
    refused = [r for r in responses if r.status_code == 429]
    assert all(int(r.headers["retry-after"]) > 0 for r in refused)
    assert all("Trop de tentatives" in r.text for r in refused)  # the French page
    # with the throttle's own words: where it comes from, and that nothing was changed
    assert all("depuis votre connexion internet" in r.text for r in refused)
    assert all("rien n'a été modifié" in html.unescape(r.text) for r in refused)
    assert await count(db, Account) == burst  # a refused sign-up changes nothing
    assert await count(db, OutboxMail) == burst


async def test_a_throttled_request_never_waits_for_a_hashing_slot(wire, db, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(settings.rate_limit_burst):
        assert (await wire.post("/compte/creer", data=signup_form(wire, n))).status_code == 303
    slots = passwords._semaphore(settings)  # every hashing slot taken: a hash would wait
    for _ in range(settings.password_hash_concurrency):
        await slots.acquire()
    try:
        refused = await asyncio.wait_for(
            wire.post("/compte/creer", data=signup_form(wire, 99)), timeout=30
        )
    finally:
        for _ in range(settings.password_hash_concurrency):
            slots.release()
    assert refused.status_code == 429


@pytest.mark.parametrize(
    "pattern",
    [
        [(900 / 35, 1)] * 35,  # one after another, evenly over 15 minutes
        [(150, 5)] * 7,  # in clumps of five, every two and a half minutes
    ],
    ids=["evenly", "clumps"],
)
async def test_a_class_signing_up_from_one_address_over_a_quarter_hour_gets_through(
    client, db, clock, pattern
) -> None:  # type: ignore[no-untyped-def]
    n = 0
    for pause, at_once in pattern:
        for _ in range(at_once):
            email = f"eleve{n}@ac-rennes.fr"
            response = await sign_up(client, email=email, email_confirmation=email)
            assert response.status_code == 303, (n, response.status_code)
            n += 1
        clock.advance(seconds=pause)
    assert n == 35 and await count(db, Account) == 35


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/mot-de-passe/oublie", throttling.RESET),
        ("/compte/renvoyer-lien", throttling.RESEND),
    ],
)
async def test_forgot_and_resend_floods_are_cut_while_other_addresses_go_on(
    client, app, db, settings, clock, path, action
) -> None:  # type: ignore[no-untyped-def]
    await client.get(path)
    statuses = [
        (await client.submit(path, {"email": f"x{n}@ac-rennes.fr"})).status_code for n in range(40)
    ]
    burst = settings.rate_limit_burst
    assert statuses == [200] * burst + [429] * (40 - burst)
    other = await throttling.take(db, settings, action, "203.0.113.50", clock())
    assert other is None  # another address has its own bucket
    clock.advance(seconds=settings.rate_limit_refill_seconds)  # one token back
    assert (await client.submit(path, {"email": "x@ac-rennes.fr"})).status_code == 200
    assert (await client.submit(path, {"email": "x@ac-rennes.fr"})).status_code == 429


async def test_the_burst_refills_one_token_per_period(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock()
    for _ in range(settings.rate_limit_burst):
        assert await throttling.take(db, settings, throttling.SIGNUP, ADDRESS, now) is None
    wait = await throttling.take(db, settings, throttling.SIGNUP, ADDRESS, now)
    assert wait is not None and wait.total_seconds() == settings.rate_limit_refill_seconds
    async with db.read() as session:
        row = await session.get(RateLimit, f"{throttling.SIGNUP}:{ADDRESS}")
    assert row is not None and row.tokens == 0  # the refusal wrote nothing
    later = now + wait
    assert await throttling.take(db, settings, throttling.SIGNUP, ADDRESS, later) is None
    assert await throttling.take(db, settings, throttling.SIGNUP, ADDRESS, later) is not None


async def test_the_owner_is_told_of_signup_attempts_at_most_once_an_hour(
    client, app, clock, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    for _ in range(30):  # 30 tries with the owner's address, spread over 15 minutes
        response = await sign_up(client)
        assert response.status_code == 303  # the same "MERCI" answer as ever
        clock.advance(seconds=30)
    await deliver(app)
    attempts = [m for m in mailbox.to(EMAIL) if "Tentative de création" in m["Subject"]]
    assert len(attempts) == 1
    clock.advance(hours=1)
    await sign_up(client)
    await deliver(app)
    await mailbox.wait_for(EMAIL, count=3)  # activation, then the two notices
    attempts = [m for m in mailbox.to(EMAIL) if "Tentative de création" in m["Subject"]]
    assert len(attempts) == 2


async def test_email_changes_are_limited_per_address_and_notices_once_an_hour(
    client, app, db, clock, mailbox, settings
) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    assert (await log_in(client)).status_code == 303
    values = await edit_values(client)

    async def change(n: int):  # type: ignore[no-untyped-def]
        new = f"nouvelle{n}@ac-rennes.fr"
        return await client.submit(
            "/compte/modifier",
            {**values, "email": new, "email_confirmation": new, "current_password": PASSWORD},
        )

    burst = settings.rate_limit_burst
    statuses = [(await change(n)).status_code for n in range(burst + 2)]
    assert statuses == [303] * burst + [429, 429]
    async with db.read() as session:  # the refused ones changed nothing
        account = (await session.exec(select(Account))).one()
    assert account.pending_email == f"nouvelle{burst - 1}@ac-rennes.fr"
    await deliver(app)
    notices = [m for m in mailbox.to(EMAIL) if "changement d'adresse" in m["Subject"]]
    assert len(notices) == 1  # ten changes asked, one notice to the owner this hour
    clock.advance(hours=1, minutes=1)
    assert (await log_in(client)).status_code == 303  # the session timed out meanwhile
    assert (await change(99)).status_code == 303
    await deliver(app)
    notices = [m for m in mailbox.to(EMAIL) if "changement d'adresse" in m["Subject"]]
    assert len(notices) == 2


async def test_a_refused_sign_up_says_so_in_french_with_retry_after(client, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(settings.rate_limit_burst + 1):
        email = f"eleve{n}@ac-rennes.fr"
        response = await sign_up(client, email=email, email_confirmation=email)
    assert response.status_code == 429
    assert response.headers["retry-after"] == str(settings.rate_limit_refill_seconds)
    assert '<html lang="fr"' in response.text and "Trop de tentatives" in response.text
    htmx = await client.submit(
        "/compte/creer",
        {**VALID, "email": "z@ac-rennes.fr", "email_confirmation": "z@ac-rennes.fr"},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 429 and "retry-after" in htmx.headers


async def test_service_calls_without_an_address_are_not_limited(db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.rate_limit_burst * 3):
        assert await throttling.take(db, settings, throttling.RESET, "", clock()) is None
    assert await count(db, RateLimit) == 0
    await service.request_reset(db, settings, None, clock(), "personne@ac-rennes.fr")  # type: ignore[arg-type]


def test_limit_sizes_are_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"PORTAL_RATE_LIMIT_BURST": "12", "PORTAL_RATE_LIMIT_REFILL_SECONDS": "20"}
    settings = Settings.from_env(env, data_dir=tmp_path, secret_key="x" * 40)
    assert (settings.rate_limit_burst, settings.rate_limit_refill_seconds) == (12, 20)
    broken = dataclasses.replace(settings, rate_limit_burst=0)
    with pytest.raises(ConfigurationError, match="PORTAL_RATE_LIMIT_BURST"):
        broken.check()
