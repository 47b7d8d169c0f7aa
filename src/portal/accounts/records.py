"""Reading accounts, and erasing them with everything the domains hold about them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import throttling
from portal.accounts.fields import FormContext
from portal.accounts.hooks import AccountHooks
from portal.accounts.models import Account
from portal.catalog import places
from portal.catalog.models import Country, Department
from portal.db import Database
from portal.forms import FRANCE
from portal.mail.models import OutboxMail
from portal.settings import Settings

MAIL_COOLDOWN = timedelta(seconds=60)  # one activation or reset mail per minute and account


async def form_context(
    db: Database,
    settings: Settings,
    now: datetime,
    *,
    editing: bool = False,
    values: Mapping[str, Any] | None = None,
) -> FormContext:
    """The lists the account forms offer; with ``values``, the commune of birth they name looked
    up in its département (and names to suggest)."""
    async with db.read() as session:
        countries = (
            await session.exec(select(Country).order_by(Country.position, Country.name))
        ).all()
        departments = (await session.exec(select(Department).order_by(Department.code))).all()
        known, suggestions = await _birth_city(session, values or {}, {d.code for d in departments})
    return FormContext(
        settings=settings,
        today=now.date(),
        countries=[(c.code, c.name) for c in countries],
        departments=[(d.code, d.label) for d in departments],
        editing=editing,
        birth_city_known=known,
        birth_city_suggestions=suggestions,
    )


async def _birth_city(
    session: AsyncSession, values: Mapping[str, Any], departments: set[str]
) -> tuple[bool | None, list[str]]:
    department = str(values.get("birth_department") or "")
    city = " ".join(str(values.get("birth_city") or "").split())
    if (
        values.get("birth_country") != FRANCE
        or department not in departments
        or department in places.WITHOUT_COMMUNES
        or not city
    ):
        return None, []
    if await places.commune_exists(session, department, city):
        return True, await places.suggest_communes(session, department, city)
    # Not found: suggest names that begin as this one does, to check the spelling.
    key = places.search_key(city)
    return False, await places.suggest_communes(session, department, key[:3])


async def by_email(session: AsyncSession, email: str) -> Account | None:
    return (await session.exec(select(Account).where(Account.email == email))).first()


async def get_account(db: Database, account_id: int) -> Account | None:
    async with db.read() as session:
        return await session.get(Account, account_id)


async def sent_recently(session: AsyncSession, account_id: int, kind: str, now: datetime) -> bool:
    statement = select(OutboxMail.id).where(
        OutboxMail.account_id == account_id,
        OutboxMail.kind == kind,
        OutboxMail.created_at > now - MAIL_COOLDOWN,
    )
    return (await session.exec(statement)).first() is not None


async def sent_count(session: AsyncSession, account_id: int, kind: str, since: datetime) -> int:
    """How many mails of this kind were written to this account after ``since``."""
    statement = select(func.count()).where(
        OutboxMail.account_id == account_id,
        OutboxMail.kind == kind,
        OutboxMail.created_at > since,
    )
    return (await session.exec(statement)).one()


async def erase(session: AsyncSession, accounts: list[Account], hooks: AccountHooks) -> None:
    """Delete accounts with everything attached to them: each domain erases its own part."""
    ids = [a.id for a in accounts if a.id is not None]
    for eraser in hooks.erasers:
        await eraser(session, ids)
    await throttling.clear(session, *[throttling.login_key(a.email) for a in accounts])
    await session.exec(delete(Account).where(Account.id.in_(ids)))  # type: ignore[union-attr]
