"""Cover slips of postal pieces (issue 13 item 6): each postal piece of a "Demande de pièces
justificatives" gets a slip whose QR code holds a random code; a manager scans it (a USB scanner
types it, then Enter) and the piece is "Reçue" today, within their académies only.

The code is 16 letters drawn by ``secrets`` from an alphabet that a scanner set to a QWERTY or an
AZERTY keyboard types the same (no A, Q, W, Z, M, no digit, no punctuation) and that a person
copies without doubt (no I, L, O): about 67 bits, never an id. Lower case, spaces and dashes typed
by hand are forgiven."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.dates import date_fr
from portal.db import Database
from portal.management import audit
from portal.management.errors import OutOfScope
from portal.management.models import PieceSlip
from portal.management.registrations import Found, find
from portal.management.review import Decision, apply, piece_of, today
from portal.management.scope import Scope
from portal.pieces.models import PieceStatus
from portal.registrations.models import Registration

security = logging.getLogger("portal.security")

ALPHABET = "BCDEFGHJKNPRSTUVXY"
LENGTH = 16
UNKNOWN = (
    "Ce code ne correspond à aucun bordereau des académies que vous gérez : rien n'a été "
    "modifié. Vérifiez le bordereau, ou saisissez son code à la main."
)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalized(text: object) -> str:
    """What the scanner (or a person) typed, as stored: upper case, separators dropped."""
    raw = str(text or "").upper()
    return "".join(c for c in raw if not c.isspace() and c not in "-_.")[:64]


def grouped(code: str) -> str:
    """Four groups of four letters, for reading aloud or typing."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


async def slip_codes(
    session: AsyncSession, registration_id: int, piece_ids: list[int], now: datetime
) -> dict[int, str]:
    """The slip code of each postal piece of the registration, made the first time (in the
    caller's write transaction); a later demande or relance prints the same code."""
    if not piece_ids:
        return {}
    existing = {
        slip.piece_id: slip.code
        for slip in (
            await session.exec(
                select(PieceSlip).where(
                    PieceSlip.registration_id == registration_id,
                    col(PieceSlip.piece_id).in_(piece_ids),
                )
            )
        ).all()
    }
    for piece_id in piece_ids:
        if piece_id not in existing:
            slip = PieceSlip(
                code=new_code(), registration_id=registration_id, piece_id=piece_id, created_at=now
            )
            session.add(slip)
            existing[piece_id] = slip.code
    await session.flush()
    return existing


@dataclass(frozen=True)
class Scanned:
    """What a scan did, in the manager's words: ``kind`` is ``success`` (the piece is now
    "Reçue"), ``info`` (it already was: nothing changed) or ``error`` (nothing changed)."""

    kind: str
    message: str
    registration_id: int | None = None


def _who(found: Found) -> str:
    account = found.account
    return (
        f"{account.birth_name} {account.first_names} (N° candidat {account.candidate_number}, "
        f"inscription {found.registration.registration_number})"
    )


async def scan(db: Database, scope: Scope, now: datetime, typed: object) -> Scanned:
    """Mark the slip's piece "Reçue" with today's Paris date, in one transaction with its
    audit entry. An unknown code, a slip of another académie or of a withdrawn registration
    change nothing and say so."""
    code = normalized(typed)
    if not code:
        return Scanned("error", "Scannez le bordereau, ou saisissez son code.")
    async with db.write() as session:
        slip = await session.get(PieceSlip, code) if len(code) == LENGTH else None
        if slip is None:
            return Scanned("error", UNKNOWN)
        try:
            found = await find(session, scope, slip.registration_id)
            _, view = await piece_of(session, found, slip.piece_id, now)
        except OutOfScope:
            security.info("slip of another académie scanned (manager=%s)", scope.account_id)
            return Scanned("error", UNKNOWN)
        who = _who(found)
        label = view.piece.label
        if found.registration.withdrawn_at is not None:
            return Scanned(
                "error",
                f"L'inscription de {who} est désinscrite : « {label} » n'a pas été marquée reçue.",
                found.registration.id,
            )
        standing = view.standing
        if standing is not None and standing.status in (
            PieceStatus.received,
            PieceStatus.compliant,
        ):
            state = "conforme" if standing.status == PieceStatus.compliant else "reçue"
            since = f" le {date_fr(standing.received_on)}" if standing.received_on else ""
            return Scanned(
                "info",
                f"Déjà {state}{since} : « {label} » de {who}. Rien n'a été modifié.",
                found.registration.id,
            )
        day = today(now)
        await apply(
            session,
            scope,
            found,
            slip.piece_id,
            Decision(PieceStatus.received, "", day),
            now,
            action=audit.Action.PIECE_SCANNED,
        )
    return Scanned(
        "success",
        f"Reçue le {date_fr(day)} : « {label} » de {who}.",
        found.registration.id,
    )


# -- erasure (composition lists these with the other domains' erasers) --------------------------
async def erase_registration_slips(session: AsyncSession, registration_ids: list[int]) -> None:
    await session.exec(  # type: ignore[call-overload]
        delete(PieceSlip).where(col(PieceSlip.registration_id).in_(registration_ids))
    )


async def erase_slips(session: AsyncSession, account_ids: list[int]) -> None:
    """The slips of these accounts' registrations, before the registrations go."""
    owned = select(Registration.id).where(col(Registration.account_id).in_(account_ids))
    await session.exec(delete(PieceSlip).where(col(PieceSlip.registration_id).in_(owned)))  # type: ignore[call-overload]
