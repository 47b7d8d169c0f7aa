"""Catalog management (issue 13 item 2, first part): opening periods and home-page announcements,
entered in Paris time, checked (order, overlap), in French. Managing offices are in
``catalog_offices``; qualifications, specialties, sessions and papers in ``catalog_items``;
piece requirements in ``catalog_pieces``; a session's whole catalog as one file in
``session_file``.

Every catalog write of the back office goes through ``write_catalog`` below: one transaction.
The catalog snapshot's version is bumped in that same transaction by the database's own
triggers on the catalog tables (migration 0013), so every worker sees the change on its next
request and no writer can forget it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog import CatalogError
from portal.catalog.models import (
    Academy,
    Announcement,
    OpeningPeriod,
    Qualification,
    Specialty,
)
from portal.catalog.models import Session as ExamSession
from portal.catalog.periods import paris_to_utc
from portal.dates import paris
from portal.db import Database
from portal.forms import clean_text
from portal.management import audit
from portal.management.errors import OutOfScope
from portal.management.scope import Scope, academies_in_scope

security = logging.getLogger("portal.security")


@asynccontextmanager
async def write_catalog(db: Database) -> AsyncIterator[AsyncSession]:
    """The one way the back office writes catalog data."""
    async with db.write() as session:
        yield session


# -- opening periods ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodLine:
    period: OpeningPeriod
    heading: str
    year: int
    academy: str


async def periods(session: AsyncSession, scope: Scope) -> list[PeriodLine]:
    statement = (
        select(OpeningPeriod, Specialty, Qualification, ExamSession, Academy)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
        .where(scope.where(OpeningPeriod.academy_code))
        .order_by(
            col(Qualification.name),
            col(Specialty.position),
            col(ExamSession.year).desc(),
            col(Academy.name),
        )
    )
    return [
        PeriodLine(p, f"{q.name} : {s.name}", e.year, a.name)
        for p, s, q, e, a in (await session.exec(statement)).all()
    ]


async def period_choices(session: AsyncSession, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    rows = (
        await session.exec(
            select(Specialty, Qualification)
            .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
            .order_by(col(Qualification.name), col(Specialty.position))
        )
    ).all()
    sessions = (
        await session.exec(
            select(ExamSession, Qualification)
            .join(Qualification, col(Qualification.id) == ExamSession.qualification_id)
            .order_by(col(Qualification.name), col(ExamSession.year).desc())
        )
    ).all()
    return {
        "specialties": [(str(s.id), f"{q.name} : {s.name}") for s, q in rows],
        "sessions": [(str(e.id), f"{q.name} – session {e.year}") for e, q in sessions],
        "academies": [(a.code, a.name) for a in await academies_in_scope(session, scope)],
    }


async def get_period(session: AsyncSession, scope: Scope, period_id: int) -> OpeningPeriod:
    period = await session.get(OpeningPeriod, period_id)
    if period is None or not scope.covers(period.academy_code):
        raise OutOfScope()
    return period


def _window(
    values: Mapping[str, Any], errors: dict[str, str]
) -> tuple[datetime | None, datetime | None]:
    found: dict[str, datetime | None] = {}
    for name in ("opens_at", "closes_at"):
        text = clean_text(values.get(name))
        found[name] = None
        if not text:
            errors[name] = (
                "Indiquez la date et l'heure (heure de Paris), par exemple 17/09/2026 10:00."
            )
            continue
        try:
            found[name] = paris_to_utc(text)
        except CatalogError as exc:
            errors[name] = str(exc)
    opens, closes = found["opens_at"], found["closes_at"]
    if opens and closes and closes <= opens:
        errors["closes_at"] = "La fermeture doit être postérieure à l'ouverture."
    return opens, closes


def _int(value: Any) -> int | None:
    text = clean_text(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


async def overlap_message(session: AsyncSession, period: OpeningPeriod) -> str | None:
    """Another period of the same specialty and académie whose window meets this one."""
    others = (
        await session.exec(
            select(OpeningPeriod, ExamSession)
            .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
            .where(
                OpeningPeriod.specialty_id == period.specialty_id,
                OpeningPeriod.academy_code == period.academy_code,
                col(OpeningPeriod.opens_at) < period.closes_at,
                col(OpeningPeriod.closes_at) > period.opens_at,
            )
        )
    ).all()
    for other, exam in others:
        if other.id != period.id:
            return (
                f"Cette période chevauche celle de la session {exam.year} "
                f"(du {paris(other.opens_at)} au {paris(other.closes_at)}, heure de Paris)."
            )
    return None


class _Refused(Exception):
    """Leaves the write transaction (rolled back) with the fields' French messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("refused")
        self.errors = errors


async def save_period(
    db: Database,
    scope: Scope,
    now: datetime,
    values: Mapping[str, Any],
    period_id: int | None = None,
) -> tuple[OpeningPeriod | None, dict[str, str]]:
    """Create a period (specialty, session, académie, window) or change an existing one's
    window; the French message of each field that is wrong, and nothing changed, otherwise."""
    try:
        return await _save_period(db, scope, now, values, period_id), {}
    except _Refused as refused:
        return None, refused.errors


async def _save_period(
    db: Database, scope: Scope, now: datetime, values: Mapping[str, Any], period_id: int | None
) -> OpeningPeriod:
    errors: dict[str, str] = {}
    opens, closes = _window(values, errors)
    async with write_catalog(db) as session:
        if period_id is not None:
            period = await get_period(session, scope, period_id)
            before = {"ouverture": paris(period.opens_at), "fermeture": paris(period.closes_at)}
        else:
            before = {}
            specialty = await session.get(Specialty, _int(values.get("specialty")) or 0)
            exam = await session.get(ExamSession, _int(values.get("session")) or 0)
            academy = clean_text(values.get("academy")).lower()
            if specialty is None:
                errors["specialty"] = "Choisissez le secteur disciplinaire."
            if exam is None:
                errors["session"] = "Choisissez la session."
            elif specialty is not None and exam.qualification_id != specialty.qualification_id:
                errors["session"] = (
                    "Cette session n'est pas celle de l'examen ou de la certification choisi."
                )
            if (
                not academy
                or not scope.covers(academy)
                or await session.get(Academy, academy) is None
            ):
                errors["academy"] = "Choisissez une de vos académies."
            if errors:
                raise _Refused(errors)
            assert specialty is not None and exam is not None
            duplicate = (
                await session.exec(
                    select(OpeningPeriod.id).where(
                        OpeningPeriod.session_id == exam.id,
                        OpeningPeriod.specialty_id == specialty.id,
                        OpeningPeriod.academy_code == academy,
                    )
                )
            ).first()
            if duplicate is not None:
                raise _Refused(
                    {
                        "session": "Une période existe déjà pour cette session, ce secteur et "
                        "cette académie : modifiez-la."
                    }
                )
            period = OpeningPeriod(
                session_id=exam.id,  # type: ignore[arg-type]
                specialty_id=specialty.id,  # type: ignore[arg-type]
                academy_code=academy,
                opens_at=opens or now,
                closes_at=closes or now,
            )
        if errors:
            raise _Refused(errors)
        assert opens is not None and closes is not None
        period.opens_at, period.closes_at = opens, closes
        overlap = await overlap_message(session, period)
        if overlap:
            raise _Refused({"opens_at": overlap})
        session.add(period)
        await session.flush()
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.PERIOD_SAVED,
            academy_code=period.academy_code,
            before=before,
            after={"période": period.id, "ouverture": paris(opens), "fermeture": paris(closes)},
        )
    security.info("opening period saved (period=%s manager=%s)", period.id, scope.account_id)
    return period


# -- announcements ------------------------------------------------------------------------------
def _national(scope: Scope) -> None:
    """Announcements show on everyone's home page: a national administrator's business."""
    if not scope.all_academies:
        raise OutOfScope()


async def announcements(session: AsyncSession, scope: Scope) -> list[Announcement]:
    _national(scope)
    return list(
        (
            await session.exec(select(Announcement).order_by(col(Announcement.shows_from).desc()))
        ).all()
    )


async def save_announcement(
    db: Database,
    scope: Scope,
    now: datetime,
    values: Mapping[str, Any],
    announcement_id: int | None = None,
) -> tuple[Announcement | None, dict[str, str]]:
    _national(scope)
    errors: dict[str, str] = {}
    message = clean_text(values.get("message"))
    if not message:
        errors["message"] = "Saisissez le message."
    elif len(message) > 1000:
        errors["message"] = "Le message ne doit pas dépasser 1000 caractères."
    window = {"opens_at": values.get("shows_from"), "closes_at": values.get("shows_until")}
    window_errors: dict[str, str] = {}
    shows_from, shows_until = _window(window, window_errors)
    if "opens_at" in window_errors:
        errors["shows_from"] = window_errors["opens_at"]
    if "closes_at" in window_errors:
        errors["shows_until"] = (
            window_errors["closes_at"]
            .replace("La fermeture", "La fin de l'affichage")
            .replace("l'ouverture", "son début")
        )
    if errors:
        return None, errors
    assert shows_from is not None and shows_until is not None
    async with write_catalog(db) as session:
        if announcement_id is not None:
            announcement = await session.get(Announcement, announcement_id)
            if announcement is None:
                raise OutOfScope()
            before = {
                "message": announcement.message,
                "du": paris(announcement.shows_from),
                "au": paris(announcement.shows_until),
            }
        else:
            announcement, before = (
                Announcement(message=message, shows_from=shows_from, shows_until=shows_until),
                {},
            )
        announcement.message, announcement.shows_from, announcement.shows_until = (
            message,
            shows_from,
            shows_until,
        )
        session.add(announcement)
        await session.flush()
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.ANNOUNCEMENT_SAVED,
            before=before,
            after={"message": message, "du": paris(shows_from), "au": paris(shows_until)},
        )
    return announcement, {}


async def delete_announcement(
    db: Database, scope: Scope, now: datetime, announcement_id: int
) -> None:
    _national(scope)
    async with write_catalog(db) as session:
        announcement = await session.get(Announcement, announcement_id)
        if announcement is None:
            raise OutOfScope()
        await session.delete(announcement)
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.ANNOUNCEMENT_DELETED,
            before={
                "message": announcement.message,
                "du": paris(announcement.shows_from),
                "au": paris(announcement.shows_until),
            },
        )
