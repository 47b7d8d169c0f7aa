"""Password reset by a mailed link (guide §3): 1 h, single use, ends every session."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, update

from portal.accounts import passwords, throttling, tokens
from portal.accounts.errors import LinkInvalid, RateLimited
from portal.accounts.forms import normalise_email
from portal.accounts.models import Account
from portal.accounts.records import by_email, get_account, sent_recently
from portal.db import Database
from portal.mail.outbox import enqueue
from portal.settings import Settings
from portal.web.links import Links
from portal.web.sessions import end_account_sessions

security = logging.getLogger("portal.security")


RESET_INVALID = (
    "Ce lien de réinitialisation n'est pas ou plus valable : il n'est valable qu'une heure et "
    "une seule fois. Demandez-en un nouveau."
)


async def request_reset(
    db: Database,
    settings: Settings,
    links: Links,
    now: datetime,
    email: str,
    *,
    address: str = "",
) -> None:
    """Mail a reset link (1 h, single use) if the email has an account; says nothing either way.
    A burst from one address is refused (RateLimited)."""
    wait = await throttling.take(db, settings, throttling.RESET, address, now)
    if wait:
        security.warning("password reset refused: too many (address=%s)", address)
        raise RateLimited(wait)
    email = normalise_email(email)
    async with db.write() as session:
        account = await by_email(session, email)
        if account is None or (not account.is_active and account.activation_expires_at <= now):
            return
        if await sent_recently(session, account.id, "reset", now):  # type: ignore[arg-type]
            return
        token = tokens.make(
            settings.secret_key,
            tokens.RESET,
            now,
            a=account.id,
            f=passwords.fingerprint(account.password_hash),
        )
        await enqueue(
            session,
            settings,
            now,
            kind="reset",
            to=account.email,
            account_id=account.id,
            link=links.absolute("accounts:reset", token=token),
        )
        security.info("password reset asked (account=%s address=%s)", account.id, address)


async def reset_target(db: Database, settings: Settings, now: datetime, token: str) -> Account:
    """The account a reset link is for, if the link is still good."""
    try:
        payload = tokens.read(settings.secret_key, tokens.RESET, token, now)
    except tokens.TokenExpired as exc:
        raise LinkInvalid(RESET_INVALID, expired=True) from exc
    except tokens.TokenInvalid as exc:
        raise LinkInvalid(RESET_INVALID) from exc
    account = await get_account(db, payload.get("a"))  # type: ignore[arg-type]
    if account is None or passwords.fingerprint(account.password_hash) != payload.get("f"):
        raise LinkInvalid(RESET_INVALID)  # used already, or the password changed since
    return account


async def reset_password(
    db: Database,
    settings: Settings,
    links: Links,
    now: datetime,
    token: str,
    password: str,
    *,
    address: str = "",
) -> Account:
    """Set a new password from a reset link; ends every session of the account, mails the owner.

    A reset also activates a pending account: the link proved the mailbox is theirs.
    """
    account = await reset_target(db, settings, now, token)
    new_hash = await passwords.hash_password(password, settings)
    async with db.write() as session:
        result = await session.exec(
            update(Account)
            .where(Account.id == account.id, Account.password_hash == account.password_hash)
            .values(
                password_hash=new_hash,
                password_changed_at=now,
                updated_at=now,
                activated_at=func.coalesce(Account.activated_at, now),
            )
        )
        if result.rowcount != 1:
            raise LinkInvalid(RESET_INVALID)
        await end_account_sessions(session, account.id)  # type: ignore[arg-type]
        await throttling.clear(session, throttling.login_key(account.email))
        await enqueue(
            session,
            settings,
            now,
            kind="password_changed",
            to=account.email,
            account_id=account.id,
            reset_link=links.absolute("accounts:forgot"),
        )
    security.info(
        "password reset done, sessions ended (account=%s address=%s)", account.id, address
    )
    return account
