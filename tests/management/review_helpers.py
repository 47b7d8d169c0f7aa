"""Pieces for the review tests: the world's BIA registrations are asked an online piece (open
now, a PDF) and a postal piece in Versailles, and a postal piece in Rennes; the candidate
deposits a real file through "Mes justificatifs"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select

from portal.catalog.models import OpeningPeriod
from portal.management.models import AuditEntry
from portal.pieces.models import Piece, PieceUpload, RegistrationPiece
from tests._support.candidates import log_in
from tests.pieces.helpers import pdf_bytes, send

VERSAILLES_CANDIDATE = "alice.martin@example.fr"
RENNES_CANDIDATE = "bob.le-goff@example.fr"


@dataclass
class Pieces:
    online: Piece  # Versailles, "Copie de la pièce d'identité", required
    postal: Piece  # Versailles, "Extrait de casier judiciaire", required
    rennes: Piece  # Rennes, postal, required


async def _piece(db, period_id: int, clock, **values) -> Piece:  # type: ignore[no-untyped-def]
    async with db.write() as session:
        period = await session.get(OpeningPeriod, period_id)
        assert period is not None
        piece = Piece(
            session_id=period.session_id,
            academy_code=period.academy_code,
            opens_at=clock() - timedelta(days=1),
            closes_at=clock() + timedelta(days=20),
            formats="pdf",
            **values,
        )
        session.add(piece)
        await session.flush()
        return piece


async def add_pieces(db, world, clock) -> Pieces:  # type: ignore[no-untyped-def]
    online = await _piece(
        db,
        world.versailles.opening_period_id,
        clock,
        code="IDENTITE",
        label="Copie de la pièce d'identité",
        group_label="Dossier",
        deposit_mode="online",
        position=1,
    )
    postal = await _piece(
        db,
        world.versailles.opening_period_id,
        clock,
        code="CASIER",
        label="Extrait de casier judiciaire",
        description="Bulletin n° 3, de moins de trois mois.",
        group_label="Courrier",
        deposit_mode="postal",
        position=2,
    )
    rennes = await _piece(
        db,
        world.rennes.opening_period_id,
        clock,
        code="CASIER",
        label="Extrait de casier judiciaire (Rennes)",
        group_label="Courrier",
        deposit_mode="postal",
    )
    return Pieces(online, postal, rennes)


async def deposit(client, app, email: str, number: str, piece_id: int) -> PieceUpload:  # type: ignore[no-untyped-def]
    """The candidate deposits a real PDF through "Mes justificatifs", then logs out."""
    await log_in(client, email)
    response = await send(
        client, number, piece_id, [("identite.pdf", pdf_bytes(), "application/pdf")]
    )
    assert response.status_code in (200, 303), response.text
    await client.submit(app.route_reverse("accounts:logout"))
    async with app.state.db.read() as session:
        return (
            await session.exec(
                select(PieceUpload)
                .join(RegistrationPiece, RegistrationPiece.id == PieceUpload.registration_piece_id)
                .where(RegistrationPiece.piece_id == piece_id)
            )
        ).one()


async def standing(db, registration_id: int, piece_id: int) -> RegistrationPiece | None:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return (
            await session.exec(
                select(RegistrationPiece).where(
                    RegistrationPiece.registration_id == registration_id,
                    RegistrationPiece.piece_id == piece_id,
                )
            )
        ).first()


async def audit_entries(db, action: str | None = None) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        statement = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        return list((await session.exec(statement)).all())
