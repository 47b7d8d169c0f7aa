"""Pièces justificatives: which pieces a registration is asked for, grouped as the guide shows
them; deposits, "Supprimer", "J'ai fourni toutes mes pièces" (the lock) and the manager's
statuses. Functions take the caller's session and never commit; rules that say no raise
``PieceError`` with the French message for the candidate.

Write transactions run one at a time (``Database.write``), and every rule is checked again
inside the transaction that writes: an upload that races the lock is either recorded before the
lock's transaction or refused by it, never accepted after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import OpeningPeriod
from portal.dates import LONG_MINUTE, paris
from portal.pieces.content import formats_label, size_label
from portal.pieces.models import (
    DepositMode,
    Piece,
    PieceStatus,
    PieceUpload,
    RegistrationPiece,
    ScanState,
)
from portal.registrations.models import Registration

# "23:59" is the last minute shown: a deposit is accepted until that minute has passed.
LAST_MINUTE = timedelta(minutes=1)
LONG_DAY = "EEEE dd MMMM yyyy"  # "jeudi 05 avril 2018"
STATUS_LABELS = {
    PieceStatus.received: "Reçue",
    PieceStatus.non_compliant: "Non conforme",
    PieceStatus.compliant: "Conforme",
}
POLL_SECONDS = 30


class PieceError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(PieceError):
    """Not the candidate's, or not there: answered 404."""

    def __init__(self) -> None:
        super().__init__("Cette pièce n'existe pas.")


# -- the rules ------------------------------------------------------------------------------------
def deposit_window_state(piece: Piece, now: datetime) -> str:
    """ "before", "open" or "after" the online deposit window (Paris-time boundaries)."""
    if piece.opens_at is not None and now < piece.opens_at:
        return "before"
    if now >= piece.closes_at + LAST_MINUTE:
        return "after"
    return "open"


def is_locked(standing: RegistrationPiece | None) -> bool:
    """Validated by "J'ai fourni toutes mes pièces" (until a "Non conforme" reopens it), or
    already received or found compliant by the manager."""
    if standing is None:
        return False
    return standing.validated_at is not None or standing.status in (
        PieceStatus.received,
        PieceStatus.compliant,
    )


def _window_refusal(piece: Piece, now: datetime) -> str | None:
    state = deposit_window_state(piece, now)
    if state == "before":
        return (
            "Le dépôt de cette pièce n'est pas encore ouvert : il ouvre le "
            f"{paris(piece.opens_at, LONG_MINUTE)} (heure de Paris)."
        )
    if state == "after":
        return (
            "Le dépôt de cette pièce est fermé depuis le "
            f"{paris(piece.closes_at, LONG_MINUTE)} (heure de Paris)."
        )
    return None


LOCKED_MESSAGE = (
    "Vous avez indiqué avoir fourni toutes vos pièces : cette pièce ne peut plus être modifiée."
)


# -- views ----------------------------------------------------------------------------------------
@dataclass
class PieceView:
    piece: Piece
    standing: RegistrationPiece | None
    uploads: list[PieceUpload]  # not deleted, oldest first
    now: datetime

    @property
    def dom_id(self) -> str:
        return f"piece-{self.piece.id}"

    @property
    def online(self) -> bool:
        return self.piece.deposit_mode == DepositMode.online

    @property
    def window(self) -> str:
        return deposit_window_state(self.piece, self.now)

    @property
    def locked(self) -> bool:
        return is_locked(self.standing)

    @property
    def can_change(self) -> bool:
        return self.online and self.window == "open" and not self.locked

    @property
    def can_add(self) -> bool:
        return self.can_change and len(self.uploads) < self.piece.max_files

    @property
    def status(self) -> str | None:
        return self.standing.status if self.standing else None

    @property
    def status_label(self) -> str | None:
        return STATUS_LABELS.get(PieceStatus(self.status)) if self.status else None

    @property
    def validated_at(self) -> datetime | None:
        return self.standing.validated_at if self.standing else None

    @property
    def scan_pending(self) -> bool:
        return any(u.scan == ScanState.pending for u in self.uploads)

    @property
    def provided(self) -> bool:
        return bool(self.uploads)

    @property
    def polls(self) -> bool:
        """The badge may still change without the candidate: a manager's status on a validated
        piece that is not "Conforme" yet, or a scan in progress. Otherwise polling stops."""
        if self.scan_pending and not self.can_add:
            return True
        return self.locked and self.status != PieceStatus.compliant

    @property
    def formats_label(self) -> str:
        return formats_label(self.piece.formats)

    @property
    def size_label(self) -> str:
        return size_label(self.piece.max_bytes)

    @property
    def accept(self) -> str:
        """The file input's ``accept``: a hint for the picker, never trusted."""
        types = {
            "pdf": ".pdf,application/pdf",
            "jpeg": ".jpg,.jpeg,image/jpeg",
            "png": ".png,image/png",
            "heic": ".heic,.heif,image/heic,image/heif",
        }
        return ",".join(types[f] for f in self.piece.formats.split(",") if f in types)


@dataclass
class GroupView:
    mode: str
    label: str
    opens_at: datetime | None
    closes_at: datetime
    pieces: list[PieceView] = field(default_factory=list)

    @property
    def key(self) -> int:
        """The group is named in URLs by its first piece."""
        return self.pieces[0].piece.id  # type: ignore[return-value]

    @property
    def heading(self) -> str:
        deadline = f"{paris(self.closes_at, LONG_MINUTE)} (heure/Paris)"
        if self.mode == DepositMode.online:
            start = paris(self.opens_at, LONG_DAY) if self.opens_at else ""
            return f"A déposer en ligne entre le {start} et le {deadline}"
        if self.mode == DepositMode.postal:
            return f"A envoyer par voie postale avant le {deadline}"
        return f"A fournir selon d'autres modalités avant le {deadline}"

    @property
    def online(self) -> bool:
        return self.mode == DepositMode.online

    @property
    def submitted(self) -> bool:
        return all(p.locked for p in self.pieces)

    @property
    def can_submit(self) -> bool:
        """ "J'ai fourni toutes mes pièces" is offered while something in the window is unlocked."""
        return self.online and any(p.can_change for p in self.pieces)

    @property
    def missing(self) -> list[PieceView]:
        return [p for p in self.pieces if p.piece.required and not p.locked and not p.provided]


async def applicable_pieces(session: AsyncSession, registration: Registration) -> list[Piece]:
    period = await session.get(OpeningPeriod, registration.opening_period_id)
    if period is None:
        return []
    statement = (
        select(Piece)
        .where(
            Piece.session_id == period.session_id,
            Piece.academy_code == period.academy_code,
            (col(Piece.specialty_id).is_(None))
            | (Piece.specialty_id == (registration.specialty_id or period.specialty_id)),
        )
        .order_by(col(Piece.closes_at), col(Piece.deposit_mode), col(Piece.position))
    )
    return list((await session.exec(statement)).all())


async def _standings(
    session: AsyncSession, registration_id: int, piece_ids: list[int]
) -> dict[int, RegistrationPiece]:
    if not piece_ids:
        return {}
    rows = (
        await session.exec(
            select(RegistrationPiece).where(
                RegistrationPiece.registration_id == registration_id,
                col(RegistrationPiece.piece_id).in_(piece_ids),
            )
        )
    ).all()
    return {row.piece_id: row for row in rows}


async def _active_uploads(
    session: AsyncSession, standing_ids: list[int]
) -> dict[int, list[PieceUpload]]:
    found: dict[int, list[PieceUpload]] = defaultdict(list)
    if standing_ids:
        rows = (
            await session.exec(
                select(PieceUpload)
                .where(
                    col(PieceUpload.registration_piece_id).in_(standing_ids),
                    col(PieceUpload.deleted_at).is_(None),
                )
                .order_by(col(PieceUpload.id))
            )
        ).all()
        for row in rows:
            found[row.registration_piece_id].append(row)
    return found


async def groups(
    session: AsyncSession, registration: Registration, now: datetime
) -> list[GroupView]:
    """The registration's pieces by deposit mode and deadline (then the group's label)."""
    pieces = await applicable_pieces(session, registration)
    standings = await _standings(session, registration.id, [p.id for p in pieces])  # type: ignore[arg-type,misc]
    uploads = await _active_uploads(session, [s.id for s in standings.values()])  # type: ignore[misc]
    views = [
        PieceView(
            piece,
            standings.get(piece.id),  # type: ignore[arg-type]
            uploads.get(standings[piece.id].id, []) if piece.id in standings else [],  # type: ignore[arg-type]
            now,
        )
        for piece in pieces
    ]

    def key(view: PieceView) -> tuple[datetime, str, str]:
        return (view.piece.closes_at, view.piece.deposit_mode, view.piece.group_label)

    result = []
    for (closes_at, mode, label), members in groupby(sorted(views, key=key), key=key):
        members_list = sorted(members, key=lambda v: v.piece.position)
        opens = [v.piece.opens_at for v in members_list if v.piece.opens_at]
        result.append(
            GroupView(mode, label, min(opens) if opens else None, closes_at, members_list)
        )
    return result


async def group_of(
    session: AsyncSession, registration: Registration, piece_id: int, now: datetime
) -> tuple[GroupView, PieceView]:
    for group in await groups(session, registration, now):
        for view in group.pieces:
            if view.piece.id == piece_id:
                return group, view
    raise NotFound()


def request_items(groups: list[GroupView]) -> list[dict[str, object]]:
    """The pieces as ``documents.publish_pieces_request`` lists them in the "Demande de pièces
    justificatives" (label, deposit mode, deadline, description)."""
    return [
        {
            "label": view.piece.label,
            "mode": view.piece.deposit_mode,
            "deadline": view.piece.closes_at,
            "detail": view.piece.description,
        }
        for group in groups
        for view in group.pieces
    ]


# -- the candidate's changes (inside the caller's write transaction) ------------------------------
def upload_refusal(view: PieceView) -> str | None:
    """Why a new file cannot be added now, or None."""
    if not view.online:
        return "Cette pièce ne se dépose pas en ligne."
    refusal = _window_refusal(view.piece, view.now)
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
    standing = await _standings(session, registration.id, [piece.id])  # type: ignore[arg-type,list-item]
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
    refusal = _window_refusal(view.piece, now)
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
    refusal = _window_refusal(group.pieces[0].piece, now)
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
    réception". "Non conforme" reopens the piece: a new upload, then "J'ai fourni toutes mes
    pièces" again."""
    pieces = {p.id: p for p in await applicable_pieces(session, registration)}
    piece = pieces.get(piece_id)
    if piece is None:
        raise NotFound()
    standing = await _standing(session, registration, piece, now)
    standing.status = status.value if status else None
    standing.manager_comment = comment.strip()[:500] if status == PieceStatus.non_compliant else ""
    if received_on is not None:
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
