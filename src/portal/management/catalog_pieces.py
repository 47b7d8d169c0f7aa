"""Piece requirements (pièces justificatives) in the back office: which pieces a session asks in
an académie (for one specialty or all), how they are deposited (online with formats, size and
number of files; by post; otherwise), their regroupement and deadline in Paris time.

A ``Piece`` belongs to an académie, so it is scoped like the periods: a manager lists, creates,
changes and deletes only their académies' pieces; another académie's piece answers 404. A piece
a candidate already has a standing on (a file, the lock, a manager's status) is never deleted,
and its deposit mode no longer changes. Pieces are read from the database by the candidate's
pages (not from the catalog snapshot), so a change shows on the next request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import Academy, Qualification, Specialty
from portal.catalog.models import Session as ExamSession
from portal.dates import paris
from portal.db import Database
from portal.management import audit
from portal.management.catalog import write_catalog
from portal.management.catalog_items import Refused, pieces_in_use
from portal.management.catalog_rules import DEPOSIT_MODES, parse_piece, yes_no
from portal.management.errors import ManagementError, OutOfScope
from portal.management.scope import Scope, academies_in_scope
from portal.pieces.models import Piece


@dataclass(frozen=True)
class PieceLine:
    piece: Piece
    qualification: str
    year: int
    academy: str
    specialty: str


async def pieces(session: AsyncSession, scope: Scope) -> list[PieceLine]:
    rows = (
        await session.exec(
            select(Piece, ExamSession, Qualification, Academy)
            .join(ExamSession, col(ExamSession.id) == Piece.session_id)
            .join(Qualification, col(Qualification.id) == ExamSession.qualification_id)
            .join(Academy, col(Academy.code) == Piece.academy_code)
            .where(scope.where(Piece.academy_code))
            .order_by(
                col(Qualification.name),
                col(ExamSession.year).desc(),
                col(Academy.name),
                col(Piece.position),
            )
        )
    ).all()
    names = {s.id: s.name for s in (await session.exec(select(Specialty))).all()}
    return [
        PieceLine(
            p, q.name, e.year, a.name, names.get(p.specialty_id, "") if p.specialty_id else "Tous"
        )
        for p, e, q, a in rows
    ]


async def choices(session: AsyncSession, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    sessions = (
        await session.exec(
            select(ExamSession, Qualification)
            .join(Qualification, col(Qualification.id) == ExamSession.qualification_id)
            .order_by(col(Qualification.name), col(ExamSession.year).desc())
        )
    ).all()
    specialties = (
        await session.exec(
            select(Specialty, Qualification)
            .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
            .order_by(col(Qualification.name), col(Specialty.position))
        )
    ).all()
    return {
        "sessions": [(str(e.id), f"{q.name} – session {e.year}") for e, q in sessions],
        "academies": [(a.code, a.name) for a in await academies_in_scope(session, scope)],
        "specialties": [(str(s.id), f"{q.name} : {s.name}") for s, q in specialties],
        "deposit_modes": list(DEPOSIT_MODES.items()),
    }


async def get_piece(session: AsyncSession, scope: Scope, piece_id: int) -> Piece:
    piece = await session.get(Piece, piece_id)
    if piece is None or not scope.covers(piece.academy_code):
        raise OutOfScope()
    return piece


def as_form(piece: Piece) -> dict[str, Any]:
    values: dict[str, Any] = {
        "session": str(piece.session_id),
        "academy": piece.academy_code,
        "specialty": str(piece.specialty_id or ""),
        "code": piece.code,
        "label": piece.label,
        "description": piece.description,
        "group_label": piece.group_label,
        "deposit_mode": piece.deposit_mode,
        "opens_at": paris(piece.opens_at) if piece.opens_at else "",
        "closes_at": paris(piece.closes_at),
        "max_megabytes": str(max(1, piece.max_bytes // 1_000_000)),
        "max_files": str(piece.max_files),
        "required": "oui" if piece.required else "",
        "position": str(piece.position),
    }
    for name in piece.formats.split(","):
        values[f"format_{name}"] = "on"
    return values


def describe(piece: Piece) -> dict[str, Any]:
    return {
        "élément": "pièce",
        "session": piece.session_id,
        "académie": piece.academy_code,
        "secteur": piece.specialty_id or "tous",
        "code": piece.code,
        "intitulé": piece.label,
        "description": piece.description,
        "regroupement": piece.group_label,
        "dépôt": DEPOSIT_MODES.get(piece.deposit_mode, piece.deposit_mode),
        "ouverture": paris(piece.opens_at) if piece.opens_at else "",
        "date limite": paris(piece.closes_at),
        "formats": piece.formats,
        "taille maximale": piece.max_bytes,
        "fichiers": piece.max_files,
        "obligatoire": yes_no(piece.required),
        "ordre": piece.position,
    }


def _int(value: Any) -> int:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


async def resolve(
    session: AsyncSession, scope: Scope, values: Mapping[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """The piece's session, académie (one of the manager's) and specialty (of that session's
    qualification, or none) from a form's ids."""
    exam = await session.get(ExamSession, _int(values.get("session")))
    if exam is None:
        errors["session"] = "Choisissez la session."
    academy = str(values.get("academy") or "").strip().lower()
    if not academy or not scope.covers(academy) or await session.get(Academy, academy) is None:
        errors["academy"] = "Choisissez une de vos académies."
    specialty_id: int | None = None
    if str(values.get("specialty") or "").strip():
        specialty = await session.get(Specialty, _int(values.get("specialty")))
        if specialty is None or (
            exam is not None and specialty.qualification_id != exam.qualification_id
        ):
            errors["specialty"] = (
                "Choisissez un secteur de l'examen de cette session, ou « Tous les secteurs »."
            )
        else:
            specialty_id = specialty.id
    return {
        "session_id": exam.id if exam else None,
        "academy_code": academy,
        "specialty_id": specialty_id,
    }


async def save_piece(
    db: Database,
    scope: Scope,
    now: datetime,
    values: Mapping[str, Any],
    piece_id: int | None = None,
) -> tuple[Piece | None, dict[str, str]]:
    try:
        async with write_catalog(db) as session:
            return await _save(session, scope, now, values, piece_id), {}
    except Refused as refused:
        return None, refused.errors


async def _save(
    session: AsyncSession,
    scope: Scope,
    now: datetime,
    values: Mapping[str, Any],
    piece_id: int | None,
) -> Piece:
    if piece_id is not None:
        piece = await get_piece(session, scope, piece_id)
        before = describe(piece)
    else:
        piece, before = None, {}
    clean, errors = parse_piece(values)
    clean.update(await resolve(session, scope, values, errors))
    if not errors:
        duplicate = (
            await session.exec(
                select(Piece.id).where(
                    Piece.session_id == clean["session_id"],
                    Piece.academy_code == clean["academy_code"],
                    Piece.code == clean["code"],
                )
            )
        ).first()
        if duplicate is not None and duplicate != piece_id:
            errors["code"] = "Cette session demande déjà une pièce de ce code dans cette académie."
    if (
        not errors
        and piece is not None
        and await pieces_in_use(session, [piece.id])  # type: ignore[list-item]
        and any(
            clean[name] != getattr(piece, name)
            for name in ("session_id", "academy_code", "specialty_id", "deposit_mode")
        )
    ):
        errors["deposit_mode"] = (
            "Des candidats ont déjà commencé à fournir cette pièce : sa session, son académie, "
            "son secteur et son mode de dépôt ne peuvent plus changer."
        )
    if errors:
        raise Refused(errors)
    piece = piece or Piece(**clean)
    for name, value in clean.items():
        setattr(piece, name, value)
    session.add(piece)
    await session.flush()
    after = describe(piece)
    if after != before:
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.CATALOG_ITEM_CHANGED
            if before
            else audit.Action.CATALOG_ITEM_CREATED,
            academy_code=piece.academy_code,
            before=before,
            after=after,
        )
    return piece


async def delete_piece(db: Database, scope: Scope, now: datetime, piece_id: int) -> None:
    async with write_catalog(db) as session:
        piece = await get_piece(session, scope, piece_id)
        if await pieces_in_use(session, [piece_id]):
            raise ManagementError(
                "Des candidats ont déjà commencé à fournir cette pièce : elle ne peut pas être "
                "supprimée. Rien n'a changé."
            )
        before = describe(piece)
        await session.delete(piece)
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.CATALOG_ITEM_DELETED,
            academy_code=piece.academy_code,
            before=before,
            after={"supprimé": "oui"},
        )
