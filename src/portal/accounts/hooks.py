"""What Accounts needs from the domains built on it, passed in at composition.

Accounts imports none of them: ``portal.composition`` fills an ``AccountHooks`` and the app
provides it (the ``account_hooks`` dependency, and ``app.state.account_hooks`` for the jobs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

IsLocked = Callable[[AsyncSession, int], Awaitable[bool]]
# Whom to contact once the identity is locked: each managing office, in the order to show.
LockOffices = Callable[[AsyncSession, int], Awaitable[Sequence[Any]]]
# One domain's part of "Mes données": sections keyed by their French name.
Export = Callable[[AsyncSession, int], Awaitable[dict[str, Any]]]
# Delete what a domain holds about these accounts, in the transaction that erases them.
Erase = Callable[[AsyncSession, list[int]], Awaitable[None]]


async def never_locked(session: AsyncSession, account_id: int) -> bool:
    return False


async def no_offices(session: AsyncSession, account_id: int) -> list[Any]:
    return []


@dataclass(frozen=True)
class AccountHooks:
    is_locked: IsLocked = never_locked  # the identity can no longer change (guide §4)
    lock_offices: LockOffices = no_offices  # whom to contact once it is locked
    exports: tuple[Export, ...] = ()
    erasers: tuple[Erase, ...] = ()
