"""The registrations' part of an account's data: its export ("Mes données") and its erasure.

Accounts never imports this module: ``portal.composition`` hands these functions to Accounts
as hooks (with the identity lock rule, ``service.has_active_registration`` and
``service.lock_offices``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.registrations.models import (
    Registration,
    RegistrationDraft,
    RegistrationPaper,
    RegistrationVersion,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export_registrations(session: AsyncSession, account_id: int) -> dict[str, Any]:
    """Every registration with every version saved (its answers, the Récapitulatif and the papers
    chosen at that version), then the drafts not yet saved, each with what was typed."""
    registrations = (
        await session.exec(
            select(Registration)
            .where(Registration.account_id == account_id)
            .order_by(col(Registration.id))
        )
    ).all()
    ids = [r.id for r in registrations]
    versions = (
        await session.exec(
            select(RegistrationVersion)
            .where(col(RegistrationVersion.registration_id).in_(ids))
            .order_by(col(RegistrationVersion.registration_id), col(RegistrationVersion.version))
        )
    ).all()
    papers = (
        await session.exec(
            select(RegistrationPaper)
            .where(col(RegistrationPaper.registration_id).in_(ids))
            .order_by(col(RegistrationPaper.id))
        )
    ).all()
    drafts = (
        await session.exec(
            select(RegistrationDraft)
            .where(RegistrationDraft.account_id == account_id)
            .order_by(col(RegistrationDraft.id))
        )
    ).all()

    def papers_of(registration_id: int | None, version: int) -> list[dict[str, Any]]:
        return [
            {"epreuve": p.paper_id, "nature": p.kind}
            for p in papers
            if p.registration_id == registration_id and p.version == version
        ]

    def versions_of(registration: Registration) -> list[dict[str, Any]]:
        return [
            {
                **_dump(v, exclude={"id", "registration_id"}),
                "epreuves_choisies": papers_of(registration.id, v.version),
            }
            for v in versions
            if v.registration_id == registration.id
        ]

    return {
        "inscriptions": [
            {
                **_dump(r, exclude={"idempotency_key"}),
                "epreuves_choisies": papers_of(r.id, r.version),
                "versions": versions_of(r),
            }
            for r in registrations
        ],
        # the key is the draft's address, a secret of the session: not needed to read it
        "brouillons": [_dump(d, exclude={"key"}) for d in drafts],
    }


def _dump(row: Any, *, exclude: set[str]) -> dict[str, Any]:
    return {k: _iso(v) for k, v in row.model_dump().items() if k not in exclude}


async def erase_registrations(session: AsyncSession, account_ids: list[int]) -> None:
    """Drafts, versions and registrations of these accounts (children first)."""
    registrations = select(Registration.id).where(col(Registration.account_id).in_(account_ids))
    await session.exec(
        delete(RegistrationDraft).where(col(RegistrationDraft.account_id).in_(account_ids))
    )  # type: ignore[call-overload]
    await session.exec(
        delete(RegistrationPaper).where(col(RegistrationPaper.registration_id).in_(registrations))
    )  # type: ignore[call-overload]
    await session.exec(
        delete(RegistrationVersion).where(
            col(RegistrationVersion.registration_id).in_(registrations)
        )
    )  # type: ignore[call-overload]
    await session.exec(delete(Registration).where(col(Registration.account_id).in_(account_ids)))  # type: ignore[call-overload]
