"""Login (guide §3): one answer for an unknown email and a wrong password, and throttling.

The attempt is reserved before the password is verified (``throttling.reserve``): a burst of
concurrent requests for one account, or from one address, gets at most the allowed number of
password verifications, and every other request is refused (LoginThrottled, a 429) without any
hash work, the right password included.
"""

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
    login_key, address_key = throttling.login_key(email), throttling.address_key(address)
    reservation = await throttling.reserve(db, [login_key, address_key], now)
    if reservation.refused:
        security.warning("login refused while throttled (address=%s)", address)
        raise LoginThrottled(reservation.refused)
    async with db.read() as session:
        account = await by_email(session, email)
    if account is None:
        await passwords.dummy_verify(password, settings)
        ok = False
    else:
        ok = await passwords.verify_password(account.password_hash, password, settings)
    if not ok:  # the failure is counted already: the reservation was one
        wait = reservation.wait_if_wrong
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
    assert account is not None
    if not account.is_active:
        async with db.write() as session:  # a right password is not a failure
            await throttling.give_back(session, login_key, address_key)
        security.info("login refused: account not activated (account=%s)", account.id)
        raise AccountNotActive(account, now)
    new_hash = None
    if passwords.needs_rehash(account.password_hash, settings):
        new_hash = await passwords.hash_password(password, settings)
    async with db.write() as session:
        await throttling.clear(session, login_key)
        await throttling.give_back(session, address_key)
        if new_hash:
            await session.exec(
                update(Account)
                .where(Account.id == account.id, Account.password_hash == account.password_hash)
                .values(password_hash=new_hash)
            )
            security.info("password hash upgraded (account=%s)", account.id)
    security.info("login success (account=%s address=%s)", account.id, address)
    return account
