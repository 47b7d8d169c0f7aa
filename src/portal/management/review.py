"""Piece review (issue 13 item 5): a registration's pieces with their files as a manager sees
them, a file handed out only within the manager's académies, and the manager's status —
"Reçue", "Non conforme" (with the comment the candidate reads), "Conforme" — with its
"Date de réception" (a Paris date, today by default). Each change is written with its audit
entry in one transaction, through the pieces domain's own ``set_status``; the candidate's
"Mes justificatifs" reads the same row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.dates import PARIS, date_fr
from portal.db import Database
from portal.forms import clean_text, parse_date
from portal.management import audit
from portal.management.errors import ManagementError, OutOfScope
from portal.management.registrations import Found, find
from portal.management.scope import Scope
from portal.pieces import service as pieces
from portal.pieces import views
from portal.pieces.errors import NotFound
from portal.pieces.models import PieceStatus, PieceUpload, RegistrationPiece

COMMENT_MAX = 500
STATUS_CHOICES = {
    PieceStatus.received.value: "Reçue",
    PieceStatus.non_compliant.value: "Non conforme",
    PieceStatus.compliant.value: "Conforme",
}
# Back to the guide's case 1, "aucun statut n'est positionné": a status set by mistake (a postal
# piece marked "Reçue" that never came) is taken back; offered once a piece has a status.
NO_STATUS = "aucun"
REVIEW_CHOICES = {**STATUS_CHOICES, NO_STATUS: "Aucun statut"}


def today(now: datetime) -> date:
    """The manager's day: the Paris date of this instant."""
    return now.astimezone(PARIS).date()


@dataclass(frozen=True)
class Decision:
    """A manager's status on one piece, cleaned."""

    status: PieceStatus | None  # None: back to "aucun statut", without a date of receipt
    comment: str
    received_on: date | None

    @property
    def label(self) -> str:
        return REVIEW_CHOICES[self.status.value if self.status else NO_STATUS]


def parse_decision(
    values: Mapping[str, Any], now: datetime
) -> tuple[Decision | None, dict[str, str]]:
    """The status asked for, or a French message per wrong field (``status``, ``comment``,
    ``received_on``)."""
    errors: dict[str, str] = {}
    raw = clean_text(values.get("status"))
    if raw == NO_STATUS:
        return Decision(None, "", None), {}
    status = PieceStatus(raw) if raw in STATUS_CHOICES else None
    if status is None:
        errors["status"] = "Choisissez le statut de la pièce : Reçue, Non conforme ou Conforme."
    comment = clean_text(values.get("comment"))
    if status == PieceStatus.non_compliant and not comment:
        errors["comment"] = (
            "Indiquez pourquoi la pièce n'est pas conforme : le candidat lit ce commentaire "
            "dans « Mes justificatifs »."
        )
    elif len(comment) > COMMENT_MAX:
        errors["comment"] = f"Le commentaire ne doit pas dépasser {COMMENT_MAX} caractères."
    text = clean_text(values.get("received_on"))
    received_on = parse_date(text) if text else None
    if text and received_on is None:
        errors["received_on"] = "Saisissez une date au format JJ/MM/AAAA, par exemple 05/04/2027."
    elif received_on is not None and received_on > today(now):
        errors["received_on"] = "La date de réception ne peut pas être postérieure à aujourd'hui."
    elif received_on is None and status == PieceStatus.received:
        errors["received_on"] = "Indiquez la date de réception de la pièce."
    if errors or status is None:
        return None, errors
    return Decision(status, comment if status == PieceStatus.non_compliant else "", received_on), {}


def _state(standing: RegistrationPiece | None) -> dict[str, Any]:
    if standing is None:
        return {"statut": None, "date de réception": None, "commentaire": None}
    label = STATUS_CHOICES.get(standing.status or "")
    return {
        "statut": label,
        "date de réception": date_fr(standing.received_on) if standing.received_on else None,
        "commentaire": standing.manager_comment or None,
    }


def _labelled(label: str, state: dict[str, Any]) -> dict[str, Any]:
    """Audit keys carry the piece's name, so the journal says which piece changed."""
    return {f"{label} : {key}": value for key, value in state.items()}


async def pieces_of(session: AsyncSession, found: Found, now: datetime) -> list[views.GroupView]:
    """The registration's pieces grouped as the candidate sees them, with their files."""
    return await views.groups(session, found.registration, now)


async def piece_of(
    session: AsyncSession, found: Found, piece_id: int, now: datetime
) -> tuple[views.GroupView, views.PieceView]:
    try:
        return await views.group_of(session, found.registration, piece_id, now)
    except NotFound as exc:
        raise OutOfScope() from exc


async def apply(
    session: AsyncSession,
    scope: Scope,
    found: Found,
    piece_id: int,
    decision: Decision,
    now: datetime,
    *,
    action: str = audit.Action.PIECE_REVIEWED,
) -> RegistrationPiece:
    """Set the status inside the caller's write transaction, with its audit entry."""
    _, view = await piece_of(session, found, piece_id, now)
    before = _state(view.standing)
    received_on = decision.received_on
    if received_on is None and decision.status not in (None, PieceStatus.non_compliant):
        received_on = view.standing.received_on if view.standing else None
    standing = await pieces.set_status(
        session,
        found.registration,
        piece_id,
        decision.status,
        now=now,
        comment=decision.comment,
        received_on=received_on,
    )
    await audit.record(
        session,
        now,
        actor=scope,
        action=action,
        registration_id=found.registration.id,
        academy_code=found.period.academy_code,
        before=_labelled(view.piece.label, before),
        after=_labelled(view.piece.label, _state(standing)),
    )
    return standing


async def review(
    db: Database,
    scope: Scope,
    now: datetime,
    registration_id: int,
    piece_id: int,
    decision: Decision,
) -> RegistrationPiece:
    """One status, in one transaction; OutOfScope for a registration or piece outside."""
    async with db.write() as session:
        found = await find(session, scope, registration_id)
        if found.registration.withdrawn_at is not None:
            raise ManagementError(
                "Cette inscription est désinscrite : ses pièces ne changent plus."
            )
        return await apply(session, scope, found, piece_id, decision, now)


async def upload_in_scope(
    session: AsyncSession, scope: Scope, registration_id: int, upload_id: int
) -> PieceUpload:
    """A file of this registration, within the manager's académies, that may be handed out
    (scanned clean, or no scanner configured); OutOfScope otherwise."""
    found = await find(session, scope, registration_id)
    row = (
        await session.exec(
            select(PieceUpload)
            .join(RegistrationPiece, col(RegistrationPiece.id) == PieceUpload.registration_piece_id)
            .where(
                PieceUpload.id == upload_id,
                RegistrationPiece.registration_id == found.registration.id,
            )
        )
    ).first()
    if row is None or not pieces.downloadable(row):
        raise OutOfScope()
    return row


def summary(groups: list[views.GroupView]) -> dict[str, int]:
    """How many pieces stand where, for the registration's page."""
    counts = {"total": 0, "missing": 0, "to_check": 0, "non_compliant": 0, "compliant": 0}
    for group in groups:
        for view in group.pieces:
            counts["total"] += 1
            counts[piece_state(view)] += 1
    return counts


def piece_state(view: views.PieceView) -> str:
    """One word per piece: ``missing`` (nothing deposited or received), ``to_check`` (deposited
    or received, not yet judged), ``non_compliant``, ``compliant``. The list's filter says the
    same in SQL (``listing``)."""
    if view.status == PieceStatus.compliant:
        return "compliant"
    if view.status == PieceStatus.non_compliant:
        return "non_compliant"
    if view.status == PieceStatus.received or view.provided:
        return "to_check"
    return "missing"
