""" "Modifier mon compte" (guide §4): identity while unlocked, a new email by link, a new password."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import passwords, throttling, tokens
from portal.accounts.errors import AccountError, LinkInvalid, LoginThrottled, RateLimited
from portal.accounts.forms import Identity, normalise_email
from portal.accounts.hooks import AccountHooks
from portal.accounts.models import Account
from portal.accounts.records import by_email, get_account
from portal.db import Database
from portal.mail.outbox import enqueue
from portal.settings import Settings
from portal.web.links import Links
from portal.web.sessions import end_account_sessions

security = logging.getLogger("portal.security")


@dataclass
class Changes:
    identity: bool = False
    email_pending: str | None = None
    password: bool = False
    locked: bool = False

    @property
    def any(self) -> bool:
        return self.identity or bool(self.email_pending) or self.password


async def is_locked(db: Database, hooks: AccountHooks, account_id: int) -> bool:
    async with db.read() as session:
        return await hooks.is_locked(session, account_id)


async def lock_state(db: Database, hooks: AccountHooks, account_id: int) -> tuple[bool, list[Any]]:
    """Whether the identity is locked, and every office to contact about it (guide §4)."""
    async with db.read() as session:
        locked = await hooks.is_locked(session, account_id)
        offices = list(await hooks.lock_offices(session, account_id)) if locked else []
    return locked, offices


async def update_account(
    db: Database,
    settings: Settings,
    links: Links,
    hooks: AccountHooks,
    now: datetime,
    account_id: int,
    *,
    identity: Identity | None,
    email: str,
    new_password: str,
    current_password: str,
    keep_session: str | None,
    address: str = "",
) -> Changes:
    """Apply "Modifier mon compte". Identity changes only while no registration exists (guide §4);
    a new email waits for confirmation by link; a new password needs the current one."""
    account = await get_account(db, account_id)
    if account is None:
        raise AccountError("Ce compte n'existe plus.")
    email = normalise_email(email)
    changes = Changes()
    email_changes = email != account.email
    if email_changes:
        wait = await throttling.take(db, settings, throttling.EMAIL_CHANGE, address, now)
        if wait:
            security.warning("email change refused: too many (address=%s)", address)
            raise RateLimited(wait)
    if email_changes or new_password:
        await _check_current_password(db, settings, now, account, current_password, address)
    new_hash = await passwords.hash_password(new_password, settings) if new_password else None
    async with db.write() as session:
        current = await session.get(Account, account_id)
        assert current is not None
        changes.locked = await hooks.is_locked(session, account_id)
        if identity is not None and not changes.locked:
            for name, value in vars(identity).items():
                if getattr(current, name) != value:
                    setattr(current, name, value)
                    changes.identity = True
        if new_hash is not None:
            current.password_hash = new_hash
            current.password_changed_at = now
            changes.password = True
            await end_account_sessions(session, account_id, keep=keep_session)
            await enqueue(
                session,
                settings,
                now,
                kind="password_changed",
                to=current.email,
                account_id=account_id,
                reset_link=links.absolute("accounts:forgot"),
            )
            security.info(
                "password changed, other sessions ended (account=%s address=%s)",
                account_id,
                address,
            )
        if email_changes:
            await _ask_email_change(session, settings, links, now, current, email)
            changes.email_pending = email
            security.info("email change asked (account=%s address=%s)", account_id, address)
        if changes.any:
            current.updated_at = now
    return changes


async def _check_current_password(
    db: Database, settings: Settings, now: datetime, account: Account, password: str, address: str
) -> None:
    if not password:
        raise AccountError(
            "Saisissez votre mot de passe actuel pour changer d'adresse mail ou de mot de passe.",
            field="current_password",
        )
    keys = [throttling.login_key(account.email), throttling.address_key(address)]
    reservation = await throttling.reserve(db, keys, now)  # before the hash work, as at login
    if reservation.refused:
        raise LoginThrottled(reservation.refused)
    if not await passwords.verify_password(account.password_hash, password, settings):
        security.warning("wrong current password (account=%s address=%s)", account.id, address)
        raise AccountError("Le mot de passe actuel n'est pas correct.", field="current_password")
    async with db.write() as session:
        await throttling.give_back(session, *keys)


async def _ask_email_change(
    session: AsyncSession,
    settings: Settings,
    links: Links,
    now: datetime,
    account: Account,
    new_email: str,
) -> None:
    account.pending_email = new_email
    other = await by_email(session, new_email)
    if other is not None:
        # Do not tell the requester; tell the address's owner someone tried to use it (once an hour).
        if not await throttling.notice_sent_recently(session, other.email, "email_taken", now):
            await enqueue(
                session,
                settings,
                now,
                kind="email_taken",
                to=other.email,
                account_id=other.id,
                reset_link=links.absolute("accounts:forgot"),
            )
    else:
        token = tokens.make(
            settings.secret_key,
            tokens.EMAIL_CHANGE,
            now,
            a=account.id,
            e=new_email,
            f=passwords.fingerprint(account.email),
        )
        await enqueue(
            session,
            settings,
            now,
            kind="email_change",
            to=new_email,
            account_id=account.id,
            link=links.absolute("accounts:confirm_email", token=token),
        )
    if await throttling.notice_sent_recently(session, account.email, "email_change_notice", now):
        return
    await enqueue(
        session,
        settings,
        now,
        kind="email_change_notice",
        to=account.email,
        account_id=account.id,
        new_email=new_email,
        reset_link=links.absolute("accounts:forgot"),
    )


EMAIL_LINK_INVALID = (
    "Ce lien de confirmation n'est pas ou plus valable : il n'est valable que 24 heures et une "
    "seule fois, et seul le dernier lien demandé fonctionne."
)


async def confirm_email(db: Database, settings: Settings, now: datetime, token: str) -> Account:
    try:
        payload = tokens.read(settings.secret_key, tokens.EMAIL_CHANGE, token, now)
    except tokens.TokenInvalid as exc:
        raise LinkInvalid(EMAIL_LINK_INVALID) from exc
    new_email = payload.get("e")
    async with db.write() as session:
        account = await session.get(Account, payload.get("a"))
        if (
            account is None
            or account.pending_email != new_email
            or passwords.fingerprint(account.email) != payload.get("f")
        ):
            raise LinkInvalid(EMAIL_LINK_INVALID)
        if await by_email(session, new_email) is not None:  # type: ignore[arg-type]
            raise AccountError("Cette adresse mail est déjà l'identifiant d'un autre compte.")
        old_email = account.email
        account.email = new_email  # type: ignore[assignment]
        account.pending_email = None
        account.updated_at = now
        await throttling.clear(session, throttling.login_key(old_email))
        await enqueue(
            session,
            settings,
            now,
            kind="email_changed",
            to=old_email,
            account_id=account.id,
            new_email=new_email,
        )
    security.info("email changed (account=%s)", account.id)
    return account
