"""The registrations list of the back office: filters, search, sort, pages, and its CSV.

Every query starts from ``_base(scope)``, which keeps only the manager's académies (the opening
period's académie: the one that runs the registration).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account
from portal.catalog.models import Academy, OpeningPeriod, Qualification, Specialty
from portal.catalog.models import Session as ExamSession
from portal.dates import PARIS, date_fr, paris
from portal.forms import ascii_digits, clean_text, parse_date
from portal.management.scope import Scope, academies_in_scope
from portal.management.spreadsheet import cell
from portal.pieces.models import Piece, PieceStatus, PieceUpload, RegistrationPiece
from portal.registrations.models import Registration

PAGE_SIZE = 50

SORTS = {
    "date": "Date d'inscription (récentes d'abord)",
    "nom": "Nom du candidat",
    "numero": "N° candidat",
    "qualification": "Examen ou certification",
}
# Where a registration stands on its pièces justificatives (``review.piece_state`` says the same
# per piece): the list's filter, the CSV's and publishing's selection.
PIECE_FILTERS = {
    "manquantes": "Pièces manquantes (obligatoires, ni déposées ni reçues)",
    "non-conformes": "Pièces non conformes",
    "a-relancer": "Pièces manquantes ou non conformes (à relancer)",
    "a-examiner": "Pièces à examiner (déposées ou reçues, pas encore contrôlées)",
    "completes": "Pièces complètes (toutes les pièces obligatoires conformes)",
}
WITH_PIECES = "demandees"  # publishing only: a registration asked for at least one piece

STATES = {
    "actives": "Inscriptions en cours",
    "desinscrites": "Désinscriptions",
    "toutes": "Toutes",
}


@dataclass(frozen=True)
class Filters:
    """What the list's form asks for, as the query string says it (French parameter names)."""

    qualification: int | None = None
    specialty: int | None = None
    year: int | None = None
    academy: str = ""
    registered_from: date | None = None
    registered_until: date | None = None
    search: str = ""
    state: str = "actives"
    sort: str = "date"
    page: int = 1
    pieces: str = ""

    def query(self, **changes: Any) -> dict[str, str]:
        """These filters as query parameters (for the pager's and the CSV's links)."""
        f = replace(self, **changes)
        params = {
            "qualification": str(f.qualification or ""),
            "specialite": str(f.specialty or ""),
            "session": str(f.year or ""),
            "academie": f.academy,
            "du": date_fr(f.registered_from),
            "au": date_fr(f.registered_until),
            "q": f.search,
            "etat": f.state if f.state != "actives" else "",
            "pieces": f.pieces,
            "tri": f.sort if f.sort != "date" else "",
            "page": str(f.page) if f.page > 1 else "",
        }
        return {key: value for key, value in params.items() if value}


def replace_state(filters: Filters, state: str) -> Filters:
    return replace(filters, state=state, page=1)


def _int(value: Any) -> int | None:
    text = clean_text(value)
    return int(text) if text and ascii_digits(text) and len(text) < 10 else None


def parse_filters(params: Mapping[str, Any]) -> tuple[Filters, dict[str, str]]:
    """The filters, and a French message per field that could not be read (that filter is
    then left out, the others still apply)."""
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("du", "au"):
        text = clean_text(params.get(name))
        dates[name] = parse_date(text) if text else None
        if text and dates[name] is None:
            errors[name] = "Saisissez une date au format JJ/MM/AAAA, par exemple 01/09/2026."
    if dates["du"] and dates["au"] and dates["au"] < dates["du"]:
        errors["au"] = "La date de fin doit être postérieure ou égale à la date de début."
        dates["au"] = None
    state = clean_text(params.get("etat")) or "actives"
    pieces = clean_text(params.get("pieces"))
    sort = clean_text(params.get("tri")) or "date"
    return (
        Filters(
            qualification=_int(params.get("qualification")),
            specialty=_int(params.get("specialite")),
            year=_int(params.get("session")),
            academy=clean_text(params.get("academie")).lower(),
            registered_from=dates["du"],
            registered_until=dates["au"],
            search=clean_text(params.get("q"))[:80],
            state=state if state in STATES else "actives",
            sort=sort if sort in SORTS else "date",
            page=max(1, _int(params.get("page")) or 1),
            pieces=pieces if pieces in PIECE_FILTERS else "",
        ),
        errors,
    )


@dataclass(frozen=True)
class Row:
    registration_id: int
    candidate_number: str
    registration_number: str
    birth_name: str
    usage_name: str | None
    first_names: str
    email: str
    qualification: str
    specialty: str
    year: int
    academy: str
    registered_at: datetime
    updated_at: datetime
    version: int
    withdrawn_at: datetime | None


def _paris_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _applicable():  # type: ignore[no-untyped-def]
    """The pieces asked of the outer query's registration (``views.applicable_pieces``)."""
    return and_(
        Piece.session_id == OpeningPeriod.session_id,
        Piece.academy_code == OpeningPeriod.academy_code,
        or_(
            col(Piece.specialty_id).is_(None),
            Piece.specialty_id
            == func.coalesce(Registration.specialty_id, OpeningPeriod.specialty_id),
        ),
    )


def _standing(*conditions: Any):  # type: ignore[no-untyped-def]
    """This registration's standing on the piece, matching ``conditions``. Correlated by
    name: two levels down, SQLAlchemy would otherwise read ``registration`` as a table of this
    subquery (any registration's standing, not this one's)."""
    return (
        exists()
        .where(
            RegistrationPiece.registration_id == Registration.id,
            RegistrationPiece.piece_id == Piece.id,
            *conditions,
        )
        .correlate(Registration, Piece)
    )


def _deposited():  # type: ignore[no-untyped-def]
    return exists().where(
        PieceUpload.registration_piece_id == RegistrationPiece.id,
        col(PieceUpload.deleted_at).is_(None),
    )


def _piece_where(*conditions: Any):  # type: ignore[no-untyped-def]
    return exists().where(_applicable(), *conditions)


def pieces_condition(name: str):  # type: ignore[no-untyped-def]
    """The SQL condition of a pieces filter, on the outer query's registration."""
    missing = and_(
        col(Piece.required).is_(True),
        not_(_standing(or_(col(RegistrationPiece.status).is_not(None), _deposited()))),
    )
    non_compliant = _standing(RegistrationPiece.status == PieceStatus.non_compliant.value)
    if name == "manquantes":
        return _piece_where(missing)
    if name == "non-conformes":
        return _piece_where(non_compliant)
    if name == "a-relancer":
        return _piece_where(or_(missing, non_compliant))
    if name == "a-examiner":
        return _piece_where(
            _standing(
                or_(
                    RegistrationPiece.status == PieceStatus.received.value,
                    and_(col(RegistrationPiece.status).is_(None), _deposited()),
                )
            )
        )
    if name == "completes":
        compliant = _standing(RegistrationPiece.status == PieceStatus.compliant.value)
        return and_(
            _piece_where(),
            not_(_piece_where(col(Piece.required).is_(True), not_(compliant))),
        )
    if name == WITH_PIECES:
        return _piece_where()
    raise ValueError(name)


def _statement(  # type: ignore[no-untyped-def]
    scope: Scope, filters: Filters, also: str = "", only: int | None = None
):
    statement = (
        select(Registration, Account, OpeningPeriod, Specialty, Qualification, ExamSession, Academy)
        .join(Account, col(Account.id) == Registration.account_id)
        .join(OpeningPeriod, col(OpeningPeriod.id) == Registration.opening_period_id)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
        .where(scope.where(OpeningPeriod.academy_code))
    )
    if filters.qualification:
        statement = statement.where(Qualification.id == filters.qualification)
    if filters.specialty:
        statement = statement.where(Specialty.id == filters.specialty)
    if filters.year:
        statement = statement.where(ExamSession.year == filters.year)
    if filters.academy:
        statement = statement.where(OpeningPeriod.academy_code == filters.academy)
    if filters.registered_from:
        statement = statement.where(
            col(Registration.created_at) >= _paris_midnight(filters.registered_from)
        )
    if filters.registered_until:
        until = _paris_midnight(filters.registered_until + timedelta(days=1))
        statement = statement.where(col(Registration.created_at) < until)
    if only is not None:
        statement = statement.where(Registration.id == only)
    for name in (filters.pieces, also):
        if name:
            statement = statement.where(pieces_condition(name))
    if filters.state == "actives":
        statement = statement.where(col(Registration.withdrawn_at).is_(None))
    elif filters.state == "desinscrites":
        statement = statement.where(col(Registration.withdrawn_at).is_not(None))
    if filters.search:
        text = filters.search
        if ascii_digits(text):
            statement = statement.where(
                col(Account.candidate_number).like(_escape_like(text) + "%", escape="\\")
            )
        else:
            pattern = f"%{_escape_like(text)}%"
            statement = statement.where(
                or_(
                    col(Account.birth_name).ilike(pattern, escape="\\"),
                    col(Account.usage_name).ilike(pattern, escape="\\"),
                    col(Account.first_names).ilike(pattern, escape="\\"),
                    (col(Account.first_names) + " " + col(Account.birth_name)).ilike(
                        pattern, escape="\\"
                    ),
                    (col(Account.birth_name) + " " + col(Account.first_names)).ilike(
                        pattern, escape="\\"
                    ),
                )
            )
    return statement


def _ordered(statement, sort: str):  # type: ignore[no-untyped-def]
    order = {
        "date": [col(Registration.created_at).desc()],
        "nom": [col(Account.birth_name), col(Account.first_names)],
        "numero": [col(Account.candidate_number), col(Registration.registration_number)],
        "qualification": [col(Qualification.name), col(Specialty.name)],
    }[sort]
    return statement.order_by(*order, col(Registration.id))


def _row(found: tuple[Any, ...]) -> Row:
    registration, account, _period, specialty, qualification, exam, academy = found
    return Row(
        registration_id=registration.id,
        candidate_number=account.candidate_number or "",
        registration_number=registration.registration_number,
        birth_name=account.birth_name or "",
        usage_name=account.usage_name,
        first_names=account.first_names or "",
        email=account.email,
        qualification=qualification.name,
        specialty=specialty.name,
        year=exam.year,
        academy=academy.name,
        registered_at=registration.created_at,
        updated_at=registration.updated_at,
        version=registration.version,
        withdrawn_at=registration.withdrawn_at,
    )


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int


async def page(
    session: AsyncSession, scope: Scope, filters: Filters, size: int = PAGE_SIZE
) -> Page:
    statement = _statement(scope, filters)
    total = (
        await session.exec(select(func.count()).select_from(statement.subquery()))  # type: ignore[call-overload]
    ).one()
    pages = max(1, -(-total // size))
    current = min(filters.page, pages)
    found = (
        await session.exec(
            _ordered(statement, filters.sort).offset((current - 1) * size).limit(size)
        )
    ).all()
    return Page([_row(r) for r in found], total, current, pages)


async def all_rows(
    session: AsyncSession,
    scope: Scope,
    filters: Filters,
    also: str = "",
    only: int | None = None,
) -> list[Row]:
    """Every row of the filtered list (all pages), for the CSV; ``also`` a pieces filter that
    applies on top of the list's own (publishing's "Relance"), ``only`` one registration."""
    statement = _statement(scope, filters, also, only)
    found = (await session.exec(_ordered(statement, filters.sort))).all()
    return [_row(r) for r in found]


@dataclass(frozen=True)
class Options:
    qualifications: list[tuple[str, str]]
    specialties: list[tuple[str, str]]
    years: list[tuple[str, str]]
    academies: list[tuple[str, str]]


async def options(session: AsyncSession, scope: Scope, filters: Filters) -> Options:
    """What the filter selects offer: only what exists in the manager's académies."""
    periods = (
        select(Qualification.id, Qualification.name, Specialty.id, Specialty.name, ExamSession.year)
        .select_from(OpeningPeriod)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
        .where(scope.where(OpeningPeriod.academy_code))
    )
    found = (await session.exec(periods)).all()
    qualifications = sorted({(str(q), name) for q, name, *_ in found}, key=lambda o: o[1])
    specialties = sorted(
        {
            (str(s), f"{q_name} : {s_name}")
            for q, q_name, s, s_name, _ in found
            if not filters.qualification or q == filters.qualification
        },
        key=lambda o: o[1],
    )
    years = sorted({(str(y), str(y)) for *_, y in found}, reverse=True)
    academies = [(a.code, a.name) for a in await academies_in_scope(session, scope)]
    return Options(qualifications, specialties, years, academies)


# -- the CSV ------------------------------------------------------------------------------------
CSV_HEADER = (
    "N° candidat",
    "N° inscription",
    "Nom de famille",
    "Nom d'usage",
    "Prénoms",
    "Adresse mail",
    "Examen ou certification",
    "Secteur disciplinaire",
    "Session",
    "Académie",
    "Date d'inscription (heure de Paris)",
    "Dernière modification (heure de Paris)",
    "Version",
    "Désinscription (heure de Paris)",
)


def to_csv(rows: list[Row]) -> bytes:
    """UTF-8 with a BOM, ``;`` between cells, CRLF, dates as JJ/MM/AAAA HH:MM in Paris time:
    what a French spreadsheet opens as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            [
                cell(v)
                for v in (
                    row.candidate_number,
                    row.registration_number,
                    row.birth_name,
                    row.usage_name or "",
                    row.first_names,
                    row.email,
                    row.qualification,
                    row.specialty,
                    row.year,
                    row.academy,
                    paris(row.registered_at),
                    paris(row.updated_at),
                    f"{row.version:02d}",
                    paris(row.withdrawn_at),
                )
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
