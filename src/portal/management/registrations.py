"""A registration as the back office sees it: found only within the manager's académies; its
recap (as saved), its versions and what changed between two of them, its documents, its audit
entries; and the actions on it: withdrawal, identity correction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.forms import Identity
from portal.accounts.models import Account, Civility
from portal.catalog.models import Academy, Domain, OpeningPeriod, Qualification, Specialty
from portal.catalog.models import Session as ExamSession
from portal.dates import date_fr
from portal.db import Database
from portal.documents.models import KIND_LABELS, Document
from portal.documents.reading import current_documents
from portal.forms import clean_text
from portal.management import audit
from portal.management.errors import ManagementError, OutOfScope
from portal.management.scope import Scope
from portal.registrations import summary as summaries
from portal.registrations.models import Registration, RegistrationVersion

security = logging.getLogger("portal.security")

REASON_MAX = 1000


@dataclass(frozen=True)
class Found:
    registration: Registration
    account: Account
    period: OpeningPeriod
    specialty: Specialty
    qualification: Qualification
    exam: ExamSession
    academy: Academy
    domain: Domain

    @property
    def heading(self) -> str:
        return f"{self.qualification.name} : {self.specialty.name}"


async def find(session: AsyncSession, scope: Scope, registration_id: int) -> Found:
    """The registration if it belongs to one of the manager's académies, else OutOfScope."""
    row = (
        await session.exec(
            select(
                Registration,
                Account,
                OpeningPeriod,
                Specialty,
                Qualification,
                ExamSession,
                Academy,
                Domain,
            )
            .join(Account, col(Account.id) == Registration.account_id)
            .join(OpeningPeriod, col(OpeningPeriod.id) == Registration.opening_period_id)
            .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
            .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
            .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
            .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
            .join(Domain, col(Domain.code) == Qualification.domain_code)
            .where(Registration.id == registration_id, scope.where(OpeningPeriod.academy_code))
        )
    ).first()
    if row is None:
        raise OutOfScope()
    return Found(*row)


# -- versions -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionLine:
    version: int
    saved_at: datetime


@dataclass(frozen=True)
class Change:
    section: str
    label: str
    before: str
    after: str


def _flatten(recap: dict[str, Any]) -> dict[tuple[str, str], str]:
    values: dict[tuple[str, str], str] = {}
    for section in recap.get("sections", []):
        for label, value in section.get("rows", []):
            values[(section.get("title", ""), label)] = str(value)
    papers = [f"{p.get('kind', '')} : {p.get('label', '')}" for p in recap.get("papers", [])]
    values[("Epreuves", "Epreuves choisies")] = "\n".join(papers)
    return values


def differences(older: dict[str, Any], newer: dict[str, Any]) -> list[Change]:
    """What the recap says differently from one version to the other, row by row."""
    before, after = _flatten(older), _flatten(newer)
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(section, label, before.get((section, label), "-"), after.get((section, label), "-"))
        for section, label in keys
        if before.get((section, label)) != after.get((section, label))
    ]


async def versions(session: AsyncSession, found: Found) -> list[VersionLine]:
    rows = (
        await session.exec(
            select(RegistrationVersion.version, RegistrationVersion.saved_at)
            .where(RegistrationVersion.registration_id == found.registration.id)
            .order_by(col(RegistrationVersion.version))
        )
    ).all()
    return [VersionLine(v, at) for v, at in rows]


async def compare(
    session: AsyncSession, found: Found, older: int, newer: int
) -> list[Change] | None:
    """The changes between two versions of this registration (None if one does not exist)."""
    rows = {
        v.version: v
        for v in (
            await session.exec(
                select(RegistrationVersion).where(
                    RegistrationVersion.registration_id == found.registration.id,
                    col(RegistrationVersion.version).in_([older, newer]),
                )
            )
        ).all()
    }
    if older not in rows or newer not in rows:
        return None
    return differences(summaries.saved(rows[older]), summaries.saved(rows[newer]))


@dataclass(frozen=True)
class DocumentLine:
    kind: str
    label: str
    version: int
    published_at: datetime


async def documents(session: AsyncSession, found: Found) -> list[DocumentLine]:
    current: list[Document] = await current_documents(session, found.registration.id)  # type: ignore[arg-type]
    return [
        DocumentLine(d.kind, KIND_LABELS.get(d.kind, d.title), d.version, d.published_at)  # type: ignore[call-overload]
        for d in current
    ]


# -- actions ------------------------------------------------------------------------------------
def clean_reason(value: Any) -> str:
    reason = clean_text(value)
    if not reason:
        raise ManagementError("Indiquez le motif.", field="reason")
    if len(reason) > REASON_MAX:
        raise ManagementError(
            f"Le motif ne doit pas dépasser {REASON_MAX} caractères.", field="reason"
        )
    return reason


async def withdraw(
    db: Database, scope: Scope, now: datetime, registration_id: int, reason_text: Any
) -> Found:
    """Désinscrire: the registration leaves the candidate's "Mes inscriptions" and stays here,
    for the record, with the reason in the audit log. Refused if it is withdrawn already."""
    reason = clean_reason(reason_text)
    async with db.write() as session:
        found = await find(session, scope, registration_id)
        registration = found.registration
        if registration.withdrawn_at is not None:
            raise ManagementError("Cette inscription est déjà désinscrite.")
        registration.withdrawn_at = now
        session.add(registration)
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.WITHDRAWN,
            registration_id=registration.id,
            academy_code=found.period.academy_code,
            reason=reason,
            before={"état": "inscrite"},
            after={"état": "désinscrite"},
        )
    security.info(
        "registration withdrawn by a manager (registration=%s manager=%s)",
        registration_id,
        scope.account_id,
    )
    return found


IDENTITY_LABELS = {
    "civility": "Civilité",
    "birth_name": "Nom de famille",
    "usage_name": "Nom d'usage",
    "first_names": "Prénoms",
    "birth_country_code": "Pays de naissance",
    "birth_date": "Date de naissance",
    "birth_department_code": "Département de naissance",
    "birth_city": "Commune de naissance",
}


def _shown(name: str, value: Any) -> Any:
    if isinstance(value, date):
        return date_fr(value)
    if name == "civility":
        return Civility.LABELS.get(value, value)
    return value


async def correct_identity(
    db: Database,
    scope: Scope,
    now: datetime,
    registration_id: int,
    identity: Identity,
    reason_text: Any,
) -> list[str]:
    """Correct the identity a registration has locked for the candidate, on their request,
    with the reason; returns the labels of what changed (nothing changed: an error)."""
    reason = clean_reason(reason_text)
    async with db.write() as session:
        found = await find(session, scope, registration_id)
        account = await session.get(Account, found.account.id)
        assert account is not None
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, value in vars(identity).items():
            if getattr(account, name) != value:
                before[IDENTITY_LABELS[name]] = _shown(name, getattr(account, name))
                after[IDENTITY_LABELS[name]] = _shown(name, value)
                setattr(account, name, value)
        if not after:
            raise ManagementError("Aucune donnée d'identité n'a été modifiée.")
        account.updated_at = now
        session.add(account)
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.IDENTITY_CORRECTED,
            registration_id=registration_id,
            academy_code=found.period.academy_code,
            reason=reason,
            before=before,
            after=after,
        )
    security.info(
        "identity corrected by a manager (account=%s registration=%s manager=%s)",
        found.account.id,
        registration_id,
        scope.account_id,
    )
    return list(after)
