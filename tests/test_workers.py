"""`portal serve --workers 2` on PostgreSQL (issue 14, item 2): each periodic job runs in one
worker at a time, and what a request leaves for the next one (session, throttle counters, outbox)
is in the database, so any worker can answer it. One real two-worker server for the module, on a
database of the session's PostgreSQL cluster, sending its mails to the real aiosmtpd server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from portal.accounts import throttling
from portal.db import Database
from portal.tasks import Job, run_alone
from tests._support.candidates import EMAIL, PASSWORD, make_account
from tests._support.candidates import password_hash as hash_once
from tests._support.databases import Content, PostgresTemplates
from tests._support.mail import Mailbox
from tests._support.serve import Server, environment, log_in, sign_up

FRESH = httpx.Limits(max_connections=50, max_keepalive_connections=0)  # a connection per request


@dataclass
class Served:
    server: Server
    url: str
    database_url: str


class _Clock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture(scope="module")
def two_workers(
    postgres_templates: PostgresTemplates,
    smtp_server: Mailbox,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    name, url = postgres_templates.create(Content.REFERENCE, datetime.now(UTC))

    async def add_candidate() -> None:
        db = Database(url)
        try:
            await make_account(db, _Clock(), hash_once(), EMAIL)
        finally:
            await db.dispose()

    asyncio.run(add_candidate())
    data_dir = tmp_path_factory.mktemp("workers") / "var"
    data_dir.mkdir()
    env = environment(
        data_dir,
        url,
        PORTAL_SMTP_HOST=smtp_server.host,
        PORTAL_SMTP_PORT=str(smtp_server.port),
        PORTAL_RATE_LIMIT_BURST="100",
    )
    server = Server(env, data_dir / "serve.log", workers=2).start()
    try:
        yield Served(server, server.url, url)
    finally:
        server.stop()
        postgres_templates.admin.drop(name)


async def scalar(url: str, statement: str, **params: object) -> object:
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return await connection.scalar(text(statement), params)
    finally:
        await db.dispose()


def test_two_workers_started(two_workers: Served) -> None:
    log = two_workers.server.log.read_text()
    assert log.count("Application startup complete") == 2, log[-2000:]


async def test_the_outbox_sends_each_mail_once(two_workers: Served, mailbox: Mailbox) -> None:
    """Both workers tick the mail job every 2 s; each activation mail reaches the SMTP server
    once, and its outbox row says one attempt."""
    emails = [f"deux.workers.{n}@example.fr" for n in range(12)]

    async def one(email: str) -> int:
        async with httpx.AsyncClient(limits=FRESH, timeout=60) as client:
            return (await sign_up(client, two_workers.url, email)).status_code

    statuses = await asyncio.gather(*(one(e) for e in emails))
    assert statuses == [303] * len(emails)
    for email in emails:
        await mailbox.wait_for(email, seconds=30)
    await asyncio.sleep(5)  # two more ticks of each worker: nothing goes out again
    for email in emails:
        received = mailbox.to(email)
        assert len(received) == 1, (email, [m["Subject"] for m in received])
        assert "Activer mon compte" in str(received[0]["Subject"])
    attempts = await scalar(
        two_workers.database_url,
        "SELECT max(attempts) FROM mail_outbox WHERE to_address LIKE 'deux.workers.%'",
    )
    assert attempts == 1


async def test_a_session_opened_on_one_worker_holds_on_every_connection(
    two_workers: Served,
) -> None:
    async with httpx.AsyncClient(limits=FRESH, timeout=60) as client:
        response = await log_in(client, two_workers.url, EMAIL, PASSWORD)
        assert response.status_code == 303, response.text[:500]
        pages = [await client.get(f"{two_workers.url}/mes-inscriptions") for _ in range(20)]
    assert [p.status_code for p in pages] == [200] * 20
    assert all("Mes inscriptions" in p.text for p in pages)


async def test_the_login_throttle_is_shared_by_the_workers(two_workers: Served) -> None:
    """A burst of wrong passwords for one account over fresh connections (spread over both
    workers by the kernel): only the allowed number reach a password check in all."""
    email = "throttle.deux.workers@example.fr"

    async def wrong(client: httpx.AsyncClient, token: str) -> int:
        form = {"_csrf_token": token, "email": email, "password": "Mauvais.Mot2passe"}
        return (await client.post(f"{two_workers.url}/connexion", data=form)).status_code

    async with httpx.AsyncClient(limits=FRESH, timeout=60) as client:
        await client.get(f"{two_workers.url}/connexion")
        token = client.cookies["csrftoken"]
        statuses = await asyncio.gather(*(wrong(client, token) for _ in range(24)))
    allowed = throttling.FREE_FAILURES + 1
    assert statuses.count(200) == allowed, statuses
    assert statuses.count(429) == 24 - allowed
    failures = await scalar(
        two_workers.database_url,
        "SELECT failures FROM login_throttle WHERE key = :key",
        key=throttling.login_key(email),
    )
    assert failures == allowed


async def test_a_periodic_job_runs_in_one_worker_at_a_time(
    postgres_templates: PostgresTemplates,
) -> None:
    """Two workers (two Databases, two pools) tick the same job at once: one runs it, the other
    skips that tick; once it is over, the next tick runs again. Another job is not held back."""
    name, url = postgres_templates.create(Content.EMPTY, datetime.now(UTC))
    running: list[str] = []
    overlaps: list[str] = []

    def job(label: str, seconds: float) -> Job:
        async def run(state: object) -> None:
            if label in running:
                overlaps.append(label)
            running.append(label)
            await asyncio.sleep(seconds)
            running.remove(label)

        return Job(label, timedelta(seconds=1), run)

    @dataclass
    class State:
        db: Database

    workers = [State(Database(url)), State(Database(url))]
    try:
        slow = job("lent", 1.0)
        ran = await asyncio.gather(*(run_alone(w, slow) for w in workers))
        assert sorted(ran) == [False, True]
        assert overlaps == []
        # the lock went with the job's transaction: the next tick runs, in either worker
        assert await run_alone(workers[1], slow) is True
        # two different jobs do not exclude each other
        other = job("autre", 0.5)
        both = await asyncio.gather(run_alone(workers[0], slow), run_alone(workers[1], other))
        assert both == [True, True]
    finally:
        for worker in workers:
            await worker.db.dispose()
        postgres_templates.admin.drop(name)
