"""Login throttling and limits per client address, shared by every worker through the database
(DECISIONS.md 5, issue 17).

Login: two counters of consecutive failures are kept: one per login identifier (a hash of the normalised
email, so an unknown email is throttled exactly like a known one and throttling reveals nothing),
one per client address (with more room, since a school or a family shares one). After a few
failures each new one imposes a growing delay; from the 10th consecutive failure, a pause (CNIL
deliberation 2022-100 for 8-character passwords). A success or a password reset clears the
identifier's counter: the owner can always get back in through the reset link.

An attempt is *reserved* before its password is verified: in one write transaction (BEGIN
IMMEDIATE on SQLite, rows locked FOR UPDATE on PostgreSQL) the counters are checked and the
attempt is counted as a failure; only then is the password verified, and a right password gives
the reservation back. So N concurrent requests for one account get at most the allowed number of
verifications (``FREE_FAILURES + 1`` before the first delay), the others are refused before any
hash work; counting after the verification would let a whole burst through the check together.

Limits per address (sign-up, forgotten password, new activation link, email change): a token bucket
per action and address (``take``), sizes in the settings. Notice mails to a third party ("Tentative
de création de compte", email-change notices) go at most once per recipient and hour.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import LoginThrottle, RateLimit
from portal.db import Database
from portal.mail.models import OutboxMail
from portal.settings import Settings

FREE_FAILURES = 4  # the first failures cost nothing (typos happen)
MAX_FAILURES = 10  # from this many consecutive failures on, each failure means a pause
PAUSE = timedelta(minutes=30)
FORGET_AFTER = timedelta(hours=24)  # a counter untouched this long starts again from zero
ADDRESS_FACTOR = 5  # a client address may fail five times more than one identifier
NOTICE_INTERVAL = timedelta(hours=1)  # one notice mail per recipient (and kind) per hour
NOTICE_KINDS = ("signup_attempt", "email_change_notice", "email_taken")


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


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    """The dialect's INSERT, for ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def _lock_rows(
    session: AsyncSession, keys: Sequence[str], now: datetime
) -> list[LoginThrottle]:
    """The counters of these keys, created if missing, locked for this transaction (FOR UPDATE
    on PostgreSQL; on SQLite the write transaction holds the database lock already)."""
    insert = _insert(session)
    await session.exec(
        insert(LoginThrottle)
        .values([{"key": k, "failures": 0, "last_failure_at": now} for k in keys])
        .on_conflict_do_nothing(index_elements=["key"])
    )  # type: ignore[call-overload]
    statement = (
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(list(keys)))  # type: ignore[attr-defined]
        .order_by(LoginThrottle.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.exec(statement)).all())


@dataclass(frozen=True)
class Reservation:
    """One login attempt counted before its password is verified.

    ``refused`` is how long to wait when the attempt may not be made at all; ``wait_if_wrong`` the
    delay the attempt has set should its password be wrong (said on the page)."""

    keys: tuple[str, ...]
    refused: timedelta | None = None
    wait_if_wrong: timedelta | None = None


async def reserve(db: Database, keys: Sequence[str], now: datetime) -> Reservation:
    """Check the counters and count this attempt as a failure, in one write transaction; the
    caller verifies the password only if ``refused`` is None."""
    async with db.write() as session:
        rows = await _lock_rows(session, keys, now)
        waits = [r.locked_until - now for r in rows if r.locked_until and r.locked_until > now]
        if waits:
            return Reservation(tuple(keys), refused=max(waits))
        delays: list[timedelta] = []
        for row in rows:
            if now - row.last_failure_at > FORGET_AFTER:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            delay = _delay_for(row.key, row.failures)
            row.locked_until = now + delay if delay else None
            if delay:
                delays.append(delay)
    return Reservation(tuple(keys), wait_if_wrong=max(delays) if delays else None)


async def give_back(session: AsyncSession, *keys: str) -> None:
    """Undo one reserved attempt of these keys (its password was right): one failure less, and
    no delay left if the remaining count imposes none."""
    rows = (
        await session.exec(
            select(LoginThrottle)
            .where(LoginThrottle.key.in_(keys))  # type: ignore[attr-defined]
            .order_by(LoginThrottle.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    for row in rows:
        row.failures = max(0, row.failures - 1)
        if not _delay_for(row.key, row.failures):
            row.locked_until = None


async def clear(session: AsyncSession, *keys: str) -> None:
    await session.exec(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))  # type: ignore[attr-defined]


async def purge_stale(session: AsyncSession, now: datetime) -> int:
    result = await session.exec(
        delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER)
    )
    # a bucket untouched for a day is full again: its row says nothing more than no row
    await session.exec(delete(RateLimit).where(RateLimit.updated_at < now - FORGET_AFTER))  # type: ignore[arg-type]
    return result.rowcount or 0


# -- limits per client address --------------------------------------------------------------------
SIGNUP = "signup"
RESET = "reset"
RESEND = "resend"
EMAIL_CHANGE = "email"
SAVE = "save"  # "Enregistrer", keyed by account (see registrations/controllers/responses.py)


# A bucket's three statements, built once with bound parameters (every "Enregistrer" runs them:
# building them cost more than running them, bench/RESULTS.md).
def _new_bucket(insert: Any) -> Any:
    return (
        insert(RateLimit)
        .values(key=bindparam("bucket"), tokens=bindparam("full"), updated_at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=["key"])
    )


_NEW_BUCKET = {"sqlite": _new_bucket(sqlite_insert), "postgresql": _new_bucket(pg_insert)}
_BUCKET = (
    select(col(RateLimit.tokens), col(RateLimit.updated_at))
    .where(col(RateLimit.key) == bindparam("bucket"))
    .with_for_update()
)
_TAKE = (
    update(RateLimit)
    .where(col(RateLimit.key) == bindparam("bucket"))
    .values(tokens=bindparam("left"), updated_at=bindparam("at"))
)


async def take(
    db: Database, settings: Settings, action: str, address: str, now: datetime
) -> timedelta | None:
    """Take one token from the bucket of ``action`` for this client address, in one write
    transaction; None if the request may go on, else how long until a token is back (and then
    nothing is written). Without an address (not a web request) there is no limit.

    A token bucket shapes bursts rather than volume: ``rate_limit_burst`` requests at once, then
    one per ``rate_limit_refill_seconds``."""
    if not address:
        return None
    burst = float(settings.rate_limit_burst)
    refill = float(settings.rate_limit_refill_seconds)
    key = f"{action}:{address}"[:120]
    async with db.write() as session:
        connection = await session.connection()
        dialect = connection.dialect.name
        await connection.execute(_NEW_BUCKET[dialect], {"bucket": key, "full": burst, "at": now})
        tokens_left, updated_at = (await connection.execute(_BUCKET, {"bucket": key})).one()
        elapsed = max(0.0, (now - updated_at).total_seconds())
        tokens = min(burst, tokens_left + elapsed / refill)
        if tokens < 1:
            return timedelta(seconds=math.ceil((1 - tokens) * refill))
        await connection.execute(_TAKE, {"bucket": key, "left": tokens - 1, "at": now})
    return None


async def notice_sent_recently(session: AsyncSession, to: str, kind: str, now: datetime) -> bool:
    """Whether a notice of this kind went to this recipient within the hour (call it inside the
    write transaction that would enqueue the next one)."""
    statement = select(OutboxMail.id).where(
        OutboxMail.to_address == to,
        OutboxMail.kind == kind,
        OutboxMail.created_at > now - NOTICE_INTERVAL,
    )
    return (await session.exec(statement)).first() is not None


def retry_after(wait: timedelta) -> int:
    """Seconds for a Retry-After header (at least 1)."""
    return max(1, math.ceil(wait.total_seconds()))


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
