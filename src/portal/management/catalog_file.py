"""A session's opening periods as one CSV file (issue 13 item 2, "export and import"): export
this year's periods of the manager's académies, change the year and the dates in a spreadsheet,
import them back to set up next year in one step. The import is all or nothing: a wrong column,
an unknown code, an académie outside the scope, a bad date or an overlap is reported in French,
line by line, and nothing is written.

Columns: ``examen;secteur;session;academie;ouverture;fermeture`` (codes, the year, and Paris
wall-clock times ``JJ/MM/AAAA HH:MM``). Writes go through ``catalog.write_catalog``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog import CatalogError
from portal.catalog.models import Academy, OpeningPeriod, Qualification, Specialty
from portal.catalog.models import Session as ExamSession
from portal.catalog.periods import paris_to_utc
from portal.dates import paris
from portal.db import Database
from portal.management import audit
from portal.management.catalog import overlap_message, write_catalog
from portal.management.scope import Scope
from portal.management.spreadsheet import cell, read_cell

COLUMNS = ("examen", "secteur", "session", "academie", "ouverture", "fermeture")
MAX_LINES = 2000


class ImportRefused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


async def export_year(session: AsyncSession, scope: Scope, year: int) -> bytes:
    statement = (
        select(OpeningPeriod, Specialty, Qualification, ExamSession)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(ExamSession, col(ExamSession.id) == OpeningPeriod.session_id)
        .where(ExamSession.year == year, scope.where(OpeningPeriod.academy_code))
        .order_by(col(Qualification.code), col(Specialty.code), col(OpeningPeriod.academy_code))
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for period, specialty, qualification, exam in (await session.exec(statement)).all():
        writer.writerow(
            cell(v)
            for v in (
                qualification.code,
                specialty.code,
                exam.year,
                period.academy_code,
                paris(period.opens_at),
                paris(period.closes_at),
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _rows(data: bytes) -> list[list[str]]:
    return read_rows(data, COLUMNS)


def read_rows(data: bytes, columns: tuple[str, ...], prefix: str = "") -> list[list[str]]:
    """The lines of a ``;`` CSV after its header, which must be exactly ``columns``; otherwise
    ImportRefused with French problems (each starting with ``prefix``, e.g. the file's name)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            [
                prefix
                + "Le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 » et réessayez."
            ]
        ) from exc
    rows = [
        row for row in csv.reader(io.StringIO(text), delimiter=";") if any(c.strip() for c in row)
    ]
    if not rows:
        raise ImportRefused([prefix + "Le fichier est vide."])
    header = [cell.strip().lower() for cell in rows[0]]
    if tuple(header) != columns:
        wrong = [c for c in header if c not in columns]
        missing = [c for c in columns if c not in header]
        detail = []
        if wrong:
            detail.append("colonne inattendue : " + ", ".join(f"« {c} »" for c in wrong))
        if missing:
            detail.append("colonne manquante : " + ", ".join(f"« {c} »" for c in missing))
        raise ImportRefused(
            [
                prefix
                + "La première ligne doit être exactement « "
                + ";".join(columns)
                + " »"
                + (" (" + " ; ".join(detail) + ")" if detail else " (dans cet ordre)")
                + "."
            ]
        )
    if len(rows) - 1 > MAX_LINES:
        raise ImportRefused([prefix + f"Le fichier dépasse {MAX_LINES} lignes."])
    return [[read_cell(c) for c in row] for row in rows[1:]]


async def import_periods(db: Database, scope: Scope, now: datetime, data: bytes) -> int:
    """Create or update every period of the file, or raise ImportRefused and write nothing."""
    rows = _rows(data)
    problems: list[str] = []
    async with write_catalog(db) as session:
        count = await apply_periods(session, scope, rows, problems, "Ligne {} : ")
        if problems:
            raise ImportRefused(problems)
        await audit.record(
            session,
            now,
            actor=scope,
            action=audit.Action.CATALOG_IMPORTED,
            after={"périodes": count},
        )
    return count


async def apply_periods(
    session: AsyncSession, scope: Scope, rows: list[list[str]], problems: list[str], where: str
) -> int:
    """Create or update the periods of ``rows`` (the file's lines after its header) in the
    caller's transaction; each wrong line adds a French problem (``where`` names the line from
    its number) and the caller refuses the whole file."""
    qualifications = {q.code: q for q in (await session.exec(select(Qualification))).all()}
    specialties = {
        (s.qualification_id, s.code): s for s in (await session.exec(select(Specialty))).all()
    }
    academies = set((await session.exec(select(Academy.code))).all())
    seen: set[tuple[int, int, str]] = set()
    count = 0
    template = where
    for number, row in enumerate(rows, start=2):
        where = template.format(number)
        if len(row) != len(COLUMNS):
            problems.append(where + f"{len(row)} colonnes au lieu de {len(COLUMNS)}.")
            continue
        code, specialty_code, year_text, academy, opens_text, closes_text = (c.strip() for c in row)
        qualification = qualifications.get(code)
        if qualification is None:
            problems.append(where + f"examen inconnu « {code[:20]} ».")
            continue
        specialty = specialties.get((qualification.id, specialty_code))  # type: ignore[arg-type]
        if specialty is None:
            problems.append(where + f"secteur « {specialty_code[:20]} » inconnu pour {code}.")
            continue
        if not (year_text.isascii() and year_text.isdigit() and 2000 <= int(year_text) <= 2100):
            problems.append(where + f"session « {year_text[:10]} » : une année, par exemple 2027.")
            continue
        academy = academy.lower()
        if academy not in academies or not scope.covers(academy):
            problems.append(where + f"académie « {academy[:40]} » : pas une de vos académies.")
            continue
        try:
            opens, closes = paris_to_utc(opens_text), paris_to_utc(closes_text)
        except CatalogError as exc:
            problems.append(where + str(exc))
            continue
        if closes <= opens:
            problems.append(where + "la fermeture doit être postérieure à l'ouverture.")
            continue
        year = int(year_text)
        exam = (
            await session.exec(
                select(ExamSession).where(
                    ExamSession.qualification_id == qualification.id, ExamSession.year == year
                )
            )
        ).first()
        if exam is None:
            exam = ExamSession(qualification_id=qualification.id, year=year)  # type: ignore[arg-type]
            session.add(exam)
            await session.flush()
        key = (exam.id, specialty.id, academy)  # type: ignore[assignment]
        if key in seen:
            problems.append(where + "cette période figure déjà plus haut dans le fichier.")
            continue
        seen.add(key)  # type: ignore[arg-type]
        period = (
            await session.exec(
                select(OpeningPeriod).where(
                    OpeningPeriod.session_id == exam.id,
                    OpeningPeriod.specialty_id == specialty.id,
                    OpeningPeriod.academy_code == academy,
                )
            )
        ).first() or OpeningPeriod(
            session_id=exam.id,  # type: ignore[arg-type]
            specialty_id=specialty.id,  # type: ignore[arg-type]
            academy_code=academy,
            opens_at=opens,
            closes_at=closes,
        )
        period.opens_at, period.closes_at = opens, closes
        overlap = await overlap_message(session, period)
        if overlap:
            problems.append(where + overlap)
            continue
        session.add(period)
        await session.flush()
        count += 1
    return count
