"""Faults as tests (issue 14, item 5), each on a real `portal serve`:

- the server killed with SIGKILL in the middle of the registration rush: after the restart the
  SQLite file is intact, every registration is entirely there (its versions, its document, the
  candidate's number) or entirely absent, the numbers are unique and gapless, and the candidates
  whose "Enregistrer" was lost save again;
- the SMTP server down (a black hole: it takes the connection and never answers) during sign-ups:
  the requests do not wait for it, and each mail is delivered exactly once after it is back;
- PostgreSQL stopped and started again under load: requests answer 503 with the French page
  during the gap and succeed after it; no account is left without its activation mail.

- the server killed with SIGKILL while uploads stream in: the deposited file and its row are both
  there, the cut ones left neither (only temporaries, removed by the job), and the candidate
  deposits again.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from portal.db import Database
from portal.mail.sender import SMTP_TIMEOUT
from portal.registrations import numbers
from tests._support import postgres
from tests._support.candidates import PASSWORD, make_account
from tests._support.databases import Content, Templates
from tests._support.mail import Handler, Mailbox, free_port
from tests._support.serve import Server, environment, log_in, sign_up

IDENTIFICATION = {
    "address_country": "100",
    "address1": "Rue de la pluie",
    "postal_code": "78270",
    "locality": "BLARU",
    "nationality": "100",
    "phone": "0123456789",
}
RUSH = 24


class _Clock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


async def prepare(base: str, email: str, period: int) -> tuple[httpx.AsyncClient, str]:
    """Log in and fill every tab up to the recap; the client and the recap's URL."""
    client = httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(keepalive_expiry=2))
    response = await log_in(client, base, email, PASSWORD)
    assert response.status_code == 303, response.text[:300]
    token = client.cookies["csrftoken"]
    response = await client.post(f"/inscriptions/nouvelle/{period}", data={"_csrf_token": token})
    draft = response.headers["location"].rsplit("/", 1)[0]
    await client.post(f"{draft}/identification", data={"_csrf_token": token, **IDENTIFICATION})
    page = await client.get(f"{draft}/qualification")
    chosen = dict(
        re.findall(
            r'<select id="champ-(qualification|period)"[^>]*>.*?<option value="([^"]+)" selected',
            page.text,
            re.S,
        )
    )
    await client.post(f"{draft}/qualification", data={"_csrf_token": token, **chosen})
    await client.post(f"{draft}/epreuves", data={"_csrf_token": token})
    return client, f"{draft}/recapitulatif"


async def save(client: httpx.AsyncClient, url: str) -> int:
    """Press "Enregistrer": 303 to N° Inscription, 0 when the server died under the request, or
    the status answered (503 when the write lock was not had within the busy timeout).

    A press sent again after a press whose answer was lost (the server killed between its commit
    and its answer) finds the registration saved: 303 to that registration ("déjà été
    enregistrée : la voici"), counted as saved too; anywhere else is -1."""
    try:
        response = await client.post(
            url, data={"_csrf_token": client.cookies["csrftoken"], "action": "enregistrer"}
        )
    except httpx.HTTPError:
        return 0
    if response.status_code == 303:
        where = response.headers["location"]
        if not (where.endswith("/numero") or re.fullmatch(r"/mes-inscriptions/[^/?#]+", where)):
            return -1
    return response.status_code


def rows(database: Path, statement: str) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(database, timeout=10) as connection:
        found = connection.execute(statement).fetchall()
    connection.close()
    return found


@pytest.mark.sqlite_only("SIGKILL against SQLite's own durability: WAL, synchronous=FULL")
async def test_sigkill_during_the_rush(
    app, demo, settings, dialect, password_hash: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    emails = [f"coupure{n}@example.fr" for n in range(RUSH)]
    for email in emails:
        await make_account(app.state.db, _Clock(), password_hash, email)
    database = settings.data_dir / "portal.sqlite3"
    (period,) = rows(
        database,
        "SELECT p.id FROM opening_period p JOIN specialty s ON s.id = p.specialty_id "
        "JOIN qualification q ON q.id = s.qualification_id "
        "WHERE q.code = 'BIA' AND p.academy_code = 'versailles'",
    )[0]
    env = environment(settings.data_dir, settings.database_url)
    server = Server(env, tmp_path / "serve.log").start()
    prepared = await asyncio.gather(*(prepare(server.url, e, period) for e in emails))

    done: list[int] = []
    some_saved = asyncio.Event()

    async def one(client: httpx.AsyncClient, url: str) -> bool:
        status = await save(client, url)
        done.append(status)
        if done.count(303) >= 3:
            some_saved.set()
        return status == 303

    tasks = [asyncio.create_task(one(c, u)) for c, u in prepared]
    await asyncio.wait_for(some_saved.wait(), timeout=120)
    server.kill()  # some saved, most still in flight: the machine dies
    answered = await asyncio.gather(*tasks)
    assert any(answered) and not all(answered), answered

    restarted = Server(env, tmp_path / "serve-again.log").start()
    try:
        assert rows(database, "PRAGMA integrity_check") == [("ok",)]
        # every "Enregistrer" that was answered is durable
        saved_accounts = {e for e, ok in zip(emails, answered, strict=True) if ok}
        there = {
            email
            for (email,) in rows(
                database,
                "SELECT a.email FROM registration r JOIN account a ON a.id = r.account_id "
                "WHERE a.email LIKE 'coupure%'",
            )
        }
        assert saved_accounts <= there
        # the lost ones save again, on the same session and draft (the restarted server's port)
        lost = [(c, u) for (c, u), ok in zip(prepared, answered, strict=True) if not ok]
        for _ in range(5):  # a 503 (busy) says: try again in a moment
            statuses = await asyncio.gather(*(save(c, restarted.url + u) for c, u in lost))
            assert set(statuses) <= {303, 503}, statuses
            lost = [pair for pair, status in zip(lost, statuses, strict=True) if status != 303]
            if not lost:
                break
            await asyncio.sleep(1)
        assert lost == []
    finally:
        for client, _ in prepared:
            await client.aclose()
        restarted.stop()

    registrations = rows(
        database,
        "SELECT r.id, r.version, a.candidate_number, "
        "(SELECT count(*) FROM registration_version v WHERE v.registration_id = r.id), "
        "(SELECT count(*) FROM document d WHERE d.registration_id = r.id) "
        "FROM registration r JOIN account a ON a.id = r.account_id "
        "WHERE a.email LIKE 'coupure%'",
    )
    assert len(registrations) == RUSH  # one each: no duplicate from a retried "Enregistrer"
    for _id, version, candidate_number, versions, documents in registrations:
        assert candidate_number is not None and versions == version and documents >= 1
    candidate_numbers = sorted(r[2] for r in registrations)
    assert all(numbers.is_valid_candidate_number(n) for n in candidate_numbers)
    sequences = sorted(int(n[2:-1]) for n in candidate_numbers)
    assert sequences == list(range(sequences[0], sequences[0] + RUSH))  # unique, no gap
    assert rows(database, "PRAGMA integrity_check") == [("ok",)]


@pytest.fixture
def black_hole() -> socket.socket:
    """An SMTP server that is down the nasty way: it takes connections and never answers."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", free_port()))
    hole.listen(64)
    return hole


async def test_smtp_down_during_sign_ups(
    black_hole: socket.socket, database_templates: Templates, tmp_path: Path
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    database_templates.copy_to(Content.REFERENCE, datetime.now(UTC), data_dir / "portal.sqlite3")
    port = black_hole.getsockname()[1]
    env = environment(
        data_dir,
        PORTAL_SMTP_HOST="127.0.0.1",
        PORTAL_SMTP_PORT=str(port),
        PORTAL_RATE_LIMIT_BURST="100",
        PORTAL_MAIL_RETRY_SECONDS="3",  # 30 s by default: the same back-off, ten times sooner
    )
    server = Server(env, tmp_path / "serve.log").start()
    box = Mailbox(host="127.0.0.1", port=port)
    controller = Controller(Handler(box), hostname=box.host, port=port)
    emails = [f"smtp.en.panne.{n}@example.fr" for n in range(8)]
    try:
        durations = []
        async with httpx.AsyncClient(timeout=60) as client:
            for email in emails:
                started = time.perf_counter()
                response = await sign_up(client, server.url, email)
                durations.append(time.perf_counter() - started)
                assert response.status_code == 303, response.text[:500]
        # A request that talked to this SMTP server would have waited its whole timeout.
        assert max(durations) < SMTP_TIMEOUT, durations
        await asyncio.sleep(2)  # the sender tries, and hangs on the black hole
        assert box.messages == []
        black_hole.close()  # the connections it held are reset; the SMTP server comes back
        controller.start()
        for _ in range(180):  # 90 s at most: the first retry comes 3 s after a failure
            if len(box.messages) >= len(emails):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)  # and nothing goes out twice
    finally:
        server.stop()
        controller.stop()
    for email in emails:
        assert len(box.to(email)) == 1, (email, len(box.to(email)))
    sent = rows(
        data_dir / "portal.sqlite3",
        "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL AND attempts >= 2",
    )
    assert sent[0][0] >= 1  # some mails did fail first, and were sent on a later attempt


@pytest.fixture(scope="module")
def own_cluster(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A PostgreSQL cluster of this test's own, since it is stopped and started again."""
    request.getfixturevalue("postgres_admin")  # skips unless PostgreSQL is chosen
    cluster = postgres.Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


async def test_postgresql_restarted_under_load(own_cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import asyncpg

    admin = await asyncpg.connect(
        host="127.0.0.1", port=own_cluster.port, user=postgres.SUPERUSER, database="postgres"
    )
    await admin.execute("CREATE DATABASE restart_test")
    await admin.close()
    url = own_cluster.url("restart_test")
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    env = environment(data_dir, url, PORTAL_RATE_LIMIT_BURST="100000")
    server = Server(env, tmp_path / "serve.log", workers=2).start()
    answers: list[tuple[float, str, int, str]] = []  # when, email, status, page
    stop = asyncio.Event()
    serving = asyncio.Event()  # set once a few sign-ups went through

    async def load(worker: int) -> None:
        n = 0
        async with httpx.AsyncClient(timeout=60) as client:
            while not stop.is_set():
                email = f"redemarrage.{worker}.{n}@example.fr"
                n += 1
                try:
                    response = await sign_up(client, server.url, email)
                except (httpx.HTTPError, KeyError):  # KeyError: no csrftoken from a 503 GET
                    response = None
                if response is None:
                    await asyncio.sleep(0.05)
                    continue
                answers.append((time.monotonic(), email, response.status_code, response.text))
                if sum(1 for a in answers if a[2] == 303) >= 3:
                    serving.set()
                if response.status_code == 503:
                    await asyncio.sleep(0.1)

    try:
        loads = [asyncio.create_task(load(w)) for w in range(3)]
        await asyncio.wait_for(serving.wait(), timeout=120)
        stopped = time.monotonic()
        await asyncio.to_thread(own_cluster.halt)
        await asyncio.sleep(2)
        await asyncio.to_thread(own_cluster.start)
        restarted = time.monotonic()
        while sum(1 for a in answers if a[2] == 303 and a[0] > restarted) < 3:
            if time.monotonic() - restarted > 60:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*loads)
    finally:
        server.stop()
    statuses = {status for _, _, status, _ in answers}
    unhandled = [
        line[:2000]
        for line in (tmp_path / "serve.log").read_text().splitlines()
        if "unhandled error" in line
    ]
    assert statuses <= {303, 503}, ([a[:3] for a in answers if a[2] not in (303, 503)], unhandled)
    gap = [a for a in answers if a[2] == 503]
    assert gap, "no request met the gap"
    assert all(stopped <= when for when, *_ in gap)  # 503 only from the gap on
    assert all("Service momentanément indisponible" in page for *_, page in gap)
    assert sum(1 for when, _, status, _ in answers if status == 303 and when > restarted) >= 3

    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            accounts = dict(
                (
                    await connection.execute(
                        text(
                            "SELECT a.email, count(m.id) FROM account a LEFT JOIN mail_outbox m "
                            "ON m.account_id = a.id GROUP BY a.email"
                        )
                    )
                ).all()
            )
    finally:
        await db.dispose()
    confirmed = {email for _, email, status, _ in answers if status == 303}
    assert confirmed <= set(accounts)
    assert set(accounts.values()) == {1}  # nothing half-written: each account with its mail


def test_what_counts_as_the_database_being_unavailable() -> None:
    """The words of a PostgreSQL restart (as asyncpg says them) mean 503; other errors stay bugs."""
    import asyncpg
    from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, ProgrammingError

    from portal.db import database_unavailable

    cut = asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    )
    assert database_unavailable(InterfaceError("SELECT 1", {}, cut))
    shutdown = asyncpg.exceptions.AdminShutdownError(
        "terminating connection due to administrator command"
    )
    assert database_unavailable(OperationalError("SELECT 1", {}, shutdown))
    starting = asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    assert database_unavailable(OperationalError("SELECT 1", {}, starting))
    assert database_unavailable(ConnectionRefusedError(111, "Connect call failed"))
    # A connection PostgreSQL terminated mid-statement: asyncpg's next statement on it.
    stuck = asyncpg.exceptions.InternalClientError(
        "cannot switch to state 11; another operation (2) is in progress"
    )
    assert database_unavailable(InternalError("SELECT 1", {}, stuck))
    missing = asyncpg.exceptions.UndefinedTableError('relation "account" does not exist')
    assert not database_unavailable(ProgrammingError("SELECT 1", {}, missing))
    assert not database_unavailable(ValueError("connection"))


# -- SIGKILL during uploads ------------------------------------------------------------------------
def _multipart(token: str, name: str, data: bytes, boundary: str) -> tuple[bytes, bytes]:
    """A browser's upload form (the CSRF field first, then the file), as head and tail."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="fichier"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + data, f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.sqlite_only("SIGKILL against SQLite's own durability, with the files beside it")
async def test_sigkill_during_uploads(client, app, candidate, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One file deposited and answered, two more cut in the middle of their bodies by a SIGKILL:
    after the restart the deposited file and its row are both there, the cut ones left neither a
    row nor a kept file (only temporaries, which the job removes after an hour), `portal check`'s
    comparison finds nothing, and the candidate deposits again."""
    from portal.pieces.jobs import check_files, remove_stale_temporaries
    from portal.pieces.storage import Storage
    from tests._support.candidates import EMAIL
    from tests.pieces.helpers import pdf_bytes, piece, register_certification, uploads
    from tests.registrations.conftest import log_in as log_in_here

    await log_in_here(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    arrete = await piece(app.state.db, "ARRETE")
    env = environment(settings.data_dir, settings.database_url)
    server = Server(env, tmp_path / "serve.log").start()
    deposited = pdf_bytes(3)
    big = pdf_bytes(2) + b"%" + b"x" * 600_000  # a PDF whose body takes a while to arrive
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as browser:
        assert (await log_in(browser, server.url, EMAIL, PASSWORD)).status_code == 303
        token = browser.cookies["csrftoken"]
        boundary = "----portailcoupure"
        head, tail = _multipart(token, "rapport.pdf", deposited, boundary)
        answered = await browser.post(
            f"/mes-justificatifs/001/{rapport.id}/ajouter",
            content=head + tail,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert answered.status_code == 303, answered.text[:300]

        halfway = asyncio.Event()
        never = asyncio.Event()

        async def slow_body():  # type: ignore[no-untyped-def]
            body, _tail = _multipart(token, "arrete.pdf", big, boundary)
            for start in range(0, len(body) // 2, 16_384):
                yield body[start : start + 16_384]
                await asyncio.sleep(0.01)
            halfway.set()
            await never.wait()  # the rest never comes: the server dies first

        async def cut() -> int:
            try:
                response = await browser.post(
                    f"/mes-justificatifs/001/{arrete.id}/ajouter",
                    content=slow_body(),
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                )
            except httpx.HTTPError:
                return 0
            return response.status_code

        in_flight = [asyncio.create_task(cut()) for _ in range(2)]
        await asyncio.wait_for(halfway.wait(), timeout=60)
        await asyncio.sleep(0.3)  # both bodies well under way
        server.kill()
        never.set()
        assert await asyncio.gather(*in_flight) == [0, 0]

    storage = Storage.under(settings.data_dir)
    assert storage.temporaries(), "the cut uploads were streaming into temporaries"
    restarted = Server(env, tmp_path / "serve-again.log").start()
    try:
        assert rows(settings.data_dir / "portal.sqlite3", "PRAGMA integrity_check") == [("ok",)]
        [row] = await uploads(app.state.db)  # the answered one, and only it
        assert storage.path_of(row.storage_name).read_bytes() == deposited
        assert await check_files(app.state.db, settings) == []
        later = datetime.now(UTC) + timedelta(hours=2)
        assert remove_stale_temporaries(settings, later) >= 1
        assert storage.temporaries() == []
        async with httpx.AsyncClient(base_url=restarted.url, timeout=60) as browser:
            assert (await log_in(browser, restarted.url, EMAIL, PASSWORD)).status_code == 303
            head, tail = _multipart(browser.cookies["csrftoken"], "arrete.pdf", big, "----b")
            again = await browser.post(
                f"/mes-justificatifs/001/{arrete.id}/ajouter",
                content=head + tail,
                headers={"Content-Type": "multipart/form-data; boundary=----b"},
            )
            assert again.status_code == 303, again.text[:300]
        assert len(await uploads(app.state.db)) == 2
        assert await check_files(app.state.db, settings) == []
    finally:
        restarted.stop()
