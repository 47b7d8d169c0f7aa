"""Benchmark: a legitimate login's latency from one address while another address floods the
sign-up form (issue 17: "a legitimate login went from 35 ms to 1.4 s during the flood, the
sign-ups held the shared hashing slots").

The candidates' accounts are written straight into the database (bench/registration_rush.py).

A real `portal serve` on 127.0.0.1 behind a pretend reverse proxy (PORTAL_TRUSTED_PROXIES=127.0.0.1,
each request says its client in X-Forwarded-For): the flood comes from 198.51.100.7, the candidates
log in from 203.0.113.N. First the login alone (baseline), then the same logins while the flood
sends its sign-ups at a steady pace (by default 60 in 2.5 s, as in the issue). Run it with the
limits per address as configured, and with them out of the way (``--burst 100000``) to see what
they buy. Appends one line to bench/results/login_flood.md.

    python bench/login_flood.py [--flood 60] [--seconds 2.5] [--burst 10] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from datetime import UTC, datetime

import httpx
from registration_rush import PASSWORD, create_candidates
from server import append_result, demo_runtime, portal_server

FLOOD_ADDRESS = "198.51.100.7"
CANDIDATES = 2  # each logs in again and again, one login at a time, from an address of its own
IDENTITY = {
    "civility": "M",
    "birth_name": "Talu",
    "birth_name_confirmation": "TALU",
    "usage_name": "",
    "first_names": "Jean",
    "birth_country": "100",
    "birth_date": "01/01/2002",
    "birth_date_confirmation": "01/01/2002",
    "birth_department": "062",
    "birth_city": "Beuvry",
    "password": "Beuvry.Talu62",
    "password_confirmation": "Beuvry.Talu62",
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_login(base: str, email: str, address: str) -> float:
    """A fresh visitor: GET the form, POST the right password; the POST's latency in ms."""
    headers = {"X-Forwarded-For": address}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        await client.get("/connexion")
        token = client.cookies["csrftoken"]
        start = time.perf_counter()
        response = await client.post(
            "/connexion",
            data={"_csrf_token": token, "email": email, "password": PASSWORD},
        )
        elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 303:
        raise RuntimeError(f"the legitimate login failed: {response.status_code}")
    return elapsed


async def logins_until(base: str, emails: list[str], done: asyncio.Event) -> list[float]:
    """Each candidate logs in, one login after the other, until the flood is answered."""

    async def candidate(n: int, email: str) -> list[float]:
        latencies = []
        while not done.is_set():
            latencies.append(await one_login(base, email, f"203.0.113.{n + 1}"))
        return latencies

    per_candidate = await asyncio.gather(*(candidate(n, e) for n, e in enumerate(emails)))
    return [latency for latencies in per_candidate for latency in latencies]


async def flood(base: str, count: int, seconds: float, done: asyncio.Event) -> dict[int, int]:
    """``count`` sign-ups from one address, sent at a steady pace over ``seconds``."""
    headers = {"X-Forwarded-For": FLOOD_ADDRESS}
    limits = httpx.Limits(max_connections=count + 10)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=120, limits=limits
    ) as client:
        await client.get("/compte/creer")
        token = client.cookies["csrftoken"]
        run = datetime.now(UTC).strftime("%H%M%S")

        async def sign_up(n: int) -> int:
            email = f"flood{run}-{n}@example.fr"
            form = {**IDENTITY, "_csrf_token": token, "email": email, "email_confirmation": email}
            return (await client.post("/compte/creer", data=form)).status_code

        tasks = []
        for n in range(count):
            tasks.append(asyncio.create_task(sign_up(n)))
            await asyncio.sleep(seconds / count)
        statuses = await asyncio.gather(*tasks)
    done.set()
    return {status: statuses.count(status) for status in sorted(set(statuses))}


async def measure(
    base: str, emails: list[str], count: int, seconds: float
) -> tuple[list[float], list[float], dict]:
    baseline = [await one_login(base, email, "203.0.113.1") for email in emails * 2]
    done = asyncio.Event()
    during, statuses = await asyncio.gather(
        logins_until(base, emails, done), flood(base, count, seconds, done)
    )
    return baseline, during, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=2.5)
    parser.add_argument("--burst", type=int, default=None, help="PORTAL_RATE_LIMIT_BURST")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    env = {"PORTAL_TRUSTED_PROXIES": "127.0.0.1"}
    if args.burst is not None:
        env["PORTAL_RATE_LIMIT_BURST"] = str(args.burst)
    load = os.getloadavg()[0]
    with demo_runtime(**env) as environ:
        emails = create_candidates(environ, CANDIDATES)
        with portal_server(environ, workers=args.workers) as base:
            baseline, during, statuses = asyncio.run(
                measure(base, emails, args.flood, args.seconds)
            )
    burst = environ.get("PORTAL_RATE_LIMIT_BURST", "10 (default)")
    header = (
        "# Login latency during a sign-up flood from another address (bench/login_flood.py)\n\n"
        "One `portal serve` on 127.0.0.1 (SQLite), argon2id 19 MiB / t=2, 2 hashing slots; the "
        "load generator shares the machine. Latency of the login POST (right password): "
        f"alone, then while {FLOOD_ADDRESS} sends its sign-ups at a steady pace and {CANDIDATES} "
        "candidates, each from an address of its own, log in one login after the other until "
        "the flood is answered.\n\n"
        "| date (UTC) | machine | load (1 min) | workers | burst | flood | sign-ups by status | "
        "login alone p50 / p95 (ms) | login during flood p50 / p95 / max (ms), n |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {machine} | {load:.1f} | {args.workers} | "
        f"{burst} | "
        f"{args.flood} in {args.seconds:g} s | {', '.join(f'{k}: {v}' for k, v in statuses.items())} | "
        f"{statistics.median(baseline):.0f} / {_percentile(baseline, 0.95):.0f} | "
        f"{statistics.median(during):.0f} / {_percentile(during, 0.95):.0f} / "
        f"{max(during):.0f}, {len(during)} |"
    )
    append_result("login_flood", header, line)


if __name__ == "__main__":
    main()
