"""Reading published documents back: their frozen content with its dates, and the current
version of each kind, only ever for the registration's owner."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.documents.codes import grouped
from portal.documents.models import AUTHOR, SUMMARY_KINDS, Document
from portal.registrations.models import Registration

_DATE_KEYS = ("published_at", "return_by")


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
