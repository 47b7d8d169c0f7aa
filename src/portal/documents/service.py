"""Documents: publishing them (one versioned row each), reading them back, their PDFs, and the
public verification of their codes.

Publishing happens in the caller's transaction and never commits: ``publish_summary`` is called
by the registration's saving transaction, so a saved version and its confirmation or récapitulatif
exist together or not at all. The PDF is not made at publication; it is rendered from the frozen
content the first time it is asked for, then served from the cache in the runtime folder.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import throttling
from portal.accounts.models import Account
from portal.catalog.models import (
    Academy,
    Domain,
    ManagingOffice,
    OpeningPeriod,
    Qualification,
    Specialty,
)
from portal.catalog.models import Session as ExamSession
from portal.documents.models import KIND_LABELS, SUMMARY_KINDS, Document, DocumentKind
from portal.documents.pdf import Renderer, write_atomically
from portal.registrations.models import Registration
from portal.settings import Settings

AUTHOR = "Portail Candidat - service gestionnaire des examens"
PDF_TEMPLATE = "documents/pdf/document.html.j2"
DEPOSIT_MODES = {
    "online": "En ligne",
    "postal": "Par courrier",
    "other": "Autres modalités",
}
_DATE_KEYS = ("published_at", "return_by")

# -- verification codes ---------------------------------------------------------------------------
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32: no 0/1/8/9 to misread
CODE_LENGTH = 16  # 80 bits from secrets: guessing one among millions still takes ~2^57 tries
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """``ABCDEFGHJKLMNPQR`` printed as ``ABCD-EFGH-JKLM-NPQR``, easier to read and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalized_code(typed: str) -> str | None:
    """What someone typed, as a stored code: case, spaces, dashes and look-alikes forgiven."""
    cleaned = re.sub(r"[\s\-.]", "", (typed or "").upper()).translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


# -- errors ---------------------------------------------------------------------------------------
class DocumentError(Exception):
    """A rule said no; ``message`` is for the person asking."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyAttempts(DocumentError):
    def __init__(self, wait: timedelta) -> None:
        super().__init__(
            "Trop de codes inconnus ont été saisis depuis votre connexion. Réessayez dans "
            f"{throttling.minutes_label(wait)}."
        )
        self.wait = wait


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
    office = (
        await session.exec(
            select(ManagingOffice).where(
                ManagingOffice.academy_code == academy.code,
                ManagingOffice.qualification_id == qualification.id,
            )
        )
    ).first()
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


async def _insert(
    session: AsyncSession,
    registration: Registration,
    kind: DocumentKind,
    version: int,
    content: dict[str, Any],
    now: datetime,
) -> Document:
    document = Document(
        registration_id=registration.id,  # type: ignore[arg-type]
        kind=kind.value,
        version=version,
        title=content["title"],
        verification_code=new_code(),
        published_at=now,
        content=json.dumps(content, ensure_ascii=False, sort_keys=True, default=_json_default),
    )
    session.add(document)
    await session.flush()
    return document


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware instant is required")
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a document")


def summary_kind(domain_code: str) -> DocumentKind:
    """G01 produces a confirmation, G02 a récapitulatif (guide §6)."""
    return DocumentKind.CONFIRMATION if domain_code == "G01" else DocumentKind.RECAP


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
    existing = (
        await session.exec(
            select(Document).where(
                Document.registration_id == registration.id,
                col(Document.kind).in_([k.value for k in SUMMARY_KINDS]),
                Document.version == registration.version,
            )
        )
    ).first()
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
    "detail": str (optional)}`` — the pieces model feeds this list. ``return_address``
    (postal) defaults to the managing office's address."""
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
def _parse_dates(content: dict[str, Any]) -> dict[str, Any]:
    for key in _DATE_KEYS:
        if isinstance(content.get(key), str):
            content[key] = datetime.fromisoformat(content[key])
    for item in content.get("requirements", []):
        item["deadline"] = datetime.fromisoformat(item["deadline"])
    for item in content.get("sittings", []):
        item["starts_at"] = datetime.fromisoformat(item["starts_at"])
    return content


def view(document: Document) -> dict[str, Any]:
    """What the templates read: the frozen content, with its dates, version and code."""
    content = _parse_dates(json.loads(document.content))
    content.update(
        id=document.id,
        version=document.version,
        published_at=document.published_at,
        verification_code=document.verification_code,
        verification_code_grouped=grouped(document.verification_code),
        unsaved=False,
        author=AUTHOR,
    )
    return content


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


async def owned_registration(
    session: AsyncSession, account_id: int, registration_number: str
) -> Registration | None:
    """The candidate's own live registration; another candidate's is never found."""
    return (
        await session.exec(
            select(Registration).where(
                Registration.account_id == account_id,
                Registration.registration_number == registration_number,
                col(Registration.withdrawn_at).is_(None),
            )
        )
    ).first()


async def current_documents(session: AsyncSession, registration_id: int) -> list[Document]:
    """The newest version of each kind published to the registration, in publication order."""
    rows = (
        await session.exec(
            select(Document)
            .where(Document.registration_id == registration_id)
            .order_by(col(Document.kind), col(Document.version).desc())
        )
    ).all()
    newest: dict[str, Document] = {}
    for document in rows:
        newest.setdefault(document.kind, document)
    return sorted(newest.values(), key=lambda d: (d.published_at, d.id or 0))


async def current_document(
    session: AsyncSession, account_id: int, registration_number: str, kind: str
) -> tuple[Registration, Document] | None:
    """The current version of one kind of document, only for its owner (else None: a 404)."""
    registration = await owned_registration(session, account_id, registration_number)
    if registration is None:
        return None
    document = (
        await session.exec(
            select(Document)
            .where(Document.registration_id == registration.id, Document.kind == kind)
            .order_by(col(Document.version).desc())
            .limit(1)
        )
    ).first()
    return None if document is None else (registration, document)


async def current_summary(
    session: AsyncSession, account_id: int, registration_number: str
) -> tuple[Registration, Document] | None:
    registration = await owned_registration(session, account_id, registration_number)
    if registration is None:
        return None
    document = (
        await session.exec(
            select(Document)
            .where(
                Document.registration_id == registration.id,
                col(Document.kind).in_([k.value for k in SUMMARY_KINDS]),
            )
            .order_by(col(Document.version).desc())
            .limit(1)
        )
    ).first()
    return None if document is None else (registration, document)


def file_name(content: dict[str, Any]) -> str:
    """A safe download name: ASCII letters, digits and dashes only."""
    parts = [content["kind"], content.get("candidate_number") or "", content["registration_number"]]
    if content.get("version"):
        parts.append(f"v{content['version']}")
    raw = "-".join(p for p in parts if p)
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9-]+", "-", ascii_only).strip("-").lower() + ".pdf"


# -- PDFs -----------------------------------------------------------------------------------------
@cache
def _environment(templates_dir: Path, production: bool) -> Environment:
    from portal.web.templating import build_environment

    return build_environment(
        Settings(
            resources_dir=templates_dir.parent, env="production" if production else "development"
        )
    )


def pdf_html(settings: Settings, content: dict[str, Any], *, verify_url: str, fonts: bool) -> str:
    environment = _environment(settings.templates_dir, settings.is_production)
    template = environment.get_template(PDF_TEMPLATE)
    return template.render(doc=content, verify_url=verify_url, fonts=fonts)


def cache_path(settings: Settings, document: Document) -> Path:
    """Keyed by document and version: a published version never changes, so neither does its PDF."""
    return (
        settings.data_dir / "documents" / f"{document.id}-{document.kind}-v{document.version}.pdf"
    )


async def document_pdf(
    settings: Settings, renderer: Renderer, document: Document, *, verify_url: str
) -> bytes:
    path = cache_path(settings, document)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    html = pdf_html(settings, view(document), verify_url=verify_url, fonts=renderer.has_fonts)
    data = await renderer.render(html)
    write_atomically(path, data)
    return data


async def draft_pdf(renderer: Renderer, settings: Settings, content: dict[str, Any]) -> bytes:
    """Never cached: a draft changes at every step."""
    html = pdf_html(settings, content, verify_url="", fonts=renderer.has_fonts)
    return await renderer.render(html)


# -- verification ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    """Only what is not personal: no name, no number, no address."""

    kind_label: str
    version: int
    published_at: datetime
    qualification: str
    academy: str
    is_current: bool


def verify_key(address: str) -> str:
    return f"verify:{address}"[:80]


async def verify(
    session: AsyncSession, *, typed: str, address: str, now: datetime
) -> Verification | None:
    """The document a code belongs to, or None. Call inside a write transaction: an unknown
    code counts against the address (throttling.py's growing delays), so codes cannot be
    enumerated; a known code does not clear that count."""
    key = verify_key(address)
    wait = await throttling.locked_for(session, [key], now)
    if wait is not None:
        raise TooManyAttempts(wait)
    code = normalized_code(typed)
    found = None
    if code is not None:
        found = (
            await session.exec(
                select(Document, Registration)
                .join(Registration, col(Registration.id) == Document.registration_id)
                .where(Document.verification_code == code)
            )
        ).first()
    if found is None:
        await throttling.record_failure(session, [key], now)
        return None
    document, registration = found
    newer = (
        await session.exec(
            select(func.count())
            .select_from(Document)
            .where(
                Document.registration_id == document.registration_id,
                col(Document.kind).in_(_same_family(document.kind)),
                col(Document.version) > document.version,
            )
        )
    ).one()
    content = json.loads(document.content)
    return Verification(
        kind_label=KIND_LABELS[DocumentKind(document.kind)],
        version=document.version,
        published_at=document.published_at,
        qualification=content["qualification"],
        academy=content["academy"],
        is_current=newer == 0 and registration.withdrawn_at is None,
    )


def _same_family(kind: str) -> list[str]:
    if kind in SUMMARY_KINDS:
        return [k.value for k in SUMMARY_KINDS]
    return [kind]


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
