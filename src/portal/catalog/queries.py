"""What the catalog offers: opening periods with what is said about them, grouped by académie,
the open-data selection, and the home page's announcements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog import CatalogError, wording
from portal.catalog.models import (
    Academy,
    Announcement,
    OpeningPeriod,
    Qualification,
    Session,
    Specialty,
)
from portal.catalog.periods import PeriodState, differs_from_paris, state_at
from portal.dates import PARIS


@dataclass(frozen=True)
class PeriodView:
    """One opening period with what a page or a feed says about it."""

    id: int
    opens_at: datetime
    closes_at: datetime
    domain_code: str
    qualification: Qualification
    specialty: Specialty
    year: int
    academy: Academy
    session_id: int | None = None  # the exam session (registrations: one per session)

    @property
    def label(self) -> str:
        """ "CERTIFICATION COMPLEMENTAIRE ... : ARTS CINEMA et AUDIOVISUEL"."""
        return f"{self.qualification.name} : {self.specialty.name}"

    @property
    def uid(self) -> str:
        """Stable across reloads: built from natural keys, never from row ids."""
        return (
            f"{self.year}-{self.qualification.code}-{self.specialty.code}-{self.academy.code}"
        ).lower()

    def state(self, at: datetime) -> PeriodState:
        return state_at(self.opens_at, self.closes_at, at)

    def is_open(self, at: datetime) -> bool:
        return self.state(at) is PeriodState.open

    def wording(self, at: datetime) -> str:
        """ "ouvert du 17/09/2019 10:00 au 20/09/2019 10:00" (Paris time), or to come, or closed."""
        return wording.period_wording(self.state(at), self.opens_at, self.closes_at, PARIS)

    def local_wording(self, at: datetime) -> str | None:
        """The same in the académie's own time, when it differs from Paris."""
        zone = self.local_zone
        if zone is None:
            return None
        return wording.local_wording(self.state(at), self.opens_at, self.closes_at, zone)

    def registration_refusal(self, at: datetime) -> str | None:
        """Why registration cannot start now for this period, or None when it is open."""
        return wording.refusal_wording(self.state(at), self.opens_at, self.closes_at)

    @property
    def local_zone(self) -> ZoneInfo | None:
        """The académie's own zone when its clock differs from Paris during the period."""
        if differs_from_paris(self.academy.timezone, self.opens_at, self.closes_at):
            return ZoneInfo(self.academy.timezone)
        return None


def _period_query():  # type: ignore[no-untyped-def]
    return (
        select(OpeningPeriod, Specialty, Qualification, Session, Academy)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(Session, col(Session.id) == OpeningPeriod.session_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
    )


def _views(rows) -> list[PeriodView]:  # type: ignore[no-untyped-def]
    views = [
        PeriodView(
            id=period.id,
            opens_at=period.opens_at,
            closes_at=period.closes_at,
            domain_code=qualification.domain_code,
            qualification=qualification,
            specialty=specialty,
            year=exam_session.year,
            academy=academy,
            session_id=exam_session.id,
        )
        for period, specialty, qualification, exam_session, academy in rows
    ]
    views.sort(
        key=lambda v: (
            v.academy.name,
            v.qualification.name,
            v.specialty.position,
            v.specialty.name,
            v.year,
            v.opens_at,
        )
    )
    return views


async def find_periods(
    session: AsyncSession,
    *,
    domain_code: str | None = None,
    qualification_code: str | None = None,
    academy_code: str | None = None,
) -> list[PeriodView]:
    query = _period_query()
    if domain_code is not None:
        query = query.where(Qualification.domain_code == domain_code)
    if qualification_code is not None:
        query = query.where(Qualification.code == qualification_code)
    if academy_code is not None:
        query = query.where(OpeningPeriod.academy_code == academy_code)
    return _views((await session.exec(query)).all())


async def get_period(session: AsyncSession, period_id: int) -> PeriodView | None:
    rows = (await session.exec(_period_query().where(OpeningPeriod.id == period_id))).all()
    return _views(rows)[0] if rows else None


def open_data_filters(
    academy: str | None, qualification: str | None
) -> tuple[str | None, str | None]:
    """The open-data filters as codes: académie in lower case, qualification in upper case."""
    return (academy or "").strip().lower() or None, (qualification or "").strip().upper() or None


def unknown_academy(code: str) -> CatalogError:
    return CatalogError(f"L'académie « {wording.echo(code)} » est inconnue.")


def unknown_qualification(code: str) -> CatalogError:
    return CatalogError(f"La qualification « {wording.echo(code)} » est inconnue.")


async def open_data_periods(
    session: AsyncSession, *, academy: str | None, qualification: str | None
) -> list[PeriodView]:
    """The periods of the open-data feeds, filtered by académie and qualification codes."""
    academy, qualification = open_data_filters(academy, qualification)
    if academy is not None and await session.get(Academy, academy) is None:
        raise unknown_academy(academy)
    if qualification is not None:
        found = (
            await session.exec(select(Qualification).where(Qualification.code == qualification))
        ).first()
        if found is None:
            raise unknown_qualification(qualification)
    return await find_periods(session, qualification_code=qualification, academy_code=academy)


@dataclass(frozen=True)
class Group:
    """The periods of one académie, under the guide's heading."""

    academy: Academy
    heading: str
    periods: list[PeriodView]


def group_by_academy(periods: list[PeriodView]) -> list[Group]:
    groups: dict[str, list[PeriodView]] = {}
    for view in periods:
        groups.setdefault(view.academy.code, []).append(view)
    return [
        Group(
            views[0].academy, wording.offered_heading(views[0].domain_code, views[0].academy), views
        )
        for views in groups.values()
    ]


async def current_announcements(session: AsyncSession, now: datetime) -> list[Announcement]:
    """The home page's messages ponctuels whose window holds ``now`` (from included, until not)."""
    query = (
        select(Announcement)
        .where(Announcement.shows_from <= now, Announcement.shows_until > now)
        .order_by(col(Announcement.shows_from), col(Announcement.id))
    )
    return list((await session.exec(query)).all())
