"""Which pieces a registration is asked for, and how they stand: the deposit windows' rules,
the views the pages and the "Demande de pièces" read, grouped as the guide shows them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import OpeningPeriod
from portal.dates import LONG_MINUTE, paris
from portal.pieces.content import formats_label, size_label
from portal.pieces.errors import NotFound
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


def window_refusal(piece: Piece, now: datetime) -> str | None:
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


async def standings_of(
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
    standings = await standings_of(session, registration.id, [p.id for p in pieces])  # type: ignore[arg-type,misc]
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
