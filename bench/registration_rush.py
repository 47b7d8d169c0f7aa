"""Benchmark: an opening-day rush on one small machine — N candidates press "Enregistrer" at the
same moment on a real `portal serve` (SQLite, or PostgreSQL with several workers; loopback only).

Each candidate logs in and fills the wizard through HTTP beforehand; then every final POST is
sent at once. The run checks that no request failed (no "database is locked"), that every
registration exists once with a distinct candidate number and that the numbers have no gap, and
appends the latencies to bench/results/registration_rush.md.

    python bench/registration_rush.py [--candidates 200] [--workers 1]
    python bench/registration_rush.py --database postgresql --workers 2
    python bench/registration_rush.py --copy    # then `portal db copy` to PostgreSQL, and every
                                                # candidate logs in there and finds the registration

PostgreSQL runs on a throw-away cluster (tests/_support/postgres.py: Debian's PostgreSQL, in
/dev/shm when there is one), with fsync and synchronous commit turned back on for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from server import append_result, demo_runtime, portal_server

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

PASSWORD = "Beuvry.Talu62"
IDENTIFICATION = {
    "address_country": "100",
    "address1": "Rue de la pluie",
    "postal_code": "78270",
    "locality": "BLARU",
    "nationality": "100",
    "phone": "0123456789",
}


async def commit_loop(folder: Path, seconds: float = 3.0) -> float:
    """The ceiling of a save (DECISIONS.md 12): commits per second of a raw aiosqlite loop, one
    small row per BEGIN IMMEDIATE … COMMIT, WAL and synchronous=FULL, as the portal's database."""
    import aiosqlite

    path = folder / "commit-loop.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
        commits = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
            await conn.execute("COMMIT")
            commits += 1
        elapsed = time.perf_counter() - started
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
    return commits / elapsed


def create_candidates(env: dict[str, str], count: int) -> list[str]:
    from portal.accounts import passwords
    from portal.accounts.fixtures import activated_account
    from portal.db import Database
    from portal.settings import Settings

    settings = Settings.from_env(env)
    password_hash = passwords.hash_password_sync(PASSWORD, settings)
    emails = [f"rush{i}@example.fr" for i in range(count)]

    async def write() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as session:
                for email in emails:
                    session.add(activated_account(email, password_hash, datetime.now(UTC)))
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, write()).result()
    return emails


async def prepare(base: str, email: str, period: int) -> tuple[httpx.AsyncClient, str]:
    """Log in and fill every tab up to the recap; returns the client and the recap URL."""
    # Idle connections expire before uvicorn's 5 s keep-alive closes them under our feet.
    limits = httpx.Limits(keepalive_expiry=2)
    client = httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False, limits=limits)
    await client.get("/connexion")
    token = client.cookies["csrftoken"]
    response = await client.post(
        "/connexion", data={"_csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text[:300]
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


async def rush(
    base: str, emails: list[str], period: int, profile: Path | None = None
) -> dict[str, float]:
    prepared = []
    for chunk in range(0, len(emails), 20):
        prepared += await asyncio.gather(
            *(prepare(base, e, period) for e in emails[chunk : chunk + 20])
        )
    from pages import cpu_seconds, server_pid

    pid = server_pid(int(base.rsplit(":", 1)[1]))
    spy = None
    if profile is not None:  # py-spy on the server while the saves run (bench/profile.py)
        spy = subprocess.Popen(  # noqa: ASYNC220 (started once, before the timed part)
            [
                *("py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "200"),
                *("--nonblocking", "--output", str(profile)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(1)
    latencies: list[float] = []
    failures: list[str] = []

    async def save(client: httpx.AsyncClient, url: str) -> None:
        start = time.perf_counter()
        response = await client.post(
            url, data={"_csrf_token": client.cookies["csrftoken"], "action": "enregistrer"}
        )
        latencies.append(time.perf_counter() - start)
        if response.status_code != 303 or not response.headers["location"].endswith("/numero"):
            failures.append(f"{response.status_code} {response.headers.get('location')}")

    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(save(client, url) for client, url in prepared))
    elapsed = time.perf_counter() - started
    # The server's CPU per save: × N on one worker, the shortest the rush could possibly take.
    cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / len(prepared)
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    if failures:
        print("failures:", collections.Counter(failures).most_common(5), file=sys.stderr)
    for client, _ in prepared:
        await client.aclose()
    latencies.sort()
    return {
        "failures": len(failures),
        "seconds": elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
        "cpu_ms": cpu_ms,
    }


PERIOD = (
    "SELECT p.id FROM opening_period p JOIN specialty s ON s.id = p.specialty_id "
    "JOIN qualification q ON q.id = s.qualification_id "
    "WHERE q.code = 'BIA' AND p.academy_code = 'versailles'"
)


def query(url: str, statement: str) -> list[tuple]:  # type: ignore[type-arg]
    """Rows of one statement, on SQLite or PostgreSQL alike."""
    from sqlalchemy import text

    from portal.db import Database

    async def run() -> list[tuple]:  # type: ignore[type-arg]
        db = Database(url)
        try:
            async with db.engine.connect() as connection:
                return [tuple(r) for r in (await connection.execute(text(statement))).all()]
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def gapless(candidate_numbers: list[str]) -> bool:
    """yy + sequence + Luhn digit: the sequences of one year follow each other."""
    sequences = sorted(int(n[2:-1]) for n in candidate_numbers)
    return bool(sequences) and sequences == list(range(sequences[0], sequences[0] + len(sequences)))


def new_database(cluster, name: str) -> str:  # type: ignore[no-untyped-def]
    import asyncpg

    from tests._support.postgres import SUPERUSER

    async def create() -> None:
        admin = await asyncpg.connect(
            host="127.0.0.1", port=cluster.port, user=SUPERUSER, database="postgres"
        )
        try:
            await admin.execute(f"CREATE DATABASE {name}")
            # The test cluster runs without durability; the bench pays for it, as production does.
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                await admin.execute(f"ALTER SYSTEM SET {setting} = on")
            await admin.execute("SELECT pg_reload_conf()")
        finally:
            await admin.close()

    asyncio.run(create())
    return cluster.url(name)


async def log_in_everyone(base: str, expected: dict[str, str]) -> int:
    """Each candidate logs in and finds the registration under their number; failures count."""
    failures = 0
    limits = httpx.Limits(keepalive_expiry=2)

    async def one(email: str) -> bool:
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
            await client.get("/connexion")
            token = client.cookies["csrftoken"]
            response = await client.post(
                "/connexion", data={"_csrf_token": token, "email": email, "password": PASSWORD}
            )
            if response.status_code != 303:
                return False
            listed = await client.get("/mes-inscriptions")
            page = await client.get("/mes-inscriptions/001/numero")  # N° Inscription
            return (
                listed.status_code == page.status_code == 200
                and "001" in listed.text
                and f"<strong>{expected[email]}</strong>" in page.text
            )

    emails = sorted(expected)
    for chunk in range(0, len(emails), 20):
        results = await asyncio.gather(*(one(e) for e in emails[chunk : chunk + 20]))
        failures += results.count(False)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--copy",
        action="store_true",
        help="after a SQLite rush, `portal db copy` to PostgreSQL and log every candidate in there",
    )
    parser.add_argument("--profile", type=Path, help="py-spy's collapsed stacks of the saves")
    args = parser.parse_args()
    cluster = None
    extra: dict[str, str] = {}
    if args.database == "postgresql" or args.copy:
        from tests._support.postgres import Cluster

        cluster = Cluster()
    try:
        if args.database == "postgresql":
            extra["PORTAL_DATABASE_URL"] = new_database(cluster, "rush")
        with demo_runtime(PORTAL_SECRET_KEY="b" * 48, **extra) as env:
            url = env.get("PORTAL_DATABASE_URL") or (
                f"sqlite+aiosqlite:///{Path(env['PORTAL_DATA_DIR']) / 'portal.sqlite3'}"
            )
            emails = create_candidates(env, args.candidates)
            period = query(url, PERIOD)[0][0]
            folder = Path(env["PORTAL_DATA_DIR"])
            loads = [os.getloadavg()[0]]
            with portal_server(env, args.workers) as base:
                loop_before = asyncio.run(commit_loop(folder))
                result = asyncio.run(rush(base, emails, period, args.profile))
                loop_after = asyncio.run(commit_loop(folder))
            loads.append(os.getloadavg()[0])
            registrations = query(url, "SELECT count(*) FROM registration")[0][0]
            numbers = [
                r[0]
                for r in query(
                    url, "SELECT candidate_number FROM account WHERE candidate_number IS NOT NULL"
                )
            ]
            copied = ""
            if args.copy:
                copied = copy_and_log_in(env, cluster, url, args.workers)
    finally:
        if cluster is not None:
            cluster.stop()
    ceiling = (loop_before + loop_after) / 2
    saves_per_second = args.candidates / result["seconds"]
    unique = len(set(numbers)) == len(numbers) == registrations == args.candidates
    no_gap = gapless(numbers)
    where = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {platform.python_version()} | {os.cpu_count()} "
        f"| {args.workers} ({where}) | {args.candidates} | {result['failures']} | {registrations} "
        f"| {'yes' if unique else 'NO'}{'' if no_gap else ', GAPS'} | {result['seconds']:.2f} "
        f"| {result['p50_ms']:.0f} | {result['p95_ms']:.0f} | {result['max_ms']:.0f} "
        f"| {saves_per_second:.0f} | {loop_before:.0f} / {loop_after:.0f} "
        f"| **{saves_per_second / ceiling:.2f}** | {min(loads):.1f}–{max(loads):.1f} "
        f"| {result['cpu_ms']:.1f} | {result['cpu_ms'] * args.candidates / 1000:.2f} |"
    )
    append_result(
        "registration_rush",
        '# Opening-day rush: simultaneous "Enregistrer" on one `portal serve` (SQLite or PostgreSQL)\n\n'
        "Every candidate is logged in with the wizard filled up to the recap; then all final\n"
        "POSTs leave at once. A failure is any answer other than the 303 to N° Inscription.\n\n"
        "| date (UTC) | python | cores | workers | candidates | failed requests "
        "| registrations | numbers unique | all saved in s | p50 ms | p95 ms | max ms "
        "| saves/s | commit loop/s before / after | ratio | load 1 min "
        "| server CPU ms/save | CPU floor s (× candidates, 1 worker) |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        line,
    )
    if copied:
        print(copied)
        append_result("registration_rush", "", f"|   | {copied} |")
    ok = unique and no_gap and not result["failures"]
    return 0 if ok and (not args.copy or "0 failed" in copied) else 1


def copy_and_log_in(env: dict[str, str], cluster, source_url: str, workers: int) -> str:  # type: ignore[no-untyped-def]
    """`portal db copy` of the rush's SQLite data to PostgreSQL; every candidate logs in there."""
    target = new_database(cluster, "copied")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "portal", "db", "copy", "--to", target],
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    statement = (
        "SELECT a.email, a.candidate_number FROM account a JOIN registration r "
        "ON r.account_id = a.id WHERE a.email LIKE 'rush%'"
    )
    expected = dict(query(source_url, statement))
    there = dict(query(target, statement))
    with portal_server({**env, "PORTAL_DATABASE_URL": target}, max(workers, 2)) as base:
        failures = asyncio.run(log_in_everyone(base, expected))
    same = "identical" if there == expected else "DIFFERENT"
    return (
        f"db copy to PostgreSQL in {seconds:.1f} s: {len(there)} registrations ({same} candidate "
        f"numbers); {len(expected)} candidates logged in there, {failures} failed"
    )


if __name__ == "__main__":
    sys.exit(main())
