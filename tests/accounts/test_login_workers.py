"""The login throttle holds across processes (issue 17, item 1): two real `portal serve`
processes on 127.0.0.1 over one SQLite file (SQLite refuses `--workers 2`, so two processes on two
ports stand for two workers), a burst of simultaneous logins for one account over real HTTP,
alternating between them. The state is in the database, so the processes share it: at most the
allowed number of passwords are verified in all, and the right password sent inside the burst gets
429."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from portal.accounts import throttling
from portal.db import Database
from tests._support.candidates import EMAIL, PASSWORD, make_account
from tests._support.databases import TEST_SECRET, Content, Templates, sqlite_url
from tests._support.mail import free_port

WRONG = "Mauvais.Mot2passe"
PER_ACCOUNT = throttling.FREE_FAILURES + 1
SERVE = [sys.executable, "-m", "portal", "serve", "--host", "127.0.0.1"]


class _Clock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture(scope="module")
def two_workers(
    tmp_path_factory: pytest.TempPathFactory, database_templates: Templates
) -> Iterator[tuple[list[str], Path]]:
    """Two `portal serve` processes on a database holding the reference data and Jean TALU."""
    data_dir = tmp_path_factory.mktemp("workers") / "var"
    data_dir.mkdir(parents=True)
    database = data_dir / "portal.sqlite3"
    database_templates.copy_to(Content.REFERENCE, datetime.now(UTC), database)

    async def add_candidate() -> None:
        from tests._support.candidates import password_hash

        db = Database(sqlite_url(database))
        try:
            await make_account(db, _Clock(), password_hash(), EMAIL)
        finally:
            await db.dispose()

    asyncio.run(add_candidate())
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PYTHONUNBUFFERED": "1",
    }
    processes: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for n in range(2):
            port = free_port()
            log_path = data_dir / f"serve-{n}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [*SERVE, "--port", str(port), "--workers", "1"],
                    env={**env, "PORTAL_BASE_URL": f"http://127.0.0.1:{port}"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            processes.append((process, f"http://127.0.0.1:{port}", log_path))
        deadline = time.monotonic() + 90
        for process, url, log_path in processes:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(log_path.read_text())
                try:
                    ready = httpx.get(f"{url}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    ready = False
                if ready:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("portal serve did not start within 90 s")
                time.sleep(0.2)
        yield [url for _, url, _ in processes], database
    finally:
        for process, _, _ in processes:
            process.terminate()
        for process, _, _ in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _throttle_row(database: Path) -> tuple[int, str | None] | None:
    with sqlite3.connect(database, timeout=10) as connection:
        row = connection.execute(
            "SELECT failures, locked_until FROM login_throttle WHERE key = ?",
            (throttling.login_key(EMAIL),),
        ).fetchone()
    connection.close()
    return row


async def test_two_workers_share_the_throttle(two_workers) -> None:  # type: ignore[no-untyped-def]
    urls, database = two_workers
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await client.get(f"{urls[0]}/connexion")
        token = client.cookies["csrftoken"]
        sent = 0

        async def post(password: str) -> httpx.Response:
            nonlocal sent
            url = urls[sent % 2]  # alternate between the two processes
            sent += 1
            return await client.post(
                f"{url}/connexion",
                data={"_csrf_token": token, "email": EMAIL, "password": password},
            )

        async def right_password_once_throttled() -> httpx.Response:
            for _ in range(2000):
                row = await asyncio.to_thread(_throttle_row, database)
                if row is not None and row[1] is not None:
                    break
                await asyncio.sleep(0.005)
            return await post(PASSWORD)

        *wrong, right = await asyncio.gather(
            *(post(WRONG) for _ in range(39)), right_password_once_throttled()
        )
    statuses = [r.status_code for r in wrong]
    assert statuses.count(200) == PER_ACCOUNT  # verified: the others never reached a hash
    assert statuses.count(429) == 39 - PER_ACCOUNT
    assert right.status_code == 429 and "location" not in right.headers
    assert int(right.headers["retry-after"]) > 0
    assert _throttle_row(database)[0] == PER_ACCOUNT  # type: ignore[index]
