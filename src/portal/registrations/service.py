"""Registration queries other domains need (the account lock rule of guide §4)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import ManagingOffice, OpeningPeriod, Specialty
from portal.registrations.models import Registration


async def has_active_registration(session: AsyncSession, account_id: int) -> bool:
    """At least one registration that has not been withdrawn."""
    statement = (
        select(Registration.id)
        .where(Registration.account_id == account_id, Registration.withdrawn_at.is_(None))  # type: ignore[union-attr]
        .limit(1)
    )
    return (await session.exec(statement)).first() is not None


async def lock_office(session: AsyncSession, account_id: int) -> ManagingOffice | None:
    """The managing office of the candidate's oldest non-withdrawn registration, if any.

    That office is the one to contact about account details once they are locked (guide §4).
    """
    statement = (
        select(ManagingOffice)
        .join(OpeningPeriod, OpeningPeriod.academy_code == ManagingOffice.academy_code)
        .join(Specialty, Specialty.id == OpeningPeriod.specialty_id)
        .join(Registration, Registration.opening_period_id == OpeningPeriod.id)
        .where(
            Registration.account_id == account_id,
            Registration.withdrawn_at.is_(None),  # type: ignore[union-attr]
            ManagingOffice.qualification_id == Specialty.qualification_id,
        )
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    )
    return (await session.exec(statement)).first()
