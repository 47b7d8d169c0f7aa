"""Reading saved registrations: the candidate's own, by number; "Mes inscriptions"; a saved
registration's answers read back as the steps recorded them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import (
    Academy,
    Domain,
    ManagingOffice,
    OpeningPeriod,
    Paper,
    Qualification,
    Specialty,
)
from portal.catalog.models import Session as ExamSession
from portal.catalog.periods import differs_from_paris
from portal.registrations.models import Registration, RegistrationDraft, RegistrationPaper
from portal.registrations.steps import Record


async def get_registration(
    session: AsyncSession, account_id: int, registration_number: str
) -> Registration | None:
    """The candidate's own registration by its number; another candidate's is never found."""
    return (
        await session.exec(
            select(Registration).where(
                Registration.account_id == account_id,
                Registration.registration_number == registration_number,
            )
        )
    ).first()


async def saved_from_draft(session: AsyncSession, account_id: int, key: str) -> Registration | None:
    """The registration a consumed new-registration draft became, if any."""
    return (
        await session.exec(
            select(Registration).where(
                Registration.idempotency_key == key, Registration.account_id == account_id
            )
        )
    ).first()


async def record_of(session: AsyncSession, registration: Registration) -> Record:
    """The current version's answers, establishment and papers, as the steps recorded them."""
    papers = (
        await session.exec(
            select(RegistrationPaper.paper_id, RegistrationPaper.kind, Paper.choice_group)
            .join(Paper, col(Paper.id) == RegistrationPaper.paper_id)
            .where(
                RegistrationPaper.registration_id == registration.id,
                RegistrationPaper.version == registration.version,
            )
        )
    ).all()
    return Record(
        answers={step: dict(values) for step, values in (registration.answers or {}).items()},
        establishment_uai=registration.establishment_uai,
        papers=[(str(paper_id), kind, group) for paper_id, kind, group in papers],
    )


async def office_of(session: AsyncSession, registration: Registration) -> ManagingOffice | None:
    return await office_of_period(session, registration.opening_period_id)


async def office_of_period(session: AsyncSession, period_id: int) -> ManagingOffice | None:
    statement = (
        select(ManagingOffice)
        .join(OpeningPeriod, col(OpeningPeriod.academy_code) == ManagingOffice.academy_code)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .where(
            OpeningPeriod.id == period_id,
            ManagingOffice.qualification_id == Specialty.qualification_id,
        )
    )
    return (await session.exec(statement)).first()


@dataclass(frozen=True)
class Card:
    """One registration as "Mes inscriptions" shows it."""

    registration: Registration
    domain_label: str
    year: int
    heading: str
    academy_name: str
    is_open: bool
    closes_at: datetime
    local_zone: ZoneInfo | None = None  # the académie's own clock, when it differs from Paris


async def cards(session: AsyncSession, account_id: int, now: datetime) -> list[Card]:
    """The candidate's registrations, except withdrawn ones and those of ended sessions."""
    statement = (
        select(Registration, OpeningPeriod, Specialty, Qualification, ExamSession, Academy, Domain)
        .join(OpeningPeriod, col(OpeningPeriod.id) == Registration.opening_period_id)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
        .join(Domain, col(Domain.code) == Qualification.domain_code)
        .where(Registration.account_id == account_id, col(Registration.withdrawn_at).is_(None))
        .order_by(col(Registration.registration_number))
    )
    today = now.date()
    found = []
    for registration, period, specialty, qualification, exam, academy, domain in (
        await session.exec(statement)
    ).all():
        if exam.ends_on is not None and exam.ends_on < today:
            continue
        found.append(
            Card(
                registration=registration,
                domain_label=domain.label,
                year=exam.year,
                heading=f"{qualification.name} : {specialty.name}",
                academy_name=academy.name,
                is_open=period.is_open(now),
                closes_at=period.closes_at,
                local_zone=_local_zone(academy, period),
            )
        )
    return found


@dataclass(frozen=True)
class DraftCard:
    key: str
    heading: str
    academy_name: str
    closes_at: datetime
    local_zone: ZoneInfo | None = None


def _local_zone(academy: Academy, period: OpeningPeriod) -> ZoneInfo | None:
    """The académie's zone when its clock differs from Paris during the period (La Réunion)."""
    if differs_from_paris(academy.timezone, period.opens_at, period.closes_at):
        return ZoneInfo(academy.timezone)
    return None


async def open_drafts(session: AsyncSession, account_id: int, now: datetime) -> list[DraftCard]:
    """New registrations begun and not saved, whose period is still open."""
    statement = (
        select(RegistrationDraft, OpeningPeriod, Specialty, Qualification, Academy)
        .join(OpeningPeriod, col(OpeningPeriod.id) == RegistrationDraft.opening_period_id)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
        .where(
            RegistrationDraft.account_id == account_id,
            col(RegistrationDraft.registration_id).is_(None),
            col(OpeningPeriod.closes_at) > now,
        )
        .order_by(col(RegistrationDraft.created_at))
    )
    return [
        DraftCard(
            draft.key, f"{q.name} : {s.name}", a.name, period.closes_at, _local_zone(a, period)
        )
        for draft, period, s, q, a in (await session.exec(statement)).all()
    ]
