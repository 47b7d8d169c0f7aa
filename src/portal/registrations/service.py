"""The account lock rule of guide §4, as the accounts domain asks it (wired at composition)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import ManagingOffice, OpeningPeriod, Specialty
from portal.registrations.models import Registration


async def has_active_registration(session: AsyncSession, account_id: int) -> bool:
    """At least one registration that has not been withdrawn."""
    statement = (
        select(Registration.id)
        .where(Registration.account_id == account_id, col(Registration.withdrawn_at).is_(None))
        .limit(1)
    )
    return (await session.exec(statement)).first() is not None


async def lock_offices(session: AsyncSession, account_id: int) -> list[ManagingOffice]:
    """The managing offices of the candidate's non-withdrawn registrations, oldest first, each once.

    They are the ones to contact about account details once they are locked (guide §4): a
    candidate registered in two académies is told both.
    """
    statement = (
        select(ManagingOffice)
        .join(OpeningPeriod, col(OpeningPeriod.academy_code) == ManagingOffice.academy_code)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Registration, col(Registration.opening_period_id) == OpeningPeriod.id)
        .where(
            Registration.account_id == account_id,
            col(Registration.withdrawn_at).is_(None),
            ManagingOffice.qualification_id == Specialty.qualification_id,
        )
        .order_by(col(Registration.created_at), col(Registration.id))
    )
    offices: dict[int | None, ManagingOffice] = {}
    for office in (await session.exec(statement)).all():
        offices.setdefault(office.id, office)
    return list(offices.values())


# The periodic job (jobs.py) drops closed periods' drafts through here.
from portal.registrations.drafts import drop_drafts_of_closed_periods  # noqa: E402

__all__ = ["drop_drafts_of_closed_periods", "has_active_registration", "lock_offices"]
