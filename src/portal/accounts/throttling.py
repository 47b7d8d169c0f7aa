"""Login throttling, shared by every worker through the database (DECISIONS.md 5).

Two counters of consecutive failures are kept: one per login identifier (a hash of the normalised
email, so an unknown email is throttled exactly like a known one and throttling reveals nothing),
one per client address (with more room, since a school or a family shares one). After a few
failures each new one imposes a growing delay; from the 10th consecutive failure, a pause (CNIL
deliberation 2022-100 for 8-character passwords). A success or a password reset clears the
identifier's counter: the owner can always get back in through the reset link.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import LoginThrottle

FREE_FAILURES = 4  # the first failures cost nothing (typos happen)
MAX_FAILURES = 10  # from this many consecutive failures on, each failure means a pause
PAUSE = timedelta(minutes=30)
FORGET_AFTER = timedelta(hours=24)  # a counter untouched this long starts again from zero
ADDRESS_FACTOR = 5  # a client address may fail five times more than one identifier


def login_key(email: str) -> str:
    return "login:" + hashlib.sha256(email.encode()).hexdigest()[:40]


def address_key(address: str) -> str:
    return f"address:{address}"[:80]


def delay_after(failures: int) -> timedelta:
    """The wait imposed after ``failures`` consecutive failures: 0, then 1, 2, 4, 8, 16 minutes,
    then a 30-minute pause from the 10th failure on."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    if failures >= MAX_FAILURES:
        return PAUSE
    return timedelta(minutes=2 ** (failures - FREE_FAILURES - 1))


def _delay_for(key: str, failures: int) -> timedelta:
    if key.startswith("address:"):
        return delay_after(math.ceil(failures / ADDRESS_FACTOR))
    return delay_after(failures)


async def locked_for(session: AsyncSession, keys: Iterable[str], now: datetime) -> timedelta | None:
    """How long these keys must still wait, or None if they may try now."""
    rows = (
        await session.exec(select(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))
    ).all()  # type: ignore[attr-defined]
    waits = [row.locked_until - now for row in rows if row.locked_until and row.locked_until > now]
    return max(waits) if waits else None


async def record_failure(
    session: AsyncSession, keys: Iterable[str], now: datetime
) -> timedelta | None:
    """Count one more failure for each key (call inside a write transaction)."""
    waits: list[timedelta] = []
    for key in keys:
        row = await session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        delay = _delay_for(key, row.failures)
        row.locked_until = now + delay if delay else None
        if delay:
            waits.append(delay)
    await session.flush()
    return max(waits) if waits else None


async def clear(session: AsyncSession, *keys: str) -> None:
    await session.exec(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))  # type: ignore[attr-defined]


async def purge_stale(session: AsyncSession, now: datetime) -> int:
    result = await session.exec(
        delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER)
    )
    return result.rowcount or 0


def minutes_label(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    ip = _parse(address)
    if ip is None:
        return False
    for proxy in proxies:
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[str, ...]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy, in which case the
    right-most address of X-Forwarded-For that is not itself a trusted proxy."""
    address = peer or "unknown"
    if not forwarded_for or not _is_trusted(address, proxies):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if _parse(hop) is None:
            break
        address = hop
        if not _is_trusted(hop, proxies):
            break
    return address
