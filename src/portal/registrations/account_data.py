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
    registrations = (
        await session.exec(select(Registration).where(Registration.account_id == account_id))
    ).all()
    return {
        "inscriptions": [{k: _iso(v) for k, v in r.model_dump().items()} for r in registrations]
    }


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
