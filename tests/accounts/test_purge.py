"""Accounts not activated within 48 h are erased with everything attached, by the periodic job and
by `portal purge`; activation and purge racing each other never give an activated-then-erased
account."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.accounts import service
from portal.accounts.jobs import purge_accounts_job
from portal.accounts.models import Account, LoginThrottle
from portal.composition import JOBS
from portal.mail.models import OutboxMail
from tests.accounts.conftest import EMAIL, log_in, mail_link, sign_up, sign_up_and_activate
from tests.conftest import TEST_SECRET


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """A dozen sign-ups at one instant from the one test client are not the flood the limits per
    address cut (tests/accounts/test_rate_limits.py): room for them here."""
    return dataclasses.replace(settings, rate_limit_burst=20)


async def count(db, model) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return len((await session.exec(select(model))).all())


async def test_the_job_erases_expired_pending_accounts_with_their_mails(
    client, app, db, clock, mailbox
) -> None:  # type: ignore[no-untyped-def]
    assert "purge-accounts" in [job.name for job in JOBS]
    await sign_up(client)
    await log_in(client, password="Faux.Mot2passe")  # a throttling row tied to that email
    await sign_up_and_activate(
        client, app, mailbox, email="active@ac-rennes.fr", email_confirmation="active@ac-rennes.fr"
    )
    assert await count(db, LoginThrottle) == 2  # one for the email, one for the address
    clock.advance(hours=47, minutes=59)
    await purge_accounts_job(app.state)
    assert await count(db, Account) == 2
    clock.advance(minutes=2)
    await purge_accounts_job(app.state)
    async with db.read() as session:
        left = (await session.exec(select(Account))).all()
        mails = (await session.exec(select(OutboxMail))).all()
        throttles = (await session.exec(select(LoginThrottle))).all()
    assert [a.email for a in left] == ["active@ac-rennes.fr"]
    assert {m.to_address for m in mails} == {"active@ac-rennes.fr"}
    assert all(not t.key.startswith("login:") for t in throttles)
    await purge_accounts_job(app.state)  # idempotent
    assert await count(db, Account) == 1


async def test_purge_command(settings, db, client, clock, app) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    # make the account older than 48 h in real time, since the command uses the real clock
    async with db.write() as session:
        account = (await session.exec(select(Account))).one()
        account.activation_expires_at = clock() - timedelta(hours=100)
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(settings.data_dir),
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_SECRET_KEY": TEST_SECRET,
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "portal", "purge"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Comptes non activés dans les 48h effacés : 1" in done.stdout
    assert await count(db, Account) == 0


async def test_activation_and_purge_racing_never_activate_then_erase(
    client, app, db, clock, mailbox, settings
) -> None:  # type: ignore[no-untyped-def]
    links = []
    for n in range(12):
        address = f"course{n}@ac-rennes.fr"
        await sign_up(client, email=address, email_confirmation=address)
        links.append((address, await mail_link(app, mailbox, address)))
    token_of = {address: link.rsplit("/", 1)[1] for address, link in links}
    activation_time = clock() + timedelta(hours=47, minutes=59, seconds=59)
    purge_time = clock() + timedelta(hours=48, seconds=1)  # a worker whose tick came just after

    async def activate(address: str) -> bool:
        try:
            await service.activate(db, settings, activation_time, token_of[address])
        except service.LinkInvalid:
            return False
        return True

    results = await asyncio.gather(
        *(activate(address) for address, _ in links[:6]),
        service.purge_unactivated(db, purge_time, app.state.account_hooks),
        *(activate(address) for address, _ in links[6:]),
    )
    activated = dict(
        zip(
            [a for a, _ in links[:6]] + [a for a, _ in links[6:]],
            results[:6] + results[7:],
            strict=True,
        )
    )
    async with db.read() as session:
        remaining = {a.email: a for a in (await session.exec(select(Account))).all()}
    for address, ok in activated.items():
        if ok:
            assert address in remaining and remaining[address].activated_at is not None
        else:
            assert address not in remaining
    assert results[6] == 12 - sum(activated.values())


async def test_activation_after_the_purge_is_refused(client, app, db, clock, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    link = await mail_link(app, mailbox, EMAIL)
    clock.advance(hours=48, seconds=1)
    await purge_accounts_job(app.state)
    response = await client.get(link)
    assert response.status_code == 410
    assert await count(db, Account) == 0
