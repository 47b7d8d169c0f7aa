"""The public check of a verification code: what the document is and whether it is still
current, nothing personal; unknown codes count against the address, so codes cannot be
enumerated."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts import throttling
from portal.documents.codes import normalized_code
from portal.documents.models import KIND_LABELS, SUMMARY_KINDS, Document, DocumentKind
from portal.documents.service import DocumentError
from portal.registrations.models import Registration


class TooManyAttempts(DocumentError):
    def __init__(self, wait: timedelta) -> None:
        super().__init__(
            "Trop de codes inconnus ont été saisis depuis votre connexion. Réessayez dans "
            f"{throttling.minutes_label(wait)}."
        )
        self.wait = wait


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
