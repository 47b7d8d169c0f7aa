"""Password hashing with argon2id (DECISIONS.md 5), off the event loop and bounded in concurrency.

Each hash takes ``password_hash_memory_kib`` of memory (19 MiB by default, OWASP's minimum) for a
few tens of milliseconds of CPU: it runs in a thread (``asyncio.to_thread``) so the event loop
keeps serving pages, behind a semaphore so that a burst of sign-ups queues instead of exhausting
memory. Hashing a new password (sign-up, reset, change) and verifying one (login) have a lane each,
``password_hash_concurrency`` slots apiece: a login never waits behind a queue of sign-up hashes
(issue 17: a login took 1.4 s during a sign-up flood). Passwords are normalised to NFC and never
truncated.
"""

from __future__ import annotations

import asyncio
import unicodedata
import weakref
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from portal.settings import Settings

_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)
HASH, VERIFY = "hash", "verify"  # the two lanes


@lru_cache(maxsize=8)
def hasher(memory_kib: int, iterations: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=iterations,
        memory_cost=memory_kib,
        parallelism=1,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def _hasher(settings: Settings) -> PasswordHasher:
    return hasher(settings.password_hash_memory_kib, settings.password_hash_iterations)


def _semaphore(settings: Settings, lane: str = HASH) -> asyncio.Semaphore:
    lanes = _semaphores.setdefault(asyncio.get_running_loop(), {})
    semaphore = lanes.get(lane)
    if semaphore is None:
        semaphore = lanes[lane] = asyncio.Semaphore(settings.password_hash_concurrency)
    return semaphore


def normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def hash_password_sync(password: str, settings: Settings) -> str:
    return _hasher(settings).hash(normalise(password))


async def hash_password(password: str, settings: Settings) -> str:
    async with _semaphore(settings):
        return await asyncio.to_thread(hash_password_sync, password, settings)


def _verify_sync(stored_hash: str, password: str, settings: Settings) -> bool:
    try:
        return _hasher(settings).verify(stored_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored_hash: str, password: str, settings: Settings) -> bool:
    async with _semaphore(settings, VERIFY):
        return await asyncio.to_thread(_verify_sync, stored_hash, password, settings)


def needs_rehash(stored_hash: str, settings: Settings) -> bool:
    try:
        return _hasher(settings).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=8)
def _dummy_hash(memory_kib: int, iterations: int) -> str:
    return hasher(memory_kib, iterations).hash("portal: no such account")


async def dummy_verify(password: str, settings: Settings) -> None:
    """Spend the time of a real check when the email is unknown, so timing reveals nothing."""
    stored = await asyncio.to_thread(
        _dummy_hash, settings.password_hash_memory_kib, settings.password_hash_iterations
    )
    await verify_password(stored, password, settings)


def fingerprint(stored_hash: str) -> str:
    """A short digest of the current hash: tokens carrying it die when the password changes."""
    import hashlib

    return hashlib.sha256(stored_hash.encode()).hexdigest()[:16]
