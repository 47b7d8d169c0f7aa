"""Account rules (guide §3 and §4). Controllers translate HTTP to these calls and back.

Every function takes the database, the settings and ``now`` (the portal's clock). Passwords are
hashed before a write transaction opens, never while it holds the write lock. Mails are written to
the outbox inside the transaction of their event. Security events go to the "portal.security"
logger, with ids and addresses but never a password, a token or a link.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import passwords, throttling, tokens
from portal.accounts.forms import FormContext, Identity, normalise_email
from portal.accounts.models import Account, LoginThrottle
from portal.catalog.models import Country, Department
from portal.db import Database
from portal.mail.models import OutboxMail
from portal.mail.outbox import enqueue
from portal.registrations.models import Registration
from portal.registrations.service import has_active_registration
from portal.settings import Settings
from portal.web.sessions import WebSession, end_account_sessions

security = logging.getLogger("portal.security")

ACTIVATION_DELAY = tokens.VALIDITY[tokens.ACTIVATION]
MAIL_COOLDOWN = timedelta(seconds=60)  # one activation or reset mail per minute and account


class AccountError(Exception):
    """A rule said no; ``message`` is for the candidate, ``field`` names the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class LinkInvalid(AccountError):
    """A signed link that is altered, superseded, already used or expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class LoginFailed(AccountError):
    def __init__(self, wait: timedelta | None = None) -> None:
        message = "Adresse mail ou mot de passe incorrect."
        if wait:
            message += f" Par sécurité, réessayez dans {throttling.minutes_label(wait)}."
        super().__init__(message)
        self.wait = wait


class LoginThrottled(AccountError):
    def __init__(self, wait: timedelta) -> None:
        super().__init__(
            "Trop de tentatives de connexion ont échoué. "
            f"Réessayez dans {throttling.minutes_label(wait)}, ou réinitialisez votre mot de passe."
        )
        self.wait = wait


class AccountNotActive(AccountError):
    def __init__(self) -> None:
        super().__init__(
            "Votre compte n'est pas encore activé : cliquez sur le lien contenu dans le mail "
            "reçu à la création du compte, ou demandez un nouveau lien."
        )


# -- reading -------------------------------------------------------------------------------------
async def form_context(
    db: Database, settings: Settings, now: datetime, *, editing: bool = False
) -> FormContext:
    async with db.read() as session:
        countries = (
            await session.exec(select(Country).order_by(Country.position, Country.name))
        ).all()
        departments = (await session.exec(select(Department).order_by(Department.code))).all()
    return FormContext(
        settings=settings,
        today=now.date(),
        countries=[(c.code, c.name) for c in countries],
        departments=[(d.code, d.label) for d in departments],
        editing=editing,
    )


async def by_email(session: AsyncSession, email: str) -> Account | None:
    return (await session.exec(select(Account).where(Account.email == email))).first()


async def get_account(db: Database, account_id: int) -> Account | None:
    async with db.read() as session:
        return await session.get(Account, account_id)


def _link(settings: Settings, path: str) -> str:
    return f"{settings.base_url}{path}"


async def _sent_recently(session: AsyncSession, account_id: int, kind: str, now: datetime) -> bool:
    statement = select(OutboxMail.id).where(
        OutboxMail.account_id == account_id,
        OutboxMail.kind == kind,
        OutboxMail.created_at > now - MAIL_COOLDOWN,
    )
    return (await session.exec(statement)).first() is not None


async def _send_activation(
    session: AsyncSession, settings: Settings, now: datetime, account: Account
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
        link=_link(settings, f"/compte/activer/{token}"),
    )


# -- sign-up and activation ----------------------------------------------------------------------
async def sign_up(
    db: Database,
    settings: Settings,
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
    hashed in both cases, so the answer takes the same time.
    """
    email = normalise_email(email)
    password_hash = await passwords.hash_password(password, settings)
    async with db.write() as session:
        existing = await by_email(session, email)
        if (
            existing is not None
            and not existing.is_active
            and existing.activation_expires_at <= now
        ):
            await _erase(session, [existing])  # expired: the person starts again (guide §3)
            existing = None
        if existing is not None:
            await enqueue(
                session,
                settings,
                now,
                kind="signup_attempt",
                to=existing.email,
                account_id=existing.id,
                active=existing.is_active,
                login_link=_link(settings, "/connexion"),
                reset_link=_link(settings, "/mot-de-passe/oublie"),
                resend_link=_link(settings, "/compte/renvoyer-lien"),
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
        await _send_activation(session, settings, now, account)
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
    db: Database, settings: Settings, now: datetime, email: str, *, address: str = ""
) -> None:
    """A new activation link (valid 48 h, the previous one stops working) for a pending account.
    Says nothing about whether the email has an account."""
    email = normalise_email(email)
    async with db.write() as session:
        account = await by_email(session, email)
        if (
            account is None
            or account.is_active
            or account.activation_expires_at <= now
            or await _sent_recently(session, account.id, "activation", now)  # type: ignore[arg-type]
        ):
            return
        account.activation_nonce = secrets.token_urlsafe(16)
        account.activation_expires_at = now + ACTIVATION_DELAY
        account.updated_at = now
        await session.flush()
        await _send_activation(session, settings, now, account)
        security.info("activation link sent again (account=%s address=%s)", account.id, address)


async def _erase(session: AsyncSession, accounts: list[Account]) -> None:
    """Delete accounts with everything attached to them."""
    ids = [a.id for a in accounts]
    await session.exec(delete(OutboxMail).where(OutboxMail.account_id.in_(ids)))  # type: ignore[union-attr]
    await session.exec(delete(WebSession).where(WebSession.account_id.in_(ids)))  # type: ignore[union-attr]
    await session.exec(delete(Registration).where(Registration.account_id.in_(ids)))  # type: ignore[attr-defined]
    await throttling.clear(session, *[throttling.login_key(a.email) for a in accounts])
    await session.exec(delete(Account).where(Account.id.in_(ids)))  # type: ignore[union-attr]


async def purge_unactivated(db: Database, now: datetime) -> int:
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
        await _erase(session, list(expired))
        await throttling.purge_stale(session, now)
    security.info("purge: %s account(s) not activated within 48h erased", len(expired))
    return len(expired)


# -- login ---------------------------------------------------------------------------------------
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
        raise AccountNotActive()
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


# -- password reset ------------------------------------------------------------------------------
RESET_INVALID = (
    "Ce lien de réinitialisation n'est pas ou plus valable : il n'est valable qu'une heure et "
    "une seule fois. Demandez-en un nouveau."
)


async def request_reset(
    db: Database, settings: Settings, now: datetime, email: str, *, address: str = ""
) -> None:
    """Mail a reset link (1 h, single use) if the email has an account; says nothing either way."""
    email = normalise_email(email)
    async with db.write() as session:
        account = await by_email(session, email)
        if account is None or (not account.is_active and account.activation_expires_at <= now):
            return
        if await _sent_recently(session, account.id, "reset", now):  # type: ignore[arg-type]
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
            link=_link(settings, f"/mot-de-passe/reinitialiser/{token}"),
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
    db: Database, settings: Settings, now: datetime, token: str, password: str, *, address: str = ""
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
            reset_link=_link(settings, "/mot-de-passe/oublie"),
        )
    security.info(
        "password reset done, sessions ended (account=%s address=%s)", account.id, address
    )
    return account


# -- "Modifier mon compte" -----------------------------------------------------------------------
@dataclass
class Changes:
    identity: bool = False
    email_pending: str | None = None
    password: bool = False
    locked: bool = False

    @property
    def any(self) -> bool:
        return self.identity or bool(self.email_pending) or self.password


async def is_locked(db: Database, account_id: int) -> bool:
    async with db.read() as session:
        return await has_active_registration(session, account_id)


async def update_account(
    db: Database,
    settings: Settings,
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
    if email_changes or new_password:
        await _check_current_password(db, settings, now, account, current_password, address)
    new_hash = await passwords.hash_password(new_password, settings) if new_password else None
    async with db.write() as session:
        current = await session.get(Account, account_id)
        assert current is not None
        changes.locked = await has_active_registration(session, account_id)
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
                reset_link=_link(settings, "/mot-de-passe/oublie"),
            )
            security.info(
                "password changed, other sessions ended (account=%s address=%s)",
                account_id,
                address,
            )
        if email_changes:
            await _ask_email_change(session, settings, now, current, email)
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
    async with db.read() as session:
        wait = await throttling.locked_for(session, keys, now)
    if wait:
        raise AccountError(
            f"Trop de tentatives ont échoué. Réessayez dans {throttling.minutes_label(wait)}.",
            field="current_password",
        )
    if not await passwords.verify_password(account.password_hash, password, settings):
        async with db.write() as session:
            await throttling.record_failure(session, keys, now)
        security.warning("wrong current password (account=%s address=%s)", account.id, address)
        raise AccountError("Le mot de passe actuel n'est pas correct.", field="current_password")


async def _ask_email_change(
    session: AsyncSession, settings: Settings, now: datetime, account: Account, new_email: str
) -> None:
    account.pending_email = new_email
    other = await by_email(session, new_email)
    if other is not None:
        # Do not tell the requester; tell the address's owner someone tried to use it.
        await enqueue(
            session,
            settings,
            now,
            kind="email_taken",
            to=other.email,
            account_id=other.id,
            reset_link=_link(settings, "/mot-de-passe/oublie"),
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
            link=_link(settings, f"/compte/email/confirmer/{token}"),
        )
    await enqueue(
        session,
        settings,
        now,
        kind="email_change_notice",
        to=account.email,
        account_id=account.id,
        new_email=new_email,
        reset_link=_link(settings, "/mot-de-passe/oublie"),
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


# -- "Mes données" -------------------------------------------------------------------------------
def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export_data(db: Database, account_id: int) -> dict[str, Any]:
    """Everything the portal holds about one candidate, and nothing about anyone else."""
    async with db.read() as session:
        account = await session.get(Account, account_id)
        if account is None:
            raise AccountError("Ce compte n'existe plus.")
        registrations = (
            await session.exec(select(Registration).where(Registration.account_id == account_id))
        ).all()
        sessions = (
            await session.exec(select(WebSession).where(WebSession.account_id == account_id))
        ).all()
        mails = (
            await session.exec(
                select(OutboxMail)
                .where(OutboxMail.account_id == account_id)
                .order_by(OutboxMail.id)
            )
        ).all()
        throttle = await session.get(LoginThrottle, throttling.login_key(account.email))
    hidden = {"password_hash", "activation_nonce"}
    return {
        "compte": {
            **{k: _iso(v) for k, v in account.model_dump().items() if k not in hidden},
            "password": "défini (seule une empreinte argon2id est conservée, jamais le mot de passe)",
        },
        "inscriptions": [{k: _iso(v) for k, v in r.model_dump().items()} for r in registrations],
        "sessions_ouvertes": [
            {"ouverte_le": _iso(s.created_at), "derniere_activite": _iso(s.last_seen_at)}
            for s in sessions
        ],
        "mails": [
            {
                "objet": m.subject,
                "destinataire": m.to_address,
                "cree_le": _iso(m.created_at),
                "envoye_le": _iso(m.sent_at),
                "tentatives": m.attempts,
            }
            for m in mails
        ],
        "echecs_de_connexion": (
            {"nombre": throttle.failures, "dernier": _iso(throttle.last_failure_at)}
            if throttle
            else None
        ),
    }
