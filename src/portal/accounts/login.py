"""Login (guide §3): one answer for an unknown email and a wrong password, and throttling."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update

from portal.accounts import passwords, throttling
from portal.accounts.errors import AccountNotActive, LoginFailed, LoginThrottled
from portal.accounts.forms import normalise_email
from portal.accounts.models import Account
from portal.accounts.records import by_email
from portal.db import Database
from portal.settings import Settings

security = logging.getLogger("portal.security")


async def authenticate(
    db: Database, settings: Settings, now: datetime, email: str, password: str, *, address: str
) -> Account:
    """The account for this email and password, or LoginFailed / LoginThrottled / AccountNotActive.

    An unknown email and a wrong password get the same answer after the same work (a dummy hash
    is checked), and both count against the same throttling counters.
    """
    email = normalise_email(email)
    keys = [throttling.login_key(email), throttling.address_key(address)]
    async with db.read() as session:
        wait = await throttling.locked_for(session, keys, now)
        account = await by_email(session, email)
    if wait:
        security.warning("login refused while throttled (address=%s)", address)
        raise LoginThrottled(wait)
    if account is None:
        await passwords.dummy_verify(password, settings)
        ok = False
    else:
        ok = await passwords.verify_password(account.password_hash, password, settings)
    if not ok:
        async with db.write() as session:
            wait = await throttling.record_failure(session, keys, now)
        security.warning(
            "login failure (account=%s address=%s)", account.id if account else "unknown", address
        )
        if wait and wait >= throttling.PAUSE:
            security.warning(
                "lockout: login paused (account=%s address=%s)",
                account.id if account else "unknown",
                address,
            )
        raise LoginFailed(wait)
    if not account.is_active:  # type: ignore[union-attr]
        security.info("login refused: account not activated (account=%s)", account.id)  # type: ignore[union-attr]
        raise AccountNotActive(account, now)
    assert account is not None
    new_hash = None
    if passwords.needs_rehash(account.password_hash, settings):
        new_hash = await passwords.hash_password(password, settings)
    async with db.write() as session:
        await throttling.clear(session, keys[0])
        if new_hash:
            await session.exec(
                update(Account)
                .where(Account.id == account.id, Account.password_hash == account.password_hash)
                .values(password_hash=new_hash)
            )
            security.info("password hash upgraded (account=%s)", account.id)
    security.info("login success (account=%s address=%s)", account.id, address)
    return account
