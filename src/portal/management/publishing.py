"""Publishing a document (issue 13 item 7) to one registration or to the filtered selection of
the list: a "Convocation", a "Demande de pièces" (one piece typed here, or each registration's
own pieces from the catalog, a cover slip with a QR code for each postal one) or a "Relance"
(only the registrations with missing or non-compliant pieces, each reminded of those pieces),
through the documents domain's own publish functions. The manager sees a preview and the count
first; publishing checks that the selection still has that count, then publishes every
document, with its audit entry, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.dates import PARIS
from portal.db import Database
from portal.documents import service as documents
from portal.documents.models import KIND_LABELS, Document, DocumentKind
from portal.forms import clean_text, parse_date
from portal.management import audit, listing, slips
from portal.management.errors import ManagementError
from portal.management.registrations import find
from portal.management.review import piece_state
from portal.management.scope import Scope
from portal.pieces import views
from portal.pieces.models import DepositMode
from portal.registrations.models import Registration

security = logging.getLogger("portal.security")

KINDS = {
    DocumentKind.CONVOCATION.value: KIND_LABELS[DocumentKind.CONVOCATION],
    DocumentKind.PIECES_REQUEST.value: KIND_LABELS[DocumentKind.PIECES_REQUEST],
    DocumentKind.PIECES_REMINDER.value: KIND_LABELS[DocumentKind.PIECES_REMINDER],
}
MODES = documents.DEPOSIT_MODES
CATALOG = "catalogue"  # the pieces each registration is asked in the catalog
TYPED = "saisie"  # one piece typed in the form
SOURCES = {
    CATALOG: "Les pièces demandées à chaque inscription dans le catalogue (un bordereau avec QR "
    "code pour chaque pièce à envoyer par courrier)",
    TYPED: "Une pièce saisie ci-dessous",
}


@dataclass(frozen=True)
class Publication:
    """What is to be published, cleaned: the kind and what the documents service takes."""

    kind: str
    sittings: list[dict[str, Any]] = field(default_factory=list)
    requirements: list[dict[str, Any]] = field(default_factory=list)
    source: str = TYPED  # CATALOG: each registration's own pieces (always for a relance)

    @property
    def from_catalog(self) -> bool:
        return self.source == CATALOG

    @property
    def pieces_filter(self) -> str:
        """Who may receive it besides the list's filters: a relance only the registrations with
        missing or non-compliant pieces, a demande from the catalog those asked for a piece."""
        if self.kind == DocumentKind.PIECES_REMINDER:
            return "a-relancer"
        return listing.WITH_PIECES if self.from_catalog else ""

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    def preview(self) -> dict[str, Any]:
        """What the documents' own partials read (without the candidate's part)."""
        return {
            "kind": self.kind,
            "sittings": [
                {**s, "place": [line for line in s["place"].split("\n") if line.strip()]}
                for s in self.sittings
            ],
            "requirements": [{**r, "mode_label": MODES[r["mode"]]} for r in self.requirements],
            "return_address": [],
        }


def _time(value: Any) -> time | None:
    text = clean_text(value).replace("h", ":").replace("H", ":")
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1] or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _instant(
    values: Mapping[str, Any], day_name: str, time_name: str, errors: dict[str, str], now: datetime
) -> datetime | None:
    day = parse_date(values.get(day_name))
    at = _time(values.get(time_name))
    if day is None:
        errors[day_name] = "Saisissez une date au format JJ/MM/AAAA, par exemple 15/05/2027."
    if at is None:
        errors[time_name] = "Saisissez une heure au format HH:MM, par exemple 09:30."
    if day is None or at is None:
        return None
    instant = datetime.combine(day, at, tzinfo=PARIS)
    if instant <= now:
        errors[day_name] = "Cette date est déjà passée : choisissez une date à venir."
        return None
    return instant


def _text(
    values: Mapping[str, Any],
    name: str,
    label: str,
    errors: dict[str, str],
    limit: int,
    *,
    lines: bool = False,
) -> str:
    raw = str(values.get(name) or "")
    text = (
        "\n".join(clean_text(line) for line in raw.splitlines() if clean_text(line))
        if lines
        else clean_text(raw)
    )
    if not text:
        errors[name] = f"Indiquez {label}."
    elif len(text) > limit:
        errors[name] = f"Ce champ ne doit pas dépasser {limit} caractères."
    return text


def parse(values: Mapping[str, Any], now: datetime) -> tuple[Publication | None, dict[str, str]]:
    """The publication asked for, or the French message of each field that is wrong."""
    errors: dict[str, str] = {}
    kind = clean_text(values.get("kind"))
    if kind not in KINDS:
        return None, {"kind": "Choisissez le document à publier."}
    if kind == DocumentKind.PIECES_REMINDER:
        return Publication(kind, source=CATALOG), {}
    if kind == DocumentKind.PIECES_REQUEST and clean_text(values.get("source")) == CATALOG:
        return Publication(kind, source=CATALOG), {}
    if kind == DocumentKind.CONVOCATION:
        paper = _text(values, "paper", "l'épreuve", errors, 160)
        starts_at = _instant(values, "day", "time", errors, now)
        place = _text(values, "place", "le lieu", errors, 400, lines=True)
        if errors or starts_at is None:
            return None, errors
        return Publication(
            kind, sittings=[{"paper": paper, "starts_at": starts_at, "place": place}]
        ), {}
    label = _text(values, "piece", "la pièce demandée", errors, 160)
    mode = clean_text(values.get("mode"))
    if mode not in MODES:
        errors["mode"] = "Choisissez le mode de dépôt."
    deadline = _instant(values, "day", "time", errors, now)
    detail = clean_text(values.get("detail"))[:400]
    if errors or deadline is None:
        return None, errors
    return Publication(
        kind, requirements=[{"label": label, "mode": mode, "deadline": deadline, "detail": detail}]
    ), {}


async def recipients(
    session: AsyncSession,
    scope: Scope,
    filters: listing.Filters,
    registration_id: int | None,
    also: str = "",
) -> list[int]:
    """The registrations the document goes to: the one named (within the scope, not withdrawn)
    or every live one of the filtered list; ``also`` a pieces filter on top (a relance: only
    missing or non-compliant pieces). Raises OutOfScope for a registration outside."""
    if registration_id is not None:
        found = await find(session, scope, registration_id)
        if found.registration.withdrawn_at:
            return []
        if also:
            rows = await listing.all_rows(
                session, scope, listing.Filters(), also, only=registration_id
            )
            return [row.registration_id for row in rows]
        return [registration_id]
    rows = await listing.all_rows(session, scope, listing.replace_state(filters, "actives"), also)
    return [row.registration_id for row in rows]


async def catalog_requirements(
    session: AsyncSession, registration: Registration, kind: str, now: datetime
) -> list[dict[str, Any]]:
    """What a demande (every piece asked) or a relance (the required pieces neither deposited
    nor received, and the non-compliant ones, with the manager's comment) lists for this
    registration; ``piece_id`` and ``postal`` say which pieces get a cover slip."""
    items = []
    for group in await views.groups(session, registration, now):
        for view in group.pieces:
            state = piece_state(view)
            if kind == DocumentKind.PIECES_REMINDER and not (
                state == "non_compliant" or (state == "missing" and view.piece.required)
            ):
                continue
            detail = view.piece.description
            if state == "non_compliant" and kind == DocumentKind.PIECES_REMINDER:
                comment = view.standing.manager_comment if view.standing else ""
                detail = f"Pièce non conforme : {comment}" if comment else "Pièce non conforme."
            items.append(
                {
                    "label": view.piece.label,
                    "mode": view.piece.deposit_mode,
                    "deadline": view.piece.closes_at,
                    "detail": detail,
                    "piece_id": view.piece.id,
                    "postal": view.piece.deposit_mode == DepositMode.postal,
                }
            )
    return items


async def with_preview(
    session: AsyncSession, publication: Publication, ids: list[int], now: datetime
) -> Publication:
    """A publication from the catalog previews every piece that at least one recipient gets
    (each candidate's document lists only their own)."""
    if not publication.from_catalog or not ids:
        return publication
    seen: dict[Any, dict[str, Any]] = {}
    registrations = (
        await session.exec(select(Registration).where(col(Registration.id).in_(ids)))
    ).all()
    for registration in registrations:
        for item in await catalog_requirements(session, registration, publication.kind, now):
            key = (
                item["piece_id"],
                item["detail"] if item["detail"].startswith("Pièce non") else "",
            )
            seen.setdefault(key, {k: item[k] for k in ("label", "mode", "deadline", "detail")})
    return replace(publication, requirements=list(seen.values()))


async def publish(
    db: Database,
    scope: Scope,
    now: datetime,
    publication: Publication,
    filters: listing.Filters,
    registration_id: int | None,
    expected: int,
) -> int:
    """Publish to every recipient in one transaction; refused if the selection no longer has
    the count the manager saw (a registration came or went meanwhile)."""
    async with db.write() as session:
        ids = await recipients(session, scope, filters, registration_id, publication.pieces_filter)
        if not ids:
            raise ManagementError("Aucune inscription ne correspond : rien n'a été publié.")
        if len(ids) != expected:
            raise ManagementError(
                f"La sélection compte maintenant {len(ids)} inscription(s) au lieu de {expected} : "
                "vérifiez de nouveau l'aperçu avant de publier."
            )
        registrations = (
            await session.exec(select(Registration).where(col(Registration.id).in_(ids)))
        ).all()
        for registration in registrations:
            if publication.kind == DocumentKind.CONVOCATION:
                document = await documents.publish_convocation(
                    session, registration=registration, sittings=publication.sittings, now=now
                )
            elif publication.from_catalog:
                document = await _publish_from_catalog(session, registration, publication, now)
            else:
                document = await documents.publish_pieces_request(
                    session,
                    registration=registration,
                    requirements=publication.requirements,
                    now=now,
                )
            await audit.record(
                session,
                now,
                actor=scope,
                action=audit.Action.PUBLISHED,
                registration_id=registration.id,
                academy_code=registration.academy_code,
                after={"document": publication.label, "version": document.version},
            )
    security.info(
        "documents published by a manager (count=%s manager=%s)", len(ids), scope.account_id
    )
    return len(ids)


async def _publish_from_catalog(
    session: AsyncSession, registration: Registration, publication: Publication, now: datetime
) -> Document:
    """Each registration's own pieces; a postal piece gets its cover slip's code."""
    items = await catalog_requirements(session, registration, publication.kind, now)
    if not items:  # the selection was counted with the same rule, in this transaction
        raise ManagementError("Une inscription de la sélection n'a plus de pièce à demander.")
    codes = await slips.slip_codes(
        session,
        registration.id,  # type: ignore[arg-type]
        [item["piece_id"] for item in items if item["postal"]],
        now,
    )
    for item in items:
        if item["postal"]:
            item["slip"] = codes[item["piece_id"]]
    return await documents.publish_pieces_request(
        session,
        registration=registration,
        requirements=items,
        now=now,
        reminder=publication.kind == DocumentKind.PIECES_REMINDER,
    )
