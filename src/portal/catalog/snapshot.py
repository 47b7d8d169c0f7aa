"""The catalog in memory (DECISIONS.md 11): domains, qualifications, specialties, académies, every
opening period and every announcement, read in one go and kept while the catalog version stays
the same (``Database.cached``). Public pages answer from it without a database round trip; a
write to any catalog table bumps the version (triggers, migration 0013), so the next request of
any worker reloads it.

What is kept is shared by every request: treat it as read-only.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import (
    Academy,
    Announcement,
    Country,
    Department,
    Domain,
    HrOption,
    ManagingOffice,
    Nationality,
    Paper,
    Qualification,
    Specialty,
)
from portal.catalog.queries import (
    PeriodView,
    find_periods,
    open_data_filters,
    unknown_academy,
    unknown_qualification,
)
from portal.db import Database

CACHE_KEY = "catalog"
T = TypeVar("T")


@dataclass(frozen=True)
class Catalog:
    domains: list[Domain]
    qualifications: list[Qualification]
    specialties: list[Specialty]
    academies: dict[str, Academy]
    periods: list[PeriodView]  # in find_periods' order
    announcements: list[Announcement]  # by shows_from, then id
    papers: list[Paper] = field(default_factory=list)  # by position, then code
    countries: list[Country] = field(default_factory=list)  # by position
    nationalities: list[Nationality] = field(default_factory=list)  # by position
    departments: list[Department] = field(default_factory=list)  # by code
    hr_options: list[HrOption] = field(default_factory=list)  # by position
    offices: list[ManagingOffice] = field(default_factory=list)
    _by_id: dict[int, PeriodView] = field(default_factory=dict, repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update((view.id, view) for view in self.periods)

    def derived(self, name: str, build: Callable[[Catalog], T]) -> T:
        """``build(self)``, computed once for this snapshot (what a domain makes of the lists)."""
        if name not in self._derived:
            self._derived[name] = build(self)
        return self._derived[name]  # type: ignore[no-any-return]

    def office(self, academy_code: str, qualification_id: int | None) -> ManagingOffice | None:
        """The service gestionnaire of a qualification in an académie, if one is named."""
        by_key = self.derived(
            "offices", lambda c: {(o.academy_code, o.qualification_id): o for o in c.offices}
        )
        return by_key.get((academy_code, qualification_id))

    def department(self, code: str) -> Department | None:
        by_code = self.derived("departments", lambda c: {d.code: d for d in c.departments})
        return by_code.get(code)

    def papers_for(self, qualification_id: int, specialty_id: int) -> list[Paper]:
        """The papers of a qualification: those of every specialty, and this specialty's own."""
        return [
            p
            for p in self.papers
            if p.qualification_id == qualification_id
            and (p.specialty_id is None or p.specialty_id == specialty_id)
        ]

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

    def epoch(self, now: datetime) -> tuple[int, int]:
        """What a public page made from the catalog depends on at ``now`` (portal.web.page_cache):
        this snapshot (a new one after any catalog write) and which of its instants (a period
        opening or closing, an announcement shown or taken down) ``now`` has passed; between two
        of them, nothing such a page shows can change."""
        generation = self.derived("generation", lambda _: next(_GENERATIONS))
        instants = self.derived("instants", _instants)
        return generation, bisect_right(instants, now)

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
        announcements=await _all(
            session,
            select(Announcement).order_by(col(Announcement.shows_from), col(Announcement.id)),
        ),
        papers=await _all(session, select(Paper).order_by(col(Paper.position), col(Paper.code))),
        countries=await _all(session, select(Country).order_by(col(Country.position))),
        nationalities=await _all(session, select(Nationality).order_by(col(Nationality.position))),
        departments=await _all(session, select(Department).order_by(col(Department.code))),
        hr_options=await _all(session, select(HrOption).order_by(col(HrOption.position))),
        offices=await _all(session, select(ManagingOffice)),
    )


_GENERATIONS = itertools.count(1)


def _instants(catalog: Catalog) -> list[datetime]:
    instants = [i for view in catalog.periods for i in (view.opens_at, view.closes_at)]
    instants += [i for a in catalog.announcements for i in (a.shows_from, a.shows_until)]
    return sorted(instants)


async def _all(session: AsyncSession, query) -> list[Any]:  # type: ignore[no-untyped-def]
    return list((await session.exec(query)).all())


async def current(db: Database) -> Catalog:
    """The catalog as committed now, from memory unless a catalog write happened since."""
    return await db.cached(CACHE_KEY, load)


async def of_session(session: AsyncSession) -> Catalog:
    """The catalog of the Database this session comes from, from memory; on a miss read through
    this very session (no second connection while it may hold the write lock)."""
    db = session.info.get("database")
    return (
        await db.cached(CACHE_KEY, load, session)
        if isinstance(db, Database)
        else await load(session)
    )
