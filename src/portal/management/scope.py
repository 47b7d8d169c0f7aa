"""Who the manager is and which académies they manage: every back-office query goes through
``in_scope`` (registrations) or ``academies_in_scope`` (lists of académies), in the service
layer, never in templates. Outside the scope is answered like nothing: 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account, Role
from portal.catalog.models import Academy
from portal.management.errors import OutOfScope
from portal.management.models import Manager, ManagerAcademy


@dataclass(frozen=True)
class Scope:
    """The logged-in manager: their account, email, and the académies they see."""

    account_id: int
    email: str
    all_academies: bool
    academies: frozenset[str]

    def covers(self, academy_code: str | None) -> bool:
        return self.all_academies or (academy_code is not None and academy_code in self.academies)

    def where(self, column: Any) -> ColumnElement[bool]:
        """The SQL condition that keeps only rows of the manager's académies."""
        if self.all_academies:
            return true()
        return col(column).in_(sorted(self.academies))


async def load_scope(session: AsyncSession, account_id: int | None) -> Scope:
    """The manager behind this session, or OutOfScope (a candidate, an anonymous visitor)."""
    if account_id is None:
        raise OutOfScope()
    row = (
        await session.exec(
            select(Account, Manager)
            .join(Manager, col(Manager.account_id) == Account.id)
            .where(Account.id == account_id, Account.role == Role.MANAGER)
        )
    ).first()
    if row is None:
        raise OutOfScope()
    account, manager = row
    codes = (
        await session.exec(
            select(ManagerAcademy.academy_code).where(ManagerAcademy.account_id == account_id)
        )
    ).all()
    return Scope(account_id, account.email, manager.all_academies, frozenset(codes))


async def academies_in_scope(session: AsyncSession, scope: Scope) -> list[Academy]:
    statement = select(Academy).where(scope.where(Academy.code)).order_by(col(Academy.name))
    return list((await session.exec(statement)).all())
