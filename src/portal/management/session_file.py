"""A whole session's catalog as one file (issue 13 item 2): the qualifications that have a session
that year, their specialties and papers, the sessions, and — for the manager's académies — the
pieces asked and the opening periods. Export this year's, change the year and the dates, import:
an académie sets up next year in one step.

**Why a ZIP of CSV files, not one JSON document.** The people who edit it are managers with a
spreadsheet, not developers with an editor: each part (``examens.csv``, ``periodes.csv`` …) opens
as it is in a French spreadsheet (UTF-8 with BOM, ``;``, ``JJ/MM/AAAA HH:MM`` in Paris time),
exactly like the periods' CSV the back office already had (``periodes.csv`` *is* that file), and
an error can name its file, line and column ("pieces.csv, ligne 4, colonne « date_limite » : …"),
which a JSON parser cannot give for a value. A ZIP keeps the parts together as one download and
one upload, and Python reads it with its standard library.

**Import**: all or nothing, in one write transaction; every line of every part is checked (the
same rules and French words as the back office's forms, ``catalog_rules``) and each problem is
listed; one problem and nothing is written. Items are matched by their codes (an examen by its
code, a secteur by examen and code, a session by examen and year, an épreuve by examen, secteur
and code, a pièce by session, académie and code, a période by session, secteur and académie):
a known one is updated, an unknown one created; nothing is deleted. The national parts
(examens, secteurs, épreuves, and an existing session's end) change only for a national
administrator: for an académie's manager their lines must match the catalog as it is, and a line
that would change it is refused; sessions may be created (as the periods' import always did).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import Academy, Paper, Qualification, Specialty
from portal.catalog.models import Session as ExamSession
from portal.dates import date_fr, paris
from portal.db import Database
from portal.management import audit
from portal.management.catalog import write_catalog
from portal.management.catalog_file import (
    COLUMNS as PERIOD_COLUMNS,
)
from portal.management.catalog_file import (
    ImportRefused,
    apply_periods,
    export_year,
    read_rows,
)
from portal.management.catalog_items import domains, papers_in_use, pieces_in_use
from portal.management.catalog_rules import (
    DEPOSIT_MODES,
    PAPER_KINDS,
    parse_paper,
    parse_piece,
    parse_qualification,
    parse_session,
    parse_specialty,
    yes_no,
)
from portal.management.scope import Scope
from portal.management.spreadsheet import cell
from portal.pieces.models import Piece

MAX_BYTES = 5_000_000  # a year's catalog is a few hundred lines
PARTS: dict[str, tuple[str, ...]] = {
    "examens.csv": ("code", "domaine", "intitule", "situation", "academie_de_residence"),
    "secteurs.csv": ("examen", "code", "intitule", "ordre"),
    "sessions.csv": ("examen", "session", "fin_de_session"),
    "epreuves.csv": ("examen", "secteur", "code", "intitule", "nature", "groupe", "mode", "ordre"),
    "pieces.csv": (
        "examen",
        "session",
        "academie",
        "secteur",
        "code",
        "intitule",
        "description",
        "regroupement",
        "depot",
        "ouverture",
        "date_limite",
        "formats",
        "taille_max_mo",
        "fichiers_max",
        "obligatoire",
        "ordre",
    ),
    "periodes.csv": PERIOD_COLUMNS,
}
# A part's column -> the field of catalog_rules it feeds.
FIELDS = {
    "examens.csv": {
        "code": "code",
        "domaine": "domain_code",
        "intitule": "name",
        "situation": "asks_situation",
        "academie_de_residence": "requires_residence_academy",
    },
    "secteurs.csv": {"code": "code", "intitule": "name", "ordre": "position"},
    "sessions.csv": {"session": "year", "fin_de_session": "ends_on"},
    "epreuves.csv": {
        "code": "code",
        "intitule": "label",
        "nature": "kind",
        "groupe": "choice_group",
        "mode": "mode",
        "ordre": "position",
    },
    "pieces.csv": {
        "code": "code",
        "intitule": "label",
        "description": "description",
        "regroupement": "group_label",
        "depot": "deposit_mode",
        "ouverture": "opens_at",
        "date_limite": "closes_at",
        "formats": "formats",
        "taille_max_mo": "max_megabytes",
        "fichiers_max": "max_files",
        "obligatoire": "required",
        "ordre": "position",
    },
}
DEPOSIT_FILE_WORDS = {"online": "en ligne", "postal": "voie postale", "other": "autre"}


# -- export -------------------------------------------------------------------------------------
def _csv(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([cell(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def export_session(session: AsyncSession, scope: Scope, year: int) -> bytes:
    """The ZIP of the year's catalog: national parts whole, pieces and periods of the scope."""
    exams = (
        await session.exec(
            select(ExamSession, Qualification)
            .join(Qualification, col(Qualification.id) == ExamSession.qualification_id)
            .where(ExamSession.year == year)
            .order_by(col(Qualification.code))
        )
    ).all()
    qualifications = {q.id: q for _, q in exams}
    specialties = (
        await session.exec(
            select(Specialty)
            .where(col(Specialty.qualification_id).in_(list(qualifications)))
            .order_by(col(Specialty.qualification_id), col(Specialty.position), col(Specialty.code))
        )
    ).all()
    codes = {s.id: s.code for s in specialties}
    papers = (
        await session.exec(
            select(Paper)
            .where(col(Paper.qualification_id).in_(list(qualifications)))
            .order_by(col(Paper.qualification_id), col(Paper.position), col(Paper.code))
        )
    ).all()
    pieces = (
        await session.exec(
            select(Piece, ExamSession)
            .join(ExamSession, col(ExamSession.id) == Piece.session_id)
            .join(Qualification, col(Qualification.id) == ExamSession.qualification_id)
            .where(ExamSession.year == year, scope.where(Piece.academy_code))
            .order_by(
                col(Qualification.code),
                col(Piece.academy_code),
                col(Piece.position),
                col(Piece.code),
            )
        )
    ).all()
    parts = {
        "examens.csv": [
            (
                q.code,
                q.domain_code,
                q.name,
                yes_no(q.asks_situation),
                yes_no(q.requires_residence_academy),
            )
            for q in qualifications.values()
        ],
        "secteurs.csv": [
            (qualifications[s.qualification_id].code, s.code, s.name, s.position)
            for s in specialties
        ],
        "sessions.csv": [
            (q.code, e.year, date_fr(e.ends_on, "dd/MM/yyyy") if e.ends_on else "")
            for e, q in exams
        ],
        "epreuves.csv": [
            (
                qualifications[p.qualification_id].code,
                codes.get(p.specialty_id, "") if p.specialty_id else "",
                p.code,
                p.label,
                PAPER_KINDS[p.kind].lower(),
                p.choice_group or "",
                p.mode,
                p.position,
            )
            for p in papers
        ],
        "pieces.csv": [
            (
                qualifications[e.qualification_id].code,
                e.year,
                p.academy_code,
                codes.get(p.specialty_id, "") if p.specialty_id else "",
                p.code,
                p.label,
                p.description,
                p.group_label,
                DEPOSIT_FILE_WORDS.get(p.deposit_mode, p.deposit_mode),
                paris(p.opens_at) if p.opens_at else "",
                paris(p.closes_at),
                p.formats,
                max(1, p.max_bytes // 1_000_000),
                p.max_files,
                yes_no(p.required),
                p.position,
            )
            for p, e in pieces
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in parts.items():
            archive.writestr(name, _csv(PARTS[name], rows))
        archive.writestr("periodes.csv", await export_year(session, scope, year))
    return buffer.getvalue()


# -- import -------------------------------------------------------------------------------------
def read_archive(data: bytes) -> dict[str, list[list[str]]]:
    """The parts' lines (headers checked), or ImportRefused listing every problem."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportRefused(
            ["Le fichier n'est pas une archive ZIP : importez le fichier obtenu par l'export."]
        ) from exc
    problems: list[str] = []
    found: dict[str, list[list[str]]] = {}
    if len(names) > 2 * len(PARTS):
        raise ImportRefused(["L'archive contient trop de fichiers : importez celle de l'export."])
    for name in names:
        base = name.rsplit("/", 1)[-1]
        if not base or name.endswith("/"):
            continue
        if base not in PARTS:
            problems.append(
                f"{base[:60]} : fichier inattendu dans l'archive (attendus : "
                + ", ".join(PARTS)
                + ")."
            )
            continue
        info = archive.getinfo(name)
        if info.file_size > MAX_BYTES:
            problems.append(f"{base} : fichier trop gros.")
            continue
        try:
            found[base] = read_rows(archive.read(name), PARTS[base], f"{base} : ")
        except ImportRefused as refused:
            problems.extend(refused.problems)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError):
            problems.append(f"{base} : fichier illisible dans l'archive (archive abîmée ?).")
    if not found and not problems:
        problems.append("L'archive ne contient aucun des fichiers attendus.")
    if problems:
        raise ImportRefused(problems)
    return found


class _Part:
    """One part being applied: its lines as mappings, and the problems it adds."""

    def __init__(self, name: str, rows: list[list[str]], problems: list[str]) -> None:
        self.name, self.rows, self.problems = name, rows, problems
        self.columns = PARTS[name]

    def lines(self) -> list[tuple[str, dict[str, str]]]:
        out = []
        for number, row in enumerate(self.rows, start=2):
            where = f"{self.name}, ligne {number}"
            if len(row) != len(self.columns):
                self.problems.append(
                    f"{where} : {len(row)} colonnes au lieu de {len(self.columns)}."
                )
                continue
            out.append((where, dict(zip(self.columns, (c.strip() for c in row), strict=True))))
        return out

    def values(self, line: dict[str, str]) -> dict[str, str]:
        return {FIELDS[self.name][c]: v for c, v in line.items() if c in FIELDS[self.name]}

    def errors(self, where: str, errors: dict[str, str]) -> bool:
        back = {field: column for column, field in FIELDS[self.name].items()}
        for field_name, message in errors.items():
            self.problems.append(
                f"{where}, colonne « {back.get(field_name, field_name)} » : {message}"
            )
        return bool(errors)


def _changes(item: Any, clean: dict[str, Any]) -> bool:
    return any(getattr(item, name) != value for name, value in clean.items())


NATIONAL_ONLY = (
    " : seul un administrateur national crée ou modifie les examens, secteurs, épreuves et "
    "sessions existantes ; reprenez la ligne telle que l'export la donne."
)


async def import_session(db: Database, scope: Scope, now: datetime, data: bytes) -> dict[str, int]:
    """Apply the archive, or raise ImportRefused (every problem, in French) and write nothing."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(["Le fichier est trop gros (5 Mo au plus)."])
    parts = read_archive(data)
    async with write_catalog(db) as session:
        run = _Import(session, scope)
        await run.load()
        for name, apply in (
            ("examens.csv", run.qualifications_part),
            ("secteurs.csv", run.specialties),
            ("sessions.csv", run.sessions),
            ("epreuves.csv", run.papers),
            ("pieces.csv", run.pieces),
        ):
            if name in parts:
                await apply(_Part(name, parts[name], run.problems))
        if "periodes.csv" in parts:
            run.counts["périodes"] = await apply_periods(
                session, scope, parts["periodes.csv"], run.problems, "periodes.csv, ligne {} : "
            )
        if run.problems:
            raise ImportRefused(run.problems)
        await audit.record(
            session, now, actor=scope, action=audit.Action.CATALOG_IMPORTED, after=run.counts
        )
    return run.counts


class _Import:
    """One import in its write transaction: what is known so far, the problems, the counts."""

    def __init__(self, session: AsyncSession, scope: Scope) -> None:
        self.session, self.scope = session, scope
        self.problems: list[str] = []
        self.counts = dict.fromkeys(
            ("examens", "secteurs", "sessions", "épreuves", "pièces", "périodes"), 0
        )
        self.qualifications: dict[str, Qualification] = {}
        self.specialty_by_code: dict[tuple[int, str], Specialty] = {}

    async def load(self) -> None:
        self.qualifications = {
            q.code: q for q in (await self.session.exec(select(Qualification))).all()
        }
        self.specialty_by_code = {
            (s.qualification_id, s.code): s
            for s in (await self.session.exec(select(Specialty))).all()
        }

    # -- lookups that report what they cannot find ----------------------------------------------
    def qualification_of(self, where: str, code: str) -> Qualification | None:
        found = self.qualifications.get(code.upper())
        if found is None:
            self.problems.append(f"{where}, colonne « examen » : examen inconnu « {code[:20]} ».")
        return found

    def specialty_of(self, where: str, q: Qualification, code: str) -> Specialty | bool | None:
        """The specialty, None for "every specialty" (an empty cell), False when unknown."""
        if not code:
            return None
        found = self.specialty_by_code.get((q.id, code.upper()))  # type: ignore[arg-type]
        if found is None:
            self.problems.append(
                f"{where}, colonne « secteur » : secteur « {code[:20]} » inconnu pour {q.code}."
            )
            return False
        return found

    async def session_of(self, q: Qualification, year: int) -> ExamSession | None:
        return (
            await self.session.exec(
                select(ExamSession).where(
                    ExamSession.qualification_id == q.id, ExamSession.year == year
                )
            )
        ).first()

    async def upsert(
        self, where: str, item: Any, clean: dict[str, Any], create: Callable[[], Any]
    ) -> Any:
        """A national item as the line says: unchanged, or created/changed by a national
        administrator only (anyone else gets a problem)."""
        if item is not None and not _changes(item, clean):
            return item
        if not self.scope.all_academies:
            self.problems.append(where + NATIONAL_ONLY)
            return None
        item = item or create()
        for name, value in clean.items():
            setattr(item, name, value)
        self.session.add(item)
        await self.session.flush()
        return item

    # -- one method per part, in the order they depend on each other ----------------------------
    async def qualifications_part(self, part: _Part) -> None:
        known = await domains(self.session)
        for where, line in part.lines():
            clean, errors = parse_qualification(part.values(line), known)
            if part.errors(where, errors):
                continue
            item = await self.upsert(
                where, self.qualifications.get(clean["code"]), clean, Qualification
            )
            if item is not None:
                self.qualifications[item.code] = item
                self.counts["examens"] += 1

    async def specialties(self, part: _Part) -> None:
        for where, line in part.lines():
            clean, errors = parse_specialty(part.values(line))
            q = self.qualification_of(where, line["examen"])
            if part.errors(where, errors) or q is None:
                continue
            clean["qualification_id"] = q.id
            key = (q.id, clean["code"])
            item = await self.upsert(where, self.specialty_by_code.get(key), clean, Specialty)  # type: ignore[arg-type]
            if item is not None:
                self.specialty_by_code[key] = item  # type: ignore[index]
                self.counts["secteurs"] += 1

    async def sessions(self, part: _Part) -> None:
        for where, line in part.lines():
            clean, errors = parse_session(part.values(line))
            q = self.qualification_of(where, line["examen"])
            if part.errors(where, errors) or q is None:
                continue
            clean["qualification_id"] = q.id
            exam = await self.session_of(q, clean["year"])
            if exam is None:  # a new session: any manager may open next year's
                self.session.add(ExamSession(**clean))
                await self.session.flush()
                self.counts["sessions"] += 1
            elif await self.upsert(where, exam, clean, ExamSession) is not None:
                self.counts["sessions"] += 1

    async def papers(self, part: _Part) -> None:
        for where, line in part.lines():
            clean, errors = parse_paper(part.values(line))
            q = self.qualification_of(where, line["examen"])
            if part.errors(where, errors) or q is None:
                continue
            specialty = self.specialty_of(where, q, line["secteur"])
            if specialty is False:
                continue
            clean["qualification_id"] = q.id
            clean["specialty_id"] = specialty.id if specialty else None  # type: ignore[union-attr]
            same_specialty = (
                Paper.specialty_id == clean["specialty_id"]
                if clean["specialty_id"]
                else col(Paper.specialty_id).is_(None)
            )
            paper = (
                await self.session.exec(
                    select(Paper).where(
                        Paper.qualification_id == q.id, same_specialty, Paper.code == clean["code"]
                    )
                )
            ).first()
            if (
                paper is not None
                and (paper.kind, paper.choice_group) != (clean["kind"], clean["choice_group"])
                and await papers_in_use(self.session, [paper.id])  # type: ignore[list-item]
            ):
                self.problems.append(
                    f"{where}, colonne « nature » : des candidats ont déjà choisi cette "
                    "épreuve, sa nature et son groupe ne peuvent plus changer."
                )
                continue
            if await self.upsert(where, paper, clean, Paper) is not None:
                self.counts["épreuves"] += 1

    async def pieces(self, part: _Part) -> None:
        academies = set((await self.session.exec(select(Academy.code))).all())
        for where, line in part.lines():
            clean, errors = parse_piece(part.values(line))
            q = self.qualification_of(where, line["examen"])
            if part.errors(where, errors) or q is None:
                continue
            academy = line["academie"].lower()
            if academy not in academies or not self.scope.covers(academy):
                self.problems.append(
                    f"{where}, colonne « academie » : académie « {academy[:40]} » : pas une "
                    "de vos académies."
                )
                continue
            specialty = self.specialty_of(where, q, line["secteur"])
            if specialty is False:
                continue
            year = line["session"]
            exam = (
                await self.session_of(q, int(year))
                if year.isascii() and year.isdigit() and len(year) == 4
                else None
            )
            if exam is None:
                self.problems.append(
                    f"{where}, colonne « session » : pas de session « {year[:10]} » pour "
                    f"{q.code} (ajoutez-la à sessions.csv)."
                )
                continue
            clean.update(
                session_id=exam.id,
                academy_code=academy,
                specialty_id=specialty.id if specialty else None,  # type: ignore[union-attr]
            )
            piece = (
                await self.session.exec(
                    select(Piece).where(
                        Piece.session_id == exam.id,
                        Piece.academy_code == academy,
                        Piece.code == clean["code"],
                    )
                )
            ).first()
            if piece is not None and (
                (piece.deposit_mode, piece.specialty_id)
                != (clean["deposit_mode"], clean["specialty_id"])
                and await pieces_in_use(self.session, [piece.id])  # type: ignore[list-item]
            ):
                self.problems.append(
                    f"{where}, colonne « depot » : des candidats ont déjà commencé à fournir "
                    "cette pièce, son mode de dépôt et son secteur ne peuvent plus changer."
                )
                continue
            piece = piece or Piece(**clean)
            for name, value in clean.items():
                setattr(piece, name, value)
            self.session.add(piece)
            await self.session.flush()
            self.counts["pièces"] += 1


def summary(counts: dict[str, int]) -> str:
    """ "Catalogue importé : 2 examens, 5 secteurs …" for the flash message."""
    done = [f"{n} {name}" for name, n in counts.items() if n]
    return "Catalogue importé : " + (", ".join(done) if done else "aucun changement") + "."


__all__ = ["DEPOSIT_MODES", "ImportRefused", "export_session", "import_session", "summary"]
