"""The catalog in memory (DECISIONS.md 11): domains, qualifications, specialties, académies, every
opening period and every announcement, read in one go and kept while the catalog version stays
the same (``Database.cached``). Public pages answer from it without a database round trip; a
write to any catalog table bumps the version (triggers, migration 0013), so the next request of
any worker reloads it.

What is kept is shared by every request: treat it as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import Academy, Announcement, Domain, Qualification, Specialty
from portal.catalog.queries import (
    PeriodView,
    find_periods,
    open_data_filters,
    unknown_academy,
    unknown_qualification,
)
from portal.db import Database

CACHE_KEY = "catalog"


@dataclass(frozen=True)
class Catalog:
    domains: list[Domain]
    qualifications: list[Qualification]
    specialties: list[Specialty]
    academies: dict[str, Academy]
    periods: list[PeriodView]  # in find_periods' order
    announcements: list[Announcement]  # by shows_from, then id
    _by_id: dict[int, PeriodView] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update((view.id, view) for view in self.periods)

    def period(self, period_id: int) -> PeriodView | None:
        return self._by_id.get(period_id)

    def find_periods(
        self,
        *,
        domain_code: str | None = None,
        qualification_code: str | None = None,
        academy_code: str | None = None,
    ) -> list[PeriodView]:
        """As ``queries.find_periods``, from memory."""
        return [
            view
            for view in self.periods
            if (domain_code is None or view.domain_code == domain_code)
            and (qualification_code is None or view.qualification.code == qualification_code)
            and (academy_code is None or view.academy.code == academy_code)
        ]

    def announcements_at(self, now: datetime) -> list[Announcement]:
        """As ``queries.current_announcements``: the window holds ``now`` (from included)."""
        return [a for a in self.announcements if a.shows_from <= now < a.shows_until]

    def open_data_periods(
        self, *, academy: str | None, qualification: str | None
    ) -> list[PeriodView]:
        """As ``queries.open_data_periods``, from memory."""
        academy, qualification = open_data_filters(academy, qualification)
        if academy is not None and academy not in self.academies:
            raise unknown_academy(academy)
        if qualification is not None and self.qualification(qualification) is None:
            raise unknown_qualification(qualification)
        return self.find_periods(qualification_code=qualification, academy_code=academy)

    def qualification(self, code: str) -> Qualification | None:
        return next((q for q in self.qualifications if q.code == code), None)

    def specialty_exists(self, code: str) -> bool:
        """Any specialty with this code, whatever the case (the selector's "inconnue")."""
        folded = code.casefold()
        return any(s.code.casefold() == folded for s in self.specialties)


async def load(session: AsyncSession) -> Catalog:
    """Everything the snapshot holds, read in the caller's transaction."""
    return Catalog(
        domains=list((await session.exec(select(Domain).order_by(Domain.code))).all()),
        qualifications=list((await session.exec(select(Qualification))).all()),
        specialties=list((await session.exec(select(Specialty))).all()),
        academies={a.code: a for a in (await session.exec(select(Academy))).all()},
        periods=await find_periods(session),
        announcements=list(
            (
                await session.exec(
                    select(Announcement).order_by(
                        col(Announcement.shows_from), col(Announcement.id)
                    )
                )
            ).all()
        ),
    )


async def current(db: Database) -> Catalog:
    """The catalog as committed now, from memory unless a catalog write happened since."""
    return await db.cached(CACHE_KEY, load)
