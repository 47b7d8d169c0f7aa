"""Sign-up, activation, a new activation link, and the purge of accounts never activated (guide §3)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import passwords, throttling, tokens
from portal.accounts.errors import LinkInvalid, RateLimited
from portal.accounts.forms import Identity, normalise_email
from portal.accounts.hooks import AccountHooks
from portal.accounts.models import Account
from portal.accounts.records import by_email, erase, sent_count
from portal.db import Database
from portal.mail.outbox import enqueue
from portal.settings import Settings
from portal.web.links import Links

security = logging.getLogger("portal.security")

ACTIVATION_DELAY = tokens.VALIDITY[tokens.ACTIVATION]
RESEND_LIMIT = 5  # activation mails per account ...
RESEND_WINDOW = timedelta(hours=1)  # ... and per hour


async def _send_activation(
    session: AsyncSession, settings: Settings, links: Links, now: datetime, account: Account
) -> None:
    token = tokens.make(
        settings.secret_key, tokens.ACTIVATION, now, a=account.id, n=account.activation_nonce
    )
    await enqueue(
        session,
        settings,
        now,
        kind="activation",
        to=account.email,
        account_id=account.id,
        link=links.absolute("accounts:activate", token=token),
    )


async def sign_up(
    db: Database,
    settings: Settings,
    links: Links,
    hooks: AccountHooks,
    now: datetime,
    identity: Identity,
    email: str,
    password: str,
    *,
    address: str = "",
) -> str:
    """Create a pending account and queue its activation mail; returns the normalised email.

    With an email that already has an account, nothing is created and its owner gets a mail
    saying someone tried: the visitor sees the same "MERCI" page either way. The password is
    hashed in both cases, so the answer takes the same time. A burst from one address is refused
    (RateLimited) before any hash starts; the owner's notice goes at most once an hour.
    """
    wait = await throttling.take(db, settings, throttling.SIGNUP, address, now)
    if wait:
        security.warning("signup refused: too many from this address (address=%s)", address)
        raise RateLimited(wait)
    email = normalise_email(email)
    password_hash = await passwords.hash_password(password, settings)
    async with db.write() as session:
        existing = await by_email(session, email)
        if (
            existing is not None
            and not existing.is_active
            and existing.activation_expires_at <= now
        ):
            await erase(session, [existing], hooks)  # expired: the person starts again (guide §3)
            existing = None
        if existing is not None:
            if await throttling.notice_sent_recently(
                session, existing.email, "signup_attempt", now
            ):
                security.info("signup refused: email in use, owner told already this hour")
                return email
            await enqueue(
                session,
                settings,
                now,
                kind="signup_attempt",
                to=existing.email,
                account_id=existing.id,
                active=existing.is_active,
                login_link=links.absolute("accounts:login"),
                reset_link=links.absolute("accounts:forgot"),
                resend_link=links.absolute("accounts:resend"),
            )
            security.info(
                "signup refused: email in use (account=%s address=%s)", existing.id, address
            )
            return email
        account = Account(
            email=email,
            civility=identity.civility,
            birth_name=identity.birth_name,
            usage_name=identity.usage_name,
            first_names=identity.first_names,
            birth_country_code=identity.birth_country_code,
            birth_date=identity.birth_date,
            birth_department_code=identity.birth_department_code,
            birth_city=identity.birth_city,
            password_hash=password_hash,
            password_changed_at=now,
            activation_nonce=secrets.token_urlsafe(16),
            activation_expires_at=now + ACTIVATION_DELAY,
            created_at=now,
            updated_at=now,
        )
        session.add(account)
        await session.flush()
        await _send_activation(session, settings, links, now, account)
        security.info("signup (account=%s address=%s)", account.id, address)
    return email


async def activate(db: Database, settings: Settings, now: datetime, token: str) -> str:
    """Activate the account of an activation link: "activated" or "already"; else LinkInvalid.

    One conditional UPDATE in a write transaction: it only touches a pending, unexpired account
    whose nonce is the link's, so activation and the purge cannot both win.
    """
    expired_message = (
        "Ce lien d'activation n'est plus valable : il n'était valable que 48h. "
        "Passé ce délai, les informations du compte sont effacées."
    )
    invalid_message = (
        "Ce lien d'activation n'est pas valable : il est incomplet, ou un lien plus récent "
        "vous a été envoyé."
    )
    try:
        payload = tokens.read(settings.secret_key, tokens.ACTIVATION, token, now)
    except tokens.TokenExpired as exc:
        raise LinkInvalid(expired_message, expired=True) from exc
    except tokens.TokenInvalid as exc:
        raise LinkInvalid(invalid_message) from exc
    account_id, nonce = payload.get("a"), payload.get("n")
    async with db.write() as session:
        result = await session.exec(
            update(Account)
            .where(
                Account.id == account_id,
                Account.activation_nonce == nonce,
                Account.activated_at.is_(None),  # type: ignore[union-attr]
                Account.activation_expires_at > now,
            )
            .values(activated_at=now, updated_at=now)
        )
        if result.rowcount == 1:
            security.info("activation (account=%s)", account_id)
            return "activated"
        account = await session.get(Account, account_id)
    if account is not None and account.is_active and account.activation_nonce == nonce:
        return "already"
    if account is not None and not account.is_active and account.activation_expires_at <= now:
        raise LinkInvalid(expired_message, expired=True)
    raise LinkInvalid(invalid_message)


async def resend_activation(
    db: Database,
    settings: Settings,
    links: Links,
    now: datetime,
    email: str,
    *,
    address: str = "",
) -> None:
    """A new activation link for an account not yet activated: a new nonce, so every link sent
    before stops working, and 48 h from now, also for an account whose first 48 h are over but
    that the purge has not erased yet. Says nothing about whether the email has an account.

    At most ``RESEND_LIMIT`` activation mails per account and hour, so nobody can flood a
    mailbox through this form (the limits per source address are the throttle's).
    """
    wait = await throttling.take(db, settings, throttling.RESEND, address, now)
    if wait:
        security.warning("activation resend refused: too many (address=%s)", address)
        raise RateLimited(wait)
    email = normalise_email(email)
    async with db.write() as session:
        account = await by_email(session, email)
        if account is None or account.is_active:
            return
        if await sent_count(session, account.id, "activation", now - RESEND_WINDOW) >= RESEND_LIMIT:  # type: ignore[arg-type]
            security.warning(
                "activation link not sent again: limit reached (account=%s address=%s)",
                account.id,
                address,
            )
            return
        account.activation_nonce = secrets.token_urlsafe(16)
        account.activation_expires_at = now + ACTIVATION_DELAY
        account.updated_at = now
        await session.flush()
        await _send_activation(session, settings, links, now, account)
        security.info("activation link sent again (account=%s address=%s)", account.id, address)


async def purge_unactivated(db: Database, now: datetime, hooks: AccountHooks) -> int:
    """Erase the accounts not activated in time, with everything attached. Idempotent.

    In one write transaction, and only rows still pending and expired: an activation that won the
    race has set ``activated_at`` and its account is left alone.
    """
    async with db.write() as session:
        expired = (
            await session.exec(
                select(Account).where(
                    Account.activated_at.is_(None),  # type: ignore[union-attr]
                    Account.activation_expires_at <= now,
                )
            )
        ).all()
        if not expired:
            return 0
        await erase(session, list(expired), hooks)
        await throttling.purge_stale(session, now)
    security.info("purge: %s account(s) not activated within 48h erased", len(expired))
    return len(expired)
