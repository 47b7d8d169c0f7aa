"""What the pieces domain tells Accounts (listed in ``portal.composition``): the files deposited,
for "Mes données", and erasing the rows of erased accounts. The files themselves are removed by
the rescan job once no row names them (``jobs.remove_orphan_files``), never inside the
transaction, which may still roll back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.pieces.models import Piece, PieceUpload, RegistrationPiece
from portal.registrations.models import Registration


async def export_pieces(session: AsyncSession, account_id: int) -> dict[str, Any]:
    rows = (
        await session.exec(
            select(PieceUpload, RegistrationPiece, Piece, Registration.registration_number)
            .join(RegistrationPiece, col(RegistrationPiece.id) == PieceUpload.registration_piece_id)
            .join(Piece, col(Piece.id) == RegistrationPiece.piece_id)
            .join(Registration, col(Registration.id) == RegistrationPiece.registration_id)
            .where(Registration.account_id == account_id)
            .order_by(col(PieceUpload.id))
        )
    ).all()
    return {
        "pieces_justificatives": [
            {
                "inscription": number,
                "piece": piece.label,
                "fichier": upload.file_name,
                "type": upload.media_type,
                "taille": upload.size,
                "depose_le": upload.uploaded_at.isoformat(),
                "supprime_le": upload.deleted_at.isoformat() if upload.deleted_at else None,
                "valide_le": standing.validated_at.isoformat() if standing.validated_at else None,
                "statut": standing.status,
            }
            for upload, standing, piece, number in rows
        ]
    }


async def erase_pieces(session: AsyncSession, account_ids: list[int]) -> None:
    """The uploads' rows and the standings of these accounts' registrations (children first)."""
    registrations = select(Registration.id).where(col(Registration.account_id).in_(account_ids))
    await _erase(session, registrations)


async def erase_registration_pieces(session: AsyncSession, registration_ids: list[int]) -> None:
    """The same for these registrations (retention of closed sessions); the files go with the
    job that removes files no row names."""
    await _erase(session, registration_ids)


async def _erase(session: AsyncSession, registrations: Any) -> None:
    standings = select(RegistrationPiece.id).where(
        col(RegistrationPiece.registration_id).in_(registrations)
    )
    await session.exec(
        delete(PieceUpload).where(col(PieceUpload.registration_piece_id).in_(standings))
    )  # type: ignore[call-overload]
    await session.exec(
        delete(RegistrationPiece).where(col(RegistrationPiece.registration_id).in_(registrations))
    )  # type: ignore[call-overload]
