"""Pièces justificatives: the candidate's changes (which pieces are asked and how they stand is
in ``views``) — deposits, "Supprimer", "J'ai fourni toutes mes pièces" (the lock) and the manager's
statuses. Functions take the caller's session and never commit; rules that say no raise
``PieceError`` with the French message for the candidate.

Write transactions run one at a time (``Database.write``), and every rule is checked again
inside the transaction that writes: an upload that races the lock is either recorded before the
lock's transaction or refused by it, never accepted after.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.pieces.errors import NotFound, PieceError
from portal.pieces.models import (
    Piece,
    PieceStatus,
    PieceUpload,
    RegistrationPiece,
    ScanState,
)
from portal.pieces.views import (
    LOCKED_MESSAGE,
    GroupView,
    PieceView,
    applicable_pieces,
    group_of,
    standings_of,
    window_refusal,
)
from portal.registrations.models import Registration

__all__ = ["NotFound", "PieceError"]


# -- the candidate's changes (inside the caller's write transaction) ------------------------------
def upload_refusal(view: PieceView) -> str | None:
    """Why a new file cannot be added now, or None."""
    if not view.online:
        return "Cette pièce ne se dépose pas en ligne."
    refusal = window_refusal(view.piece, view.now)
    if refusal:
        return refusal
    if view.locked:
        return LOCKED_MESSAGE
    if len(view.uploads) >= view.piece.max_files:
        count = len(view.uploads)
        return (
            f"Cette pièce a déjà {count} fichier{'s' if count > 1 else ''} : supprimez-en un "
            "avant d'en ajouter un autre."
        )
    return None


async def _standing(
    session: AsyncSession, registration: Registration, piece: Piece, now: datetime
) -> RegistrationPiece:
    standing = await standings_of(session, registration.id, [piece.id])  # type: ignore[arg-type,list-item]
    row = standing.get(piece.id)  # type: ignore[arg-type]
    if row is None:
        row = RegistrationPiece(
            registration_id=registration.id,  # type: ignore[arg-type]
            piece_id=piece.id,  # type: ignore[arg-type]
            changed_at=now,
        )
        session.add(row)
        await session.flush()
    return row


async def record_upload(
    session: AsyncSession,
    registration: Registration,
    piece_id: int,
    *,
    storage_name: str,
    file_name: str,
    media_type: str,
    size: int,
    sha256: str,
    scan: ScanState,
    now: datetime,
) -> PieceUpload:
    """The row of a file already kept on disk; every rule is checked again here, under the
    write lock. A "Non conforme" piece gets a new file: its status is cleared (just deposited)."""
    _, view = await group_of(session, registration, piece_id, now)
    refusal = upload_refusal(view)
    if refusal:
        raise PieceError(refusal)
    standing = await _standing(session, registration, view.piece, now)
    if standing.status == PieceStatus.non_compliant:
        standing.status = None
    standing.changed_at = now
    session.add(standing)
    upload = PieceUpload(
        registration_piece_id=standing.id,  # type: ignore[arg-type]
        storage_name=storage_name,
        file_name=file_name[:255],
        media_type=media_type,
        size=size,
        sha256=sha256,
        uploaded_at=now,
        scan=scan.value,
        scanned_at=now if scan == ScanState.clean else None,
    )
    session.add(upload)
    await session.flush()
    return upload


async def owned_upload(
    session: AsyncSession, registration: Registration, upload_id: int
) -> tuple[PieceUpload, RegistrationPiece] | None:
    row = (
        await session.exec(
            select(PieceUpload, RegistrationPiece)
            .join(RegistrationPiece, col(RegistrationPiece.id) == PieceUpload.registration_piece_id)
            .where(
                PieceUpload.id == upload_id,
                RegistrationPiece.registration_id == registration.id,
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def delete_upload(
    session: AsyncSession, registration: Registration, upload_id: int, now: datetime
) -> int:
    """ "Supprimer": the file leaves the piece (its version is kept for the record) while the
    piece can still change. Returns the piece's id."""
    found = await owned_upload(session, registration, upload_id)
    if found is None or found[0].deleted_at is not None:
        raise NotFound()
    upload, standing = found
    _, view = await group_of(session, registration, standing.piece_id, now)
    if view.locked:
        raise PieceError(LOCKED_MESSAGE)
    refusal = window_refusal(view.piece, now)
    if refusal:
        raise PieceError(refusal)
    upload.deleted_at = now
    standing.changed_at = now
    session.add(upload)
    session.add(standing)
    await session.flush()
    return standing.piece_id


async def submit_group(
    session: AsyncSession, registration: Registration, piece_id: int, now: datetime
) -> GroupView:
    """ "J'ai fourni toutes mes pièces": refused while a required piece has no file; otherwise
    every piece of the group not yet validated gets today's validation date and is locked."""
    group, _ = await group_of(session, registration, piece_id, now)
    if not group.online:
        raise PieceError("Ces pièces ne se déposent pas en ligne.")
    refusal = window_refusal(group.pieces[0].piece, now)
    if refusal:
        raise PieceError(refusal)
    if group.submitted:
        raise PieceError(
            "Vous avez déjà indiqué avoir fourni toutes les pièces de ce regroupement."
        )
    missing = group.missing
    if missing:
        names = ", ".join(f"« {m.piece.label} »" for m in missing)
        raise PieceError(
            f"Il manque {'des pièces' if len(missing) > 1 else 'une pièce'} : {names}. "
            "Ajoutez-les avant d'indiquer que vous avez fourni toutes vos pièces."
        )
    for view in group.pieces:
        if view.locked:
            continue
        standing = await _standing(session, registration, view.piece, now)
        standing.validated_at = now
        standing.changed_at = now
        session.add(standing)
    await session.flush()
    return group


# -- the manager's statuses (the back office calls these; no mail is sent, guide §10) -------------
async def set_status(
    session: AsyncSession,
    registration: Registration,
    piece_id: int,
    status: PieceStatus | None,
    *,
    now: datetime,
    comment: str = "",
    received_on: date | None = None,
) -> RegistrationPiece:
    """Reçue, Non conforme (with "Information du gestionnaire") or Conforme, and the "Date de
    réception"; or no status again (None), without a date of receipt. "Non conforme" reopens
    the piece: a new upload, then "J'ai fourni toutes mes pièces" again."""
    pieces = {p.id: p for p in await applicable_pieces(session, registration)}
    piece = pieces.get(piece_id)
    if piece is None:
        raise NotFound()
    standing = await _standing(session, registration, piece, now)
    standing.status = status.value if status else None
    standing.manager_comment = comment.strip()[:500] if status == PieceStatus.non_compliant else ""
    if status is None:
        standing.received_on = None
    elif received_on is not None:
        standing.received_on = received_on
    if status == PieceStatus.non_compliant:
        standing.validated_at = None
    standing.changed_at = now
    session.add(standing)
    await session.flush()
    return standing


def downloadable(upload: PieceUpload) -> bool:
    """A file may be handed out (to its candidate, and to managers with the back office) only
    once scanned clean, or when no clamd is configured: never "analyse en cours" (DECISIONS 16)."""
    return (
        upload.storage_name is not None
        and upload.deleted_at is None
        and upload.scan in (ScanState.clean, ScanState.unscanned)
    )
