"""Managing offices (services gestionnaires): the contact of a qualification's office in an
académie, shown on the candidates' pages and PDFs. Per académie, so scoped: a manager lists,
creates and changes only their académies' offices; another académie's office answers 404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import Academy, ManagingOffice, Qualification
from portal.db import Database
from portal.forms import clean_text
from portal.management import audit
from portal.management.catalog import write_catalog
from portal.management.errors import OutOfScope
from portal.management.scope import Scope, academies_in_scope


# -- managing offices ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OfficeLine:
    office: ManagingOffice
    qualification: str
    academy: str


async def offices(session: AsyncSession, scope: Scope) -> list[OfficeLine]:
    statement = (
        select(ManagingOffice, Qualification, Academy)
        .join(Qualification, col(Qualification.id) == ManagingOffice.qualification_id)
        .join(Academy, col(Academy.code) == ManagingOffice.academy_code)
        .where(scope.where(ManagingOffice.academy_code))
        .order_by(col(Academy.name), col(Qualification.name))
    )
    return [OfficeLine(o, q.name, a.name) for o, q, a in (await session.exec(statement)).all()]


async def get_office(session: AsyncSession, scope: Scope, office_id: int) -> ManagingOffice:
    office = await session.get(ManagingOffice, office_id)
    if office is None or not scope.covers(office.academy_code):
        raise OutOfScope()
    return office


OFFICE_FIELDS = {
    "name": ("le nom du service", 160),
    "phone": ("le téléphone", 30),
    "email": ("l'adresse mail", 160),
    "postal_address": ("l'adresse postale", 400),
}


def _contact(values: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The contact's clean values and the French message of each wrong field."""
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for name, (label, limit) in OFFICE_FIELDS.items():
        raw = str(values.get(name) or "")
        text = (
            "\n".join(clean_text(line) for line in raw.splitlines() if clean_text(line))
            if name == "postal_address"
            else clean_text(raw)
        )
        if not text:
            errors[name] = f"Indiquez {label}."
        elif len(text) > limit:
            errors[name] = f"Ce champ ne doit pas dépasser {limit} caractères."
        clean[name] = text
    if not errors.get("email") and (
        "@" not in clean["email"]
        or " " in clean["email"]
        or "." not in clean["email"].split("@")[-1]
    ):
        errors["email"] = "Saisissez une adresse mail valide, par exemple dec@ac-versailles.fr."
    return clean, errors


async def save_office(
    db: Database, scope: Scope, now: datetime, office_id: int, values: Mapping[str, Any]
) -> dict[str, str]:
    """Change a managing office's contact (shown on pages and PDFs); French messages else."""
    clean, errors = _contact(values)
    if errors:
        return errors
    async with write_catalog(db) as session:
        office = await get_office(session, scope, office_id)
        before = {name: getattr(office, name) for name in OFFICE_FIELDS}
        for name, value in clean.items():
            setattr(office, name, value)
        session.add(office)
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.OFFICE_SAVED,
            academy_code=office.academy_code,
            before={k: v for k, v in before.items() if v != clean[k]},
            after={k: v for k, v in clean.items() if v != before[k]},
        )
    return {}


async def office_choices(session: AsyncSession, scope: Scope) -> dict[str, list[tuple[str, str]]]:
    qualifications = (
        await session.exec(select(Qualification).order_by(col(Qualification.name)))
    ).all()
    return {
        "academies": [(a.code, a.name) for a in await academies_in_scope(session, scope)],
        "qualifications": [(str(q.id), q.name) for q in qualifications],
    }


async def create_office(
    db: Database, scope: Scope, now: datetime, values: Mapping[str, Any]
) -> tuple[ManagingOffice | None, dict[str, str]]:
    """A new qualification's office in one of the manager's académies (one per pair)."""
    clean, errors = _contact(values)
    academy = clean_text(values.get("academy")).lower()
    qualification_text = clean_text(values.get("qualification"))
    async with write_catalog(db) as session:
        if not scope.covers(academy) or await session.get(Academy, academy or "-") is None:
            errors["academy"] = "Choisissez une de vos académies."
        qualification = (
            await session.get(Qualification, int(qualification_text))
            if qualification_text.isascii()
            and qualification_text.isdigit()
            and len(qualification_text) < 10
            else None
        )
        if qualification is None:
            errors["qualification"] = "Choisissez l'examen ou la certification."
        elif (
            "academy" not in errors
            and (
                await session.exec(
                    select(ManagingOffice.id).where(
                        ManagingOffice.academy_code == academy,
                        ManagingOffice.qualification_id == qualification.id,
                    )
                )
            ).first()
            is not None
        ):
            errors["qualification"] = (
                "Cet examen a déjà un service gestionnaire dans cette académie : modifiez-le."
            )
        if errors:
            return None, errors
        assert qualification is not None
        office = ManagingOffice(
            academy_code=academy,
            qualification_id=qualification.id,
            **clean,  # type: ignore[arg-type]
        )
        session.add(office)
        await session.flush()
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.OFFICE_SAVED,
            academy_code=academy,
            after={"examen": qualification.code, **clean},
        )
    return office, {}
