"""Documents: publishing them (one versioned row each), a draft's unsaved view, and each
account's documents for "Mes données" and erasure. Reading them back is in ``reading``, their
PDFs in ``files``, codes in ``codes`` and the public check of a code in ``verification``.

Publishing happens in the caller's transaction and never commits: ``publish_summary`` is called
by the registration's saving transaction, so a saved version and its confirmation or récapitulatif
exist together or not at all. The PDF is not made at publication; it is rendered from the frozen
content the first time it is asked for, then served from the cache in the runtime folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account
from portal.catalog import snapshot as catalog_snapshot
from portal.catalog.models import (
    Academy,
    Domain,
    ManagingOffice,
    OpeningPeriod,
    Qualification,
    Specialty,
)
from portal.catalog.models import Session as ExamSession
from portal.documents.codes import new_code
from portal.documents.models import AUTHOR, KIND_LABELS, SUMMARY_KINDS, Document, DocumentKind
from portal.registrations.models import Registration

DEPOSIT_MODES = {
    "online": "En ligne",
    "postal": "Par courrier",
    "other": "Autres modalités",
}


# -- errors ---------------------------------------------------------------------------------------
class DocumentError(Exception):
    """A rule said no; ``message`` is for the person asking."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- publishing -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    account: Account
    qualification: str
    domain_code: str
    domain_label: str
    year: int
    academy: str
    closes_at: datetime
    office: ManagingOffice | None


async def _context(session: AsyncSession, registration: Registration) -> _Context:
    """What a summary says of the registration's period, académie and office. The period comes
    from the catalog in memory (a save publishes its summary: one six-entity join less in the
    saving transaction, bench/RESULTS.md); a period the snapshot lacks is read as before."""
    snapshot = await catalog_snapshot.of_session(session)
    view = snapshot.period(registration.opening_period_id)
    domain = next((d for d in snapshot.domains if view and d.code == view.domain_code), None)
    if view is None or domain is None:
        return await _context_read(session, registration)
    account = await session.get(Account, registration.account_id)
    if account is None:
        raise DocumentError("Cette inscription n'existe plus.")
    return _Context(
        account=account,
        qualification=view.label,
        domain_code=domain.code,
        domain_label=domain.label,
        year=view.year,
        academy=view.academy.name,
        closes_at=view.closes_at,
        office=snapshot.office(view.academy.code, view.qualification.id),
    )


async def _managing_office(
    session: AsyncSession, academy_code: str, qualification_id: int | None
) -> ManagingOffice | None:
    return (
        await session.exec(
            select(ManagingOffice).where(
                ManagingOffice.academy_code == academy_code,
                ManagingOffice.qualification_id == qualification_id,
            )
        )
    ).first()


async def _context_read(session: AsyncSession, registration: Registration) -> _Context:
    statement = (
        select(OpeningPeriod, Specialty, Qualification, Domain, ExamSession, Academy)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(Domain, col(Domain.code) == Qualification.domain_code)
        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
        .where(OpeningPeriod.id == registration.opening_period_id)
    )
    row = (await session.exec(statement)).first()
    account = await session.get(Account, registration.account_id)
    if row is None or account is None:
        raise DocumentError("Cette inscription n'existe plus.")
    period, specialty, qualification, domain, exam, academy = row
    office = await _managing_office(session, academy.code, qualification.id)
    return _Context(
        account=account,
        qualification=f"{qualification.name} : {specialty.name}",
        domain_code=domain.code,
        domain_label=domain.label,
        year=exam.year,
        academy=academy.name,
        closes_at=period.closes_at,
        office=office,
    )


def _office(office: ManagingOffice | None) -> dict[str, Any] | None:
    if office is None:
        return None
    return {
        "name": office.name,
        "postal_address": [line for line in office.postal_address.split("\n") if line.strip()],
        "phone": office.phone,
        "email": office.email,
    }


def _base_content(
    context: _Context, registration: Registration, kind: DocumentKind
) -> dict[str, Any]:
    account = context.account
    return {
        "kind": kind.value,
        "title": KIND_LABELS[kind],
        "candidate_number": account.candidate_number or "",
        "registration_number": registration.registration_number,
        "candidate_name": f"{account.birth_name} {account.first_names}",
        "qualification": context.qualification,
        "domain_label": context.domain_label,
        "year": context.year,
        "academy": context.academy,
        "office": _office(context.office),
    }


_INSERT_DOCUMENT = insert(Document).returning(col(Document.id))


async def _insert(
    session: AsyncSession,
    registration: Registration,
    kind: DocumentKind,
    version: int,
    content: dict[str, Any],
    now: datetime,
) -> Document:
    values = {
        "registration_id": registration.id,
        "kind": kind.value,
        "version": version,
        "title": content["title"],
        "verification_code": new_code(),
        "published_at": now,
        "content": json.dumps(content, ensure_ascii=False, sort_keys=True, default=_json_default),
    }
    # A plain INSERT built once (every save publishes one): the document returned is as written,
    # outside the session.
    connection = await session.connection()
    document_id = (await connection.execute(_INSERT_DOCUMENT, values)).scalar_one()
    return Document(id=document_id, **values)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware instant is required")
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a document")


def summary_kind(domain_code: str) -> DocumentKind:
    """G01 produces a confirmation, G02 a récapitulatif (guide §6)."""
    return DocumentKind.CONFIRMATION if domain_code == "G01" else DocumentKind.RECAP


# Built once with bound parameters: every save runs it.
_PUBLISHED_SUMMARY = select(Document).where(
    col(Document.registration_id) == bindparam("registration_id"),
    col(Document.kind).in_([k.value for k in SUMMARY_KINDS]),
    col(Document.version) == bindparam("version"),
)


async def publish_summary(
    session: AsyncSession,
    *,
    registration: Registration,
    summary: dict[str, Any],
    now: datetime,
    return_by: datetime | None = None,
) -> Document:
    """The confirmation (G01) or récapitulatif (G02) of the registration's current version.

    Call it inside the transaction that saves the registration (it flushes, never commits).
    Its version is the registration's; publishing a version twice returns the first row (a
    replayed save). ``return_by`` (G01) defaults to the closing of the registration service.
    """
    context = await _context(session, registration)
    kind = summary_kind(context.domain_code)
    parameters = {"registration_id": registration.id, "version": registration.version}
    existing = (await session.exec(_PUBLISHED_SUMMARY, params=parameters)).first()
    if existing is not None:
        return existing
    content = _base_content(context, registration, kind)
    content["summary"] = {
        "sections": [
            {"title": s["title"], "rows": [list(row) for row in s["rows"]]}
            for s in summary.get("sections", [])
        ],
        "papers": list(summary.get("papers", [])),
    }
    content["candidate_number"] = summary.get("candidate_number") or content["candidate_number"]
    if kind is DocumentKind.CONFIRMATION:
        content["return_by"] = return_by or context.closes_at
    return await _insert(session, registration, kind, registration.version, content, now)


async def _next_version(session: AsyncSession, registration_id: int, kind: DocumentKind) -> int:
    # Inside the caller's write transaction (BEGIN IMMEDIATE on SQLite); on PostgreSQL a racing
    # publisher meets the (registration, kind, version) unique constraint instead of a duplicate.
    latest = (
        await session.exec(
            select(func.max(Document.version)).where(
                Document.registration_id == registration_id, Document.kind == kind.value
            )
        )
    ).one()
    return (latest or 0) + 1


async def publish_pieces_request(
    session: AsyncSession,
    *,
    registration: Registration,
    requirements: list[dict[str, Any]],
    now: datetime,
    return_address: list[str] | None = None,
    reminder: bool = False,
) -> Document:
    """Demande (or relance) de pièces justificatives. Each requirement is a plain dict:
    ``{"label": str, "mode": "online"|"postal"|"other", "deadline": aware datetime,
    "detail": str (optional), "slip": str (optional: a postal piece's cover slip code)}`` —
    the pieces model feeds this list. ``return_address`` (postal) defaults to the managing
    office's address."""
    if not requirements:
        raise DocumentError("Aucune pièce justificative n'est demandée.")
    kind = DocumentKind.PIECES_REMINDER if reminder else DocumentKind.PIECES_REQUEST
    context = await _context(session, registration)
    content = _base_content(context, registration, kind)
    content["requirements"] = [
        {
            "label": str(item["label"]),
            "mode": item["mode"],
            "mode_label": DEPOSIT_MODES[item["mode"]],
            "deadline": item["deadline"],
            "detail": str(item.get("detail") or ""),
            # a postal piece's cover slip: its code, printed as a QR code (management.slips)
            **({"slip": str(item["slip"])} if item.get("slip") else {}),
        }
        for item in requirements
    ]
    office = content["office"]
    content["return_address"] = return_address or (
        [office["name"], *office["postal_address"]] if office else []
    )
    version = await _next_version(session, registration.id, kind)  # type: ignore[arg-type]
    return await _insert(session, registration, kind, version, content, now)


async def publish_convocation(
    session: AsyncSession,
    *,
    registration: Registration,
    sittings: list[dict[str, Any]],
    now: datetime,
) -> Document:
    """Convocation aux épreuves: ``[{"paper": str, "starts_at": aware datetime, "place": str
    (lines separated by newlines)}]``. A new convocation is the next version of the last."""
    if not sittings:
        raise DocumentError("Aucune épreuve à convoquer.")
    kind = DocumentKind.CONVOCATION
    context = await _context(session, registration)
    content = _base_content(context, registration, kind)
    content["sittings"] = [
        {
            "paper": str(item["paper"]),
            "starts_at": item["starts_at"],
            "place": [line for line in str(item["place"]).split("\n") if line.strip()],
        }
        for item in sittings
    ]
    version = await _next_version(session, registration.id, kind)  # type: ignore[arg-type]
    return await _insert(session, registration, kind, version, content, now)


# -- reading --------------------------------------------------------------------------------------
async def draft_view(
    session: AsyncSession, *, registration_like: Registration, summary: dict[str, Any]
) -> dict[str, Any]:
    """A draft's summary as a document marked "non enregistré": no number, version or code.

    ``registration_like`` only needs ``account_id`` and ``opening_period_id`` (an unsaved
    Registration built from the draft)."""
    context = await _context(session, registration_like)
    kind = summary_kind(context.domain_code)
    content = _base_content(context, registration_like, kind)
    content.update(
        candidate_number=summary.get("candidate_number") or content["candidate_number"],
        summary={"sections": summary.get("sections", []), "papers": summary.get("papers", [])},
        return_by=context.closes_at,
        unsaved=True,
        author=AUTHOR,
        version=None,
        verification_code="",
        verification_code_grouped="",
    )
    return content


async def export_documents(session: AsyncSession, account_id: int) -> dict[str, Any]:
    """The documents published for the account's registrations, for "Mes données": which one,
    which version, when (their content is the registrations' data, exported there)."""
    rows = (
        await session.exec(
            select(Document, Registration.registration_number)
            .join(Registration, col(Registration.id) == Document.registration_id)
            .where(Registration.account_id == account_id)
            .order_by(col(Document.registration_id), col(Document.id))
        )
    ).all()
    return {
        "documents": [
            {
                "inscription": number,
                "type": document.kind,
                "titre": document.title,
                "version": document.version,
                "publie_le": document.published_at.isoformat(),
                "code_de_verification": document.verification_code,
            }
            for document, number in rows
        ]
    }


async def erase_documents(session: AsyncSession, account_ids: list[int]) -> None:
    """The documents of these accounts' registrations, before the registrations go (an
    account hook: Accounts erases in one transaction what every domain holds)."""
    owned = select(Registration.id).where(col(Registration.account_id).in_(account_ids))
    await session.exec(delete(Document).where(col(Document.registration_id).in_(owned)))  # type: ignore[call-overload]
