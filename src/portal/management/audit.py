"""The audit log: every manager action, who, when, what, before and after, and why; written in
the transaction of the action itself (an action without its entry cannot happen), read per
registration, exported as CSV within the manager's académies."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.dates import paris
from portal.management.models import AuditEntry
from portal.management.scope import Scope
from portal.management.spreadsheet import cell


class Action:
    MANAGER_CREATED = "manager_created"
    MANAGER_UPDATED = "manager_updated"
    WITHDRAWN = "withdrawn"
    IDENTITY_CORRECTED = "identity_corrected"
    EXPORTED = "exported"
    PUBLISHED = "published"
    PERIOD_SAVED = "period_saved"
    ANNOUNCEMENT_SAVED = "announcement_saved"
    ANNOUNCEMENT_DELETED = "announcement_deleted"
    OFFICE_SAVED = "office_saved"
    CATALOG_IMPORTED = "catalog_imported"
    CATALOG_ITEM_CREATED = "catalog_item_created"
    CATALOG_ITEM_CHANGED = "catalog_item_changed"
    CATALOG_ITEM_DELETED = "catalog_item_deleted"
    PIECE_REVIEWED = "piece_reviewed"
    PIECE_SCANNED = "piece_scanned"


LABELS = {
    Action.MANAGER_CREATED: "Gestionnaire créé",
    Action.MANAGER_UPDATED: "Gestionnaire modifié",
    Action.WITHDRAWN: "Désinscription",
    Action.IDENTITY_CORRECTED: "Correction d'identité",
    Action.EXPORTED: "Export CSV des inscriptions",
    Action.PUBLISHED: "Document publié",
    Action.PERIOD_SAVED: "Période d'inscription enregistrée",
    Action.ANNOUNCEMENT_SAVED: "Annonce enregistrée",
    Action.ANNOUNCEMENT_DELETED: "Annonce supprimée",
    Action.OFFICE_SAVED: "Service gestionnaire modifié",
    Action.CATALOG_IMPORTED: "Import de périodes d'inscription",
    Action.CATALOG_ITEM_CREATED: "Catalogue : élément créé",
    Action.CATALOG_ITEM_CHANGED: "Catalogue : élément modifié",
    Action.CATALOG_ITEM_DELETED: "Catalogue : élément supprimé",
    Action.PIECE_REVIEWED: "Pièce justificative contrôlée",
    Action.PIECE_SCANNED: "Pièce reçue par courrier (bordereau scanné)",
}

OPERATOR = "administrateur (ligne de commande)"


async def record(
    session: AsyncSession,
    now: datetime,
    *,
    actor: Scope | None,
    action: str,
    registration_id: int | None = None,
    academy_code: str | None = None,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry in the caller's transaction; ``actor`` None is the operator's CLI."""
    entry = AuditEntry(
        at=now,
        actor_account_id=actor.account_id if actor else None,
        actor_email=actor.email if actor else OPERATOR,
        action=action,
        registration_id=registration_id,
        academy_code=academy_code,
        reason=reason,
        before=before or {},
        after=after or {},
    )
    session.add(entry)
    await session.flush()
    return entry


@dataclass(frozen=True)
class Line:
    """An entry as a page shows it: the changed fields side by side."""

    entry: AuditEntry
    label: str
    changes: list[tuple[str, str, str]]  # (field, before, after)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def line(entry: AuditEntry) -> Line:
    keys = list(dict.fromkeys([*entry.before.keys(), *entry.after.keys()]))
    changes = [
        (key, _text(entry.before.get(key)), _text(entry.after.get(key)))
        for key in keys
        if entry.before.get(key) != entry.after.get(key)
    ]
    return Line(entry, LABELS.get(entry.action, entry.action), changes)


async def for_registration(session: AsyncSession, registration_id: int) -> list[Line]:
    """Call only for a registration already found within the manager's scope."""
    entries = (
        await session.exec(
            select(AuditEntry)
            .where(AuditEntry.registration_id == registration_id)
            .order_by(col(AuditEntry.at), col(AuditEntry.id))
        )
    ).all()
    return [line(entry) for entry in entries]


async def in_scope(session: AsyncSession, scope: Scope) -> list[Line]:
    """Every entry about the manager's académies and every action of theirs (a national
    administrator sees them all, the operator's too)."""
    statement = select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    if not scope.all_academies:  # their académies' entries, and their own actions (exports)
        statement = statement.where(
            or_(
                scope.where(AuditEntry.academy_code),
                AuditEntry.actor_account_id == scope.account_id,
            )
        )
    return [line(entry) for entry in (await session.exec(statement)).all()]


CSV_HEADER = (
    "Date (heure de Paris)",
    "Gestionnaire",
    "Action",
    "Inscription (identifiant)",
    "Académie",
    "Donnée",
    "Avant",
    "Après",
    "Motif",
)


def to_csv(lines: list[Line]) -> bytes:
    """One row per changed value (an entry without one: one row), UTF-8 with a BOM, ``;``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for item in lines:
        entry = item.entry
        start = (
            paris(entry.at),
            entry.actor_email,
            item.label,
            entry.registration_id or "",
            entry.academy_code or "",
        )
        changes = item.changes or [("", "", "")]
        for field, before, after in changes:
            writer.writerow([cell(v) for v in (*start, field, before, after, entry.reason or "")])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
