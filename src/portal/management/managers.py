"""Manager accounts: created by an operator (`portal manager create`), who never types the
manager's password; the manager gets a mail with a signed, single-use link (72 h) to choose it,
then logs in through the ordinary login, with its throttling and session rules."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import passwords, throttling, tokens
from portal.accounts.fields import FormContext
from portal.accounts.forms import check_password, check_password_confirmation, normalise_email
from portal.accounts.models import Account, Role
from portal.accounts.password_policy import Personal
from portal.catalog.models import Academy
from portal.db import Database
from portal.mail.outbox import enqueue
from portal.management import audit
from portal.management.errors import ManagementError
from portal.management.models import Manager, ManagerAcademy
from portal.settings import Settings
from portal.web.links import Links
from portal.web.sessions import end_account_sessions

security = logging.getLogger("portal.security")

WELCOME = tokens.MANAGER_WELCOME
WELCOME_VALIDITY = tokens.VALIDITY[WELCOME]
WELCOME_ROUTE = "management:welcome"
LINK_INVALID = (
    "Ce lien n'est pas ou plus valable : il n'est valable que 72 heures, et une seule fois. "
    "Demandez à l'administrateur du portail de vous en envoyer un nouveau."
)


@dataclass(frozen=True)
class Created:
    account_id: int
    email: str
    academies: tuple[str, ...]
    all_academies: bool
    new: bool


async def create_manager(
    db: Database,
    settings: Settings,
    links: Links,
    now: datetime,
    email: str,
    *,
    academies: Sequence[str] = (),
    all_academies: bool = False,
) -> Created:
    """Create (or update) a manager and mail them the link to choose their password.

    Run again for the same email, it replaces the académies and sends a new link (the older
    one stops working only once a password is chosen). An email that belongs to a candidate
    is refused: one account, one role.
    """
    address = normalise_email(email)
    if not address or "@" not in address:
        raise ManagementError("Adresse mail invalide.", field="email")
    codes = tuple(sorted({code.strip().lower() for code in academies if code.strip()}))
    if all_academies and codes:
        raise ManagementError("Choisissez --academy ou --all-academies, pas les deux.")
    if not all_academies and not codes:
        raise ManagementError("Indiquez au moins une académie (--academy) ou --all-academies.")
    placeholder = await passwords.hash_password(secrets.token_urlsafe(32), settings)
    async with db.write() as session:
        known = set((await session.exec(select(Academy.code))).all())
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ManagementError(
                f"Académie inconnue : {', '.join(unknown)}. Codes connus : "
                + ", ".join(sorted(known))
            )
        account = (await session.exec(select(Account).where(Account.email == address))).first()
        new = account is None
        if account is None:
            account = Account(
                email=address,
                role=Role.MANAGER,
                password_hash=placeholder,
                password_changed_at=now,
                activation_nonce=secrets.token_urlsafe(16),
                activation_expires_at=now + WELCOME_VALIDITY,
                created_at=now,
                updated_at=now,
            )
            session.add(account)
            await session.flush()
            session.add(Manager(account_id=account.id, all_academies=all_academies, created_at=now))  # type: ignore[arg-type]
        elif account.role != Role.MANAGER:
            raise ManagementError(
                "Cette adresse est celle d'un compte candidat : un gestionnaire a son propre compte."
            )
        else:
            manager = await session.get(Manager, account.id)
            assert manager is not None
            manager.all_academies = all_academies
            if not account.is_active:  # the link is new: so is the time left to use it
                account.activation_expires_at = now + WELCOME_VALIDITY
            await session.exec(
                delete(ManagerAcademy).where(ManagerAcademy.account_id == account.id)
            )  # type: ignore[arg-type]
        for code in codes:
            session.add(ManagerAcademy(account_id=account.id, academy_code=code))  # type: ignore[arg-type]
        token = tokens.make(
            settings.secret_key,
            WELCOME,
            now,
            a=account.id,
            f=passwords.fingerprint(account.password_hash),
        )
        await enqueue(
            session,
            settings,
            now,
            kind="manager_welcome",
            to=address,
            account_id=account.id,
            link=links.absolute(WELCOME_ROUTE, token=token),
            academies=codes,
            all_academies=all_academies,
        )
        await audit.record(
            session,
            now,
            actor=None,
            action=audit.Action.MANAGER_CREATED if new else audit.Action.MANAGER_UPDATED,
            after={"email": address, "academies": list(codes), "all_academies": all_academies},
        )
        account_id = account.id
    security.info("manager %s (account=%s)", "created" if new else "updated", account_id)
    return Created(account_id, address, codes, all_academies, new)  # type: ignore[arg-type]


async def welcome_target(db: Database, settings: Settings, now: datetime, token: str) -> Account:
    """The manager account a welcome link is for, if the link is still good."""
    try:
        payload = tokens.read(settings.secret_key, WELCOME, token, now)
    except tokens.TokenInvalid as exc:
        raise ManagementError(LINK_INVALID) from exc
    async with db.read() as session:
        account = await session.get(Account, payload.get("a"))
    if (
        account is None
        or account.role != Role.MANAGER
        or passwords.fingerprint(account.password_hash) != payload.get("f")
    ):
        raise ManagementError(LINK_INVALID)
    return account


def password_errors(
    settings: Settings, now: datetime, email: str, values: dict[str, str]
) -> dict[str, str]:
    """The same password rule as the candidates' (length, classes, common ones, no email)."""
    ctx = FormContext(settings=settings, today=now.date(), personal=Personal(email=email))
    errors = {}
    for name, check in (
        ("password", check_password),
        ("password_confirmation", check_password_confirmation),
    ):
        message = check(values, ctx)
        if message:
            errors[name] = message
    return errors


async def choose_password(
    db: Database, settings: Settings, now: datetime, token: str, password: str
) -> Account:
    """Set the manager's first password from the welcome link: it activates the account, and
    the link is used (the fingerprint it carries no longer matches)."""
    account = await welcome_target(db, settings, now, token)
    new_hash = await passwords.hash_password(password, settings)
    async with db.write() as session:
        result = await session.exec(
            update(Account)
            .where(
                col(Account.id) == account.id, col(Account.password_hash) == account.password_hash
            )
            .values(
                password_hash=new_hash, password_changed_at=now, updated_at=now, activated_at=now
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ManagementError(LINK_INVALID)
        await end_account_sessions(session, account.id)  # type: ignore[arg-type]
        await throttling.clear(session, throttling.login_key(account.email))
    security.info("manager password chosen (account=%s)", account.id)
    return account


async def erase_managers(session: AsyncSession, account_ids: list[int]) -> None:
    """Accounts erased (a manager who never chose a password, after 72 h): their manager rows."""
    await session.exec(
        delete(ManagerAcademy).where(col(ManagerAcademy.account_id).in_(account_ids))
    )  # type: ignore[call-overload]
    await session.exec(delete(Manager).where(col(Manager.account_id).in_(account_ids)))  # type: ignore[call-overload]
