"""Catalog management (issue 13 item 2, the rest): qualifications (examens, certifications), their
specialties (secteurs), sessions and papers (épreuves), listed, created, changed and deleted.

**Scope.** These four tables have no académie: one BIA, one paper list, one 2027 session serve
every académie. So every manager sees them (read only: they need the codes for their periods,
pieces and files), and only a national administrator (``--all-academies``) changes them; for
anyone else every change answers like an unknown page (404, ``OutOfScope``). What *is* per
académie (opening periods, managing offices, pieces) stays with the académie's managers.

**Deleting** is allowed while nothing a candidate did depends on the item: no registration (or
draft in progress) on its periods, no paper chosen, no piece deposited. An item in use is refused
in French and nothing changes; an unused item goes with what hangs on it (a specialty with its
own papers, pieces and periods; a session with its periods and pieces; a qualification with all of
those and its managing offices). **Changing** an item in use is allowed except for what
registrations already recorded (a paper's nature, group and specialty; a session's year).

Every write is one transaction (``write_catalog``: the triggers bump the catalog version, so the
change shows on the candidates' next request) with its audit entry, before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import (
    Domain,
    ManagingOffice,
    OpeningPeriod,
    Paper,
    Qualification,
    Specialty,
)
from portal.catalog.models import Session as ExamSession
from portal.dates import date_fr
from portal.db import Database
from portal.management import audit
from portal.management.catalog import write_catalog
from portal.management.catalog_rules import (
    PAPER_KINDS,
    parse_paper,
    parse_qualification,
    parse_session,
    parse_specialty,
    yes_no,
)
from portal.management.errors import ManagementError, OutOfScope
from portal.management.scope import Scope
from portal.pieces.models import Piece, RegistrationPiece
from portal.registrations.models import (
    Registration,
    RegistrationDraft,
    RegistrationPaper,
    RegistrationVersion,
)

IN_USE = "Des candidats ont déjà des inscriptions (ou des inscriptions en cours de saisie) sur {what} : {it} ne peut pas être supprimé{e}. Rien n'a changé."


class Refused(Exception):
    """A form's French messages: the transaction is left (rolled back), nothing changed."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("refused")
        self.errors = errors


def national(scope: Scope) -> None:
    """National tables change only for a national administrator; anyone else gets a 404."""
    if not scope.all_academies:
        raise OutOfScope()


# -- reading ------------------------------------------------------------------------------------
@dataclass
class QualificationView:
    qualification: Qualification
    domain: str
    specialties: list[Specialty] = field(default_factory=list)
    sessions: list[ExamSession] = field(default_factory=list)
    papers: list[tuple[Paper, str]] = field(default_factory=list)  # (paper, specialty or "Tous")


async def domains(session: AsyncSession) -> dict[str, str]:
    return {d.code: d.label for d in (await session.exec(select(Domain).order_by(Domain.code)))}


async def qualifications(session: AsyncSession) -> list[QualificationView]:
    names = await domains(session)
    found = (await session.exec(select(Qualification).order_by(col(Qualification.name)))).all()
    views = {q.id: QualificationView(q, names.get(q.domain_code, q.domain_code)) for q in found}
    for specialty in (
        await session.exec(select(Specialty).order_by(col(Specialty.position)))
    ).all():
        views[specialty.qualification_id].specialties.append(specialty)
    for exam in (await session.exec(select(ExamSession).order_by(col(ExamSession.year)))).all():
        views[exam.qualification_id].sessions.append(exam)
    return list(views.values())


async def qualification_view(session: AsyncSession, qualification_id: int) -> QualificationView:
    qualification = await session.get(Qualification, qualification_id)
    if qualification is None:
        raise OutOfScope()
    names = await domains(session)
    view = QualificationView(qualification, names.get(qualification.domain_code, ""))
    view.specialties = list(
        (
            await session.exec(
                select(Specialty)
                .where(Specialty.qualification_id == qualification_id)
                .order_by(col(Specialty.position), col(Specialty.code))
            )
        ).all()
    )
    view.sessions = list(
        (
            await session.exec(
                select(ExamSession)
                .where(ExamSession.qualification_id == qualification_id)
                .order_by(col(ExamSession.year).desc())
            )
        ).all()
    )
    names_by_id = {s.id: s.name for s in view.specialties}
    papers = (
        await session.exec(
            select(Paper)
            .where(Paper.qualification_id == qualification_id)
            .order_by(col(Paper.position), col(Paper.code))
        )
    ).all()
    view.papers = [
        (p, names_by_id.get(p.specialty_id, "") if p.specialty_id else "Tous les secteurs")
        for p in papers
    ]
    return view


async def get(session: AsyncSession, model: type[Any], item_id: int) -> Any:
    item = await session.get(model, item_id)
    if item is None:
        raise OutOfScope()
    return item


# -- what candidates already depend on ----------------------------------------------------------
async def _exists(session: AsyncSession, condition: Any) -> bool:
    return bool((await session.exec(select(exists().where(condition)))).one())  # type: ignore[call-overload]


async def periods_in_use(session: AsyncSession, period_ids: list[int]) -> bool:
    if not period_ids:
        return False
    return (
        await _exists(session, col(Registration.opening_period_id).in_(period_ids))
        or await _exists(session, col(RegistrationVersion.opening_period_id).in_(period_ids))
        or await _exists(session, col(RegistrationDraft.opening_period_id).in_(period_ids))
    )


async def papers_in_use(session: AsyncSession, paper_ids: list[int]) -> bool:
    return bool(paper_ids) and await _exists(
        session, col(RegistrationPaper.paper_id).in_(paper_ids)
    )


async def pieces_in_use(session: AsyncSession, piece_ids: list[int]) -> bool:
    return bool(piece_ids) and await _exists(
        session, col(RegistrationPiece.piece_id).in_(piece_ids)
    )


async def _ids(session: AsyncSession, column: Any, condition: Any) -> list[int]:
    return list((await session.exec(select(column).where(condition))).all())


@dataclass
class Footprint:
    """What hangs on an item and goes with it."""

    periods: list[int]
    papers: list[int]
    pieces: list[int]
    specialties: list[int] = field(default_factory=list)

    async def in_use(self, session: AsyncSession) -> bool:
        return (
            await periods_in_use(session, self.periods)
            or await papers_in_use(session, self.papers)
            or await pieces_in_use(session, self.pieces)
            or (
                bool(self.specialties)
                and (
                    await _exists(session, col(Registration.specialty_id).in_(self.specialties))
                    or await _exists(
                        session, col(RegistrationVersion.specialty_id).in_(self.specialties)
                    )
                )
            )
        )

    async def erase(self, session: AsyncSession) -> None:
        for model, ids in (
            (Piece, self.pieces),
            (OpeningPeriod, self.periods),
            (Paper, self.papers),
        ):
            if ids:
                await session.exec(delete(model).where(col(model.id).in_(ids)))  # type: ignore[call-overload,attr-defined]

    def counts(self) -> dict[str, int]:
        return {
            "périodes supprimées": len(self.periods),
            "épreuves supprimées": len(self.papers),
            "pièces supprimées": len(self.pieces),
        }


async def footprint(session: AsyncSession, model: type[Any], item_id: int) -> Footprint:
    if model is Specialty:
        return Footprint(
            await _ids(session, OpeningPeriod.id, OpeningPeriod.specialty_id == item_id),
            await _ids(session, Paper.id, Paper.specialty_id == item_id),
            await _ids(session, Piece.id, Piece.specialty_id == item_id),
            [item_id],
        )
    if model is ExamSession:
        return Footprint(
            await _ids(session, OpeningPeriod.id, OpeningPeriod.session_id == item_id),
            [],
            await _ids(session, Piece.id, Piece.session_id == item_id),
        )
    if model is Paper:
        return Footprint([], [item_id], [])
    specialties = await _ids(session, Specialty.id, Specialty.qualification_id == item_id)
    sessions = await _ids(session, ExamSession.id, ExamSession.qualification_id == item_id)
    return Footprint(
        await _ids(
            session,
            OpeningPeriod.id,
            or_(
                col(OpeningPeriod.specialty_id).in_(specialties),
                col(OpeningPeriod.session_id).in_(sessions),
            ),
        ),
        await _ids(session, Paper.id, Paper.qualification_id == item_id),
        await _ids(
            session,
            Piece.id,
            or_(col(Piece.session_id).in_(sessions), col(Piece.specialty_id).in_(specialties)),
        ),
        specialties,
    )


# -- what the audit log keeps -------------------------------------------------------------------
def describe(item: Any) -> dict[str, Any]:
    if isinstance(item, Qualification):
        return {
            "élément": "examen",
            "code": item.code,
            "domaine": item.domain_code,
            "intitulé": item.name,
            "situation actuelle": yes_no(item.asks_situation),
            "académie de résidence": yes_no(item.requires_residence_academy),
        }
    if isinstance(item, Specialty):
        return {
            "élément": "secteur",
            "examen": item.qualification_id,
            "code": item.code,
            "intitulé": item.name,
            "ordre": item.position,
        }
    if isinstance(item, ExamSession):
        return {
            "élément": "session",
            "examen": item.qualification_id,
            "année": item.year,
            "fin de session": date_fr(item.ends_on) if item.ends_on else "",
        }
    assert isinstance(item, Paper)
    return {
        "élément": "épreuve",
        "examen": item.qualification_id,
        "secteur": item.specialty_id or "tous",
        "code": item.code,
        "intitulé": item.label,
        "nature": PAPER_KINDS.get(item.kind, item.kind),
        "groupe": item.choice_group or "",
        "mode": item.mode,
        "ordre": item.position,
    }


async def _audit(
    session: AsyncSession,
    now: datetime,
    scope: Scope,
    before: dict[str, Any],
    after: dict[str, Any],
    academy_code: str | None = None,
) -> None:
    action = (
        audit.Action.CATALOG_ITEM_CREATED
        if not before
        else audit.Action.CATALOG_ITEM_DELETED
        if not after or after.get("supprimé")
        else audit.Action.CATALOG_ITEM_CHANGED
    )
    await audit.record(
        session,
        now,
        actor=scope,
        action=action,
        academy_code=academy_code,
        before=before,
        after=after,
    )


# -- saving -------------------------------------------------------------------------------------
async def _unique(
    session: AsyncSession, model: type[Any], item_id: int | None, **keys: Any
) -> bool:
    statement = select(model)
    for name, value in keys.items():
        statement = statement.where(getattr(model, name) == value)
    other = (await session.exec(statement)).first()
    return other is None or other.id == item_id


async def save(
    db: Database,
    scope: Scope,
    now: datetime,
    model: type[Any],
    values: Mapping[str, Any],
    *,
    item_id: int | None = None,
    qualification_id: int | None = None,
) -> tuple[Any, dict[str, str]]:
    """Create (``item_id`` None; a specialty, session or paper under ``qualification_id``) or
    change an item; ``(item, {})``, or ``(None, French messages)`` and nothing changed."""
    national(scope)
    try:
        async with write_catalog(db) as session:
            item = await _save(session, scope, now, model, values, item_id, qualification_id)
        return item, {}
    except Refused as refused:
        return None, refused.errors


async def _save(
    session: AsyncSession,
    scope: Scope,
    now: datetime,
    model: type[Any],
    values: Mapping[str, Any],
    item_id: int | None,
    qualification_id: int | None,
) -> Any:
    if item_id is not None:
        item = await get(session, model, item_id)
        before = describe(item)
        parent = getattr(item, "qualification_id", None)
    else:
        if model is not Qualification:
            await get(session, Qualification, qualification_id or 0)
        item, before, parent = model(), {}, qualification_id
    if model is Qualification:
        clean, errors = parse_qualification(values, await domains(session))
        if not errors and not await _unique(session, Qualification, item_id, code=clean["code"]):
            errors["code"] = "Un autre examen porte déjà ce code."
    elif model is Specialty:
        clean, errors = parse_specialty(values)
        clean["qualification_id"] = parent
        if not errors and not await _unique(
            session, Specialty, item_id, qualification_id=parent, code=clean["code"]
        ):
            errors["code"] = "Un autre secteur de cet examen porte déjà ce code."
    elif model is ExamSession:
        clean, errors = parse_session(values)
        clean["qualification_id"] = parent
        if not errors and not await _unique(
            session, ExamSession, item_id, qualification_id=parent, year=clean["year"]
        ):
            errors["year"] = "Cet examen a déjà une session cette année-là."
        if (
            not errors
            and item_id is not None
            and clean["year"] != item.year
            and await (await footprint(session, ExamSession, item_id)).in_use(session)
        ):
            errors["year"] = (
                "Des candidats sont inscrits à cette session : son année ne peut plus changer."
            )
    else:
        clean, errors = parse_paper(values)
        clean["qualification_id"] = parent
        clean["specialty_id"] = await _paper_specialty(session, parent, values, errors)
        if not errors and not await _unique(
            session,
            Paper,
            item_id,
            qualification_id=parent,
            specialty_id=clean["specialty_id"],
            code=clean["code"],
        ):
            errors["code"] = "Une autre épreuve porte déjà ce code (pour ce secteur)."
        if (
            not errors
            and item_id is not None
            and await papers_in_use(session, [item_id])
            and any(
                clean[name] != getattr(item, name)
                for name in ("kind", "choice_group", "specialty_id")
            )
        ):
            errors["kind"] = (
                "Des candidats ont déjà choisi cette épreuve : sa nature, son groupe et son "
                "secteur ne peuvent plus changer (l'intitulé, le mode et l'ordre, oui)."
            )
    if errors:
        raise Refused(errors)
    for name, value in clean.items():
        setattr(item, name, value)
    session.add(item)
    await session.flush()
    after = describe(item)
    if before == after:
        return item
    await _audit(session, now, scope, before, after)
    return item


async def _paper_specialty(
    session: AsyncSession,
    qualification_id: int | None,
    values: Mapping[str, Any],
    errors: dict[str, str],
) -> int | None:
    text = str(values.get("specialty") or "").strip()
    if not text:
        return None
    specialty = (
        await session.get(Specialty, int(text)) if text.isdigit() and len(text) < 10 else None
    )
    if specialty is None or specialty.qualification_id != qualification_id:
        errors["specialty"] = "Choisissez un secteur de cet examen, ou « Tous les secteurs »."
        return None
    return specialty.id


# -- deleting -----------------------------------------------------------------------------------
WHAT = {
    Qualification: ("cet examen", "il", ""),
    Specialty: ("ce secteur", "il", ""),
    ExamSession: ("cette session", "elle", "e"),
    Paper: ("cette épreuve", "elle", "e"),
}


async def remove(
    db: Database, scope: Scope, now: datetime, model: type[Any], item_id: int
) -> int | None:
    """Delete an item and what hangs on it; ManagementError (in French) when candidates depend
    on it, and nothing changed. Returns the qualification it belonged to (None for one)."""
    national(scope)
    async with write_catalog(db) as session:
        item = await get(session, model, item_id)
        found = await footprint(session, model, item_id)
        if await found.in_use(session):
            what, it, e = WHAT[model]
            raise ManagementError(IN_USE.format(what=what, it=it, e=e))
        before = describe(item)
        await found.erase(session)
        if model is Qualification:
            await session.exec(
                delete(ManagingOffice).where(col(ManagingOffice.qualification_id) == item_id)
            )  # type: ignore[call-overload]
            await session.exec(
                delete(ExamSession).where(col(ExamSession.qualification_id) == item_id)
            )  # type: ignore[call-overload]
            await session.exec(delete(Specialty).where(col(Specialty.qualification_id) == item_id))  # type: ignore[call-overload]
        if model is not Paper:
            await session.delete(item)
        await session.flush()
        await _audit(session, now, scope, before, {"supprimé": "oui", **found.counts()})
        return getattr(item, "qualification_id", None)
