"""Catalog rules and queries: what is offered where, the selector's state, and opening periods.

Controllers only translate HTTP to these calls. Anything a candidate can get wrong raises or
reports a ``CatalogError`` message in French.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog import CatalogError
from portal.catalog.models import (
    Academy,
    Announcement,
    Domain,
    OpeningPeriod,
    Qualification,
    Session,
    Specialty,
)
from portal.catalog.periods import PARIS, PeriodState, differs_from_paris, state_at, wall_clock

__all__ = ["CatalogError"]

# The selector's levels, in order, by their query-string name.
LEVELS = ("domaine", "qualification", "specialite", "session", "academie")
OFFERED = {"G01": "Examens proposés", "G02": "Certifications proposées"}
_LOWER_WORDS = {"DE", "DU", "DES", "LA", "LE", "LES", "ET", "EN", "FRANÇAISE"}
_NAMES_WITH_ARTICLE = {"RÉUNION"}  # "La Réunion" keeps its capital
_MAX_ECHO = 40  # how much of a bad value a message repeats


# -- words ---------------------------------------------------------------------------------------
def _title_word(word: str, first: bool) -> str:
    parts = []
    for i, part in enumerate(word.split("-")):
        if "'" in part:
            article, rest = part.split("'", 1)
            parts.append(f"{article.lower()}'{rest[:1]}{rest[1:].lower()}")
        elif (part in _LOWER_WORDS and not first) or (first and i > 0):
            parts.append(part.lower())
        else:
            parts.append(part[:1] + part[1:].lower())
    return "-".join(parts)


def academy_title(academy: Academy) -> str:
    """ "ACADÉMIE DE VERSAILLES" -> "Académie de Versailles" (as in a sentence)."""
    words = academy.name.split()
    titled = [_title_word(w, i == 0) for i, w in enumerate(words)]
    for i, word in enumerate(words[1:], start=1):
        if word in _NAMES_WITH_ARTICLE and words[i - 1] == "LA":
            titled[i - 1] = "La"
    return " ".join(titled)


def academy_phrase(academy: Academy) -> str:
    """ "l'Académie de Versailles", "le Vice-rectorat de Nouvelle-Calédonie"."""
    title = academy_title(academy)
    return f"l'{title}" if title[:1] in "AEIOUÉÈ" else f"le {title}"


def offered_heading(domain_code: str, academy: Academy) -> str:
    """The guide's "Certifications proposées dans l'Académie de Versailles :"."""
    return (
        f"{OFFERED.get(domain_code, 'Qualifications proposées')} dans {academy_phrase(academy)} :"
    )


def _echo(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _MAX_ECHO else value[: _MAX_ECHO - 1] + "…"


# -- periods -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodView:
    """One opening period with what a page or a feed says about it."""

    id: int
    opens_at: datetime
    closes_at: datetime
    domain_code: str
    qualification: Qualification
    specialty: Specialty
    year: int
    academy: Academy

    @property
    def label(self) -> str:
        """ "CERTIFICATION COMPLEMENTAIRE ... : ARTS CINEMA et AUDIOVISUEL"."""
        return f"{self.qualification.name} : {self.specialty.name}"

    @property
    def uid(self) -> str:
        """Stable across reloads: built from natural keys, never from row ids."""
        return (
            f"{self.year}-{self.qualification.code}-{self.specialty.code}-{self.academy.code}"
        ).lower()

    def state(self, at: datetime) -> PeriodState:
        return state_at(self.opens_at, self.closes_at, at)

    def is_open(self, at: datetime) -> bool:
        return self.state(at) is PeriodState.open

    def wording(self, at: datetime) -> str:
        """ "ouvert du 17/09/2019 10:00 au 20/09/2019 10:00" (Paris time), or to come, or closed."""
        return self._wording(self.state(at), PARIS)

    def local_wording(self, at: datetime) -> str | None:
        """The same in the académie's own time, when it differs from Paris."""
        zone = self.local_zone
        if zone is None:
            return None
        state = self.state(at)
        if state is PeriodState.closed:
            return f"soit le {wall_clock(self.closes_at, zone)}, heure locale"
        return (
            f"soit du {wall_clock(self.opens_at, zone)} au {wall_clock(self.closes_at, zone)}, "
            "heure locale"
        )

    def _wording(self, state: PeriodState, zone: ZoneInfo) -> str:
        opens, closes = wall_clock(self.opens_at, zone), wall_clock(self.closes_at, zone)
        if state is PeriodState.open:
            return f"ouvert du {opens} au {closes}"
        if state is PeriodState.upcoming:
            return f"ouvrira du {opens} au {closes}"
        return f"fermé depuis le {closes}"

    @property
    def local_zone(self) -> ZoneInfo | None:
        """The académie's own zone when its clock differs from Paris during the period."""
        if differs_from_paris(self.academy.timezone, self.opens_at, self.closes_at):
            return ZoneInfo(self.academy.timezone)
        return None


def _period_query():  # type: ignore[no-untyped-def]
    return (
        select(OpeningPeriod, Specialty, Qualification, Session, Academy)
        .join(Specialty, col(Specialty.id) == OpeningPeriod.specialty_id)
        .join(Qualification, col(Qualification.id) == Specialty.qualification_id)
        .join(Session, col(Session.id) == OpeningPeriod.session_id)
        .join(Academy, col(Academy.code) == OpeningPeriod.academy_code)
    )


def _views(rows) -> list[PeriodView]:  # type: ignore[no-untyped-def]
    views = [
        PeriodView(
            id=period.id,
            opens_at=period.opens_at,
            closes_at=period.closes_at,
            domain_code=qualification.domain_code,
            qualification=qualification,
            specialty=specialty,
            year=exam_session.year,
            academy=academy,
        )
        for period, specialty, qualification, exam_session, academy in rows
    ]
    views.sort(
        key=lambda v: (
            v.academy.name,
            v.qualification.name,
            v.specialty.position,
            v.specialty.name,
            v.year,
            v.opens_at,
        )
    )
    return views


async def find_periods(
    db: AsyncSession,
    *,
    domain_code: str | None = None,
    qualification_code: str | None = None,
    academy_code: str | None = None,
) -> list[PeriodView]:
    query = _period_query()
    if domain_code is not None:
        query = query.where(Qualification.domain_code == domain_code)
    if qualification_code is not None:
        query = query.where(Qualification.code == qualification_code)
    if academy_code is not None:
        query = query.where(OpeningPeriod.academy_code == academy_code)
    return _views((await db.exec(query)).all())


async def get_period(db: AsyncSession, period_id: int) -> PeriodView | None:
    rows = (await db.exec(_period_query().where(OpeningPeriod.id == period_id))).all()
    return _views(rows)[0] if rows else None


async def open_data_periods(
    db: AsyncSession, *, academy: str | None, qualification: str | None
) -> list[PeriodView]:
    """The periods of the open-data feeds, filtered by académie and qualification codes."""
    academy = (academy or "").strip().lower() or None
    qualification = (qualification or "").strip().upper() or None
    if academy is not None and await db.get(Academy, academy) is None:
        raise CatalogError(f"L'académie « {_echo(academy)} » est inconnue.")
    if qualification is not None:
        found = (
            await db.exec(select(Qualification).where(Qualification.code == qualification))
        ).first()
        if found is None:
            raise CatalogError(f"La qualification « {_echo(qualification)} » est inconnue.")
    return await find_periods(db, qualification_code=qualification, academy_code=academy)


@dataclass(frozen=True)
class Group:
    """The periods of one académie, under the guide's heading."""

    academy: Academy
    heading: str
    periods: list[PeriodView]


def group_by_academy(periods: list[PeriodView]) -> list[Group]:
    groups: dict[str, list[PeriodView]] = {}
    for view in periods:
        groups.setdefault(view.academy.code, []).append(view)
    return [
        Group(views[0].academy, offered_heading(views[0].domain_code, views[0].academy), views)
        for views in groups.values()
    ]


# -- the selector --------------------------------------------------------------------------------
@dataclass
class Selector:
    """Where a visitor is in domain -> qualification -> specialty -> session -> académie.

    Every level only offers what has an opening period. A value that does not exist is reported
    (``errors``) and dropped with the levels after it; a value that exists but no longer fits
    the levels before it (the visitor changed an earlier choice) is dropped silently.
    """

    now: datetime
    domains: list[Domain] = field(default_factory=list)
    domain: Domain | None = None
    qualifications: list[Qualification] = field(default_factory=list)
    qualification: Qualification | None = None
    specialties: list[Specialty] = field(default_factory=list)
    specialty: Specialty | None = None
    years: list[int] = field(default_factory=list)
    year: int | None = None
    academies: list[Academy] = field(default_factory=list)
    academy: Academy | None = None
    periods: list[PeriodView] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.academy is not None

    @property
    def level(self) -> str:
        """The first level still to choose (or "complet")."""
        for name, value in zip(LEVELS, self.values(), strict=True):
            if value is None:
                return name
        return "complet"

    def values(self) -> tuple[str | None, ...]:
        return (
            self.domain.code if self.domain else None,
            self.qualification.code if self.qualification else None,
            self.specialty.code if self.specialty else None,
            str(self.year) if self.year is not None else None,
            self.academy.code if self.academy else None,
        )

    def query(self, before: str | None = None) -> str:
        """The query string of the choices made, or only of those before level ``before``."""
        pairs = []
        for name, value in zip(LEVELS, self.values(), strict=True):
            if name == before or value is None:
                break
            pairs.append((name, value))
        return urlencode(pairs)

    @property
    def chosen_period(self) -> PeriodView | None:
        if not self.complete or self.specialty is None:
            return None
        for view in self.periods:
            if view.specialty.id == self.specialty.id:
                return view
        return None

    @property
    def results(self) -> list[PeriodView]:
        return self.periods

    def options(self, level: str) -> list[tuple[str, str]]:
        """(value, text) pairs of a level's drop-down."""
        if level == "domaine":
            return [(d.code, d.label) for d in self.domains]
        if level == "qualification":
            return [(q.code, q.name) for q in self.qualifications]
        if level == "specialite":
            return [(s.code, s.name) for s in self.specialties]
        if level == "session":
            return [(str(y), str(y)) for y in self.years]
        return [(a.code, a.name) for a in self.academies]

    def value(self, level: str) -> str:
        return dict(zip(LEVELS, self.values(), strict=True))[level] or ""

    @property
    def open_data_query(self) -> str:
        """The open-data feeds filtered like this selection (académie, qualification)."""
        pairs = []
        if self.academy:
            pairs.append(("academie", self.academy.code))
        if self.qualification:
            pairs.append(("qualification", self.qualification.code))
        return urlencode(pairs)

    @property
    def groups(self) -> list[Group]:
        return group_by_academy(self.periods)

    @property
    def any_open(self) -> bool:
        return any(view.is_open(self.now) for view in self.periods)

    @property
    def summary(self) -> list[tuple[str, str, str]]:
        """The "Résumé de la sélection": (text, what its "Modifier" link changes, link query)."""
        items = []
        if self.domain:
            items.append((self.domain.label, "le domaine", self.query("domaine")))
        if self.qualification:
            what = "l'examen" if self.qualification.domain_code == "G01" else "la certification"
            items.append((self.qualification.name, what, self.query("qualification")))
        if self.specialty:
            items.append((self.specialty.name, "la spécialité", self.query("specialite")))
        if self.academy and self.year is not None:
            items.append(
                (
                    f"{self.academy.name} - ({self.year})",
                    "l'académie et la session",
                    self.query("session"),
                )
            )
        return items


def _param(params: Mapping[str, str | None], name: str) -> str:
    return " ".join((params.get(name) or "").split())


async def build_selector(
    db: AsyncSession, params: Mapping[str, str | None], now: datetime
) -> Selector:
    """Read the selector's state from query-string values (see ``LEVELS``)."""
    selector = Selector(now=now)
    selector.domains = list((await db.exec(select(Domain).order_by(Domain.code))).all())

    raw = _param(params, "domaine").upper()
    if not raw:
        return selector
    selector.domain = next((d for d in selector.domains if d.code == raw), None)
    if selector.domain is None:
        selector.errors.append(
            f"Le domaine « {_echo(raw)} » est inconnu : choisissez-en un dans la liste."
        )
        return selector

    offered = await find_periods(db, domain_code=selector.domain.code)
    selector.qualifications = _distinct(v.qualification for v in offered)
    selector.qualifications.sort(key=lambda q: q.name)
    selector.periods = offered

    raw = _param(params, "qualification").upper()
    if raw:
        selector.qualification = next((q for q in selector.qualifications if q.code == raw), None)
        if selector.qualification is None:
            exists = (await db.exec(select(Qualification).where(Qualification.code == raw))).first()
            if exists is None:
                selector.errors.append(
                    f"La qualification « {_echo(raw)} » est inconnue : choisissez-en une dans la liste."
                )
                return selector
    if selector.qualification is None:
        return selector

    offered = [v for v in offered if v.qualification.id == selector.qualification.id]
    selector.periods = offered
    selector.specialties = _distinct(v.specialty for v in offered)
    selector.specialties.sort(key=lambda s: (s.position, s.name))

    raw = _param(params, "specialite").upper()
    if raw:
        selector.specialty = next((s for s in selector.specialties if s.code.upper() == raw), None)
        if selector.specialty is None:
            exists = (
                await db.exec(select(Specialty).where(col(Specialty.code).ilike(raw)))
            ).first()
            if exists is None:
                selector.errors.append(
                    f"La spécialité « {_echo(raw)} » est inconnue : choisissez-en une dans la liste."
                )
                return selector
    if selector.specialty is None and len(selector.specialties) == 1:
        selector.specialty = selector.specialties[0]
    if selector.specialty is None:
        return selector

    of_specialty = [v for v in offered if v.specialty.id == selector.specialty.id]
    selector.periods = of_specialty
    selector.years = sorted({v.year for v in of_specialty})

    raw = _param(params, "session")
    if raw:
        if not (raw.isdigit() and len(raw) == 4):
            selector.errors.append(
                f"La session « {_echo(raw)} » n'est pas une année (par exemple 2027)."
            )
            return selector
        if int(raw) in selector.years:
            selector.year = int(raw)
    if selector.year is None and len(selector.years) == 1:
        selector.year = selector.years[0]
    if selector.year is None:
        return selector

    in_session = [v for v in of_specialty if v.year == selector.year]
    selector.periods = in_session
    selector.academies = _distinct(v.academy for v in in_session)
    selector.academies.sort(key=lambda a: a.name)

    raw = _param(params, "academie").lower()
    if raw:
        selector.academy = next((a for a in selector.academies if a.code == raw), None)
        if selector.academy is None and await db.get(Academy, raw) is None:
            selector.errors.append(
                f"L'académie « {_echo(raw)} » est inconnue : choisissez-en une dans la liste."
            )
    if selector.academy is not None:
        # As the guide shows it: everything of that qualification in that académie and session.
        selector.periods = [
            v
            for v in offered
            if v.academy.code == selector.academy.code and v.year == selector.year
        ]
    return selector


def _distinct(items):  # type: ignore[no-untyped-def]
    seen: dict[object, object] = {}
    for item in items:
        key = getattr(item, "id", None) or getattr(item, "code", None)
        seen.setdefault(key, item)
    return list(seen.values())


# -- M'inscrire ------------------------------------------------------------------------------------
def enrolment_refusal(view: PeriodView, at: datetime) -> str | None:
    """Why registration cannot start now for this period, or None when it is open."""
    state = view.state(at)
    if state is PeriodState.open:
        return None
    if state is PeriodState.upcoming:
        when = view.opens_at.astimezone(PARIS)
        return f"Les inscriptions ouvriront le {when:%d/%m/%Y} à {when:%H:%M} (heure de Paris)."
    when = view.closes_at.astimezone(PARIS)
    return (
        f"Les inscriptions sont closes depuis le {when:%d/%m/%Y} à {when:%H:%M} (heure de Paris)."
    )


# -- announcements -------------------------------------------------------------------------------
async def current_announcements(db: AsyncSession, now: datetime) -> list[Announcement]:
    """The home page's messages ponctuels whose window holds ``now`` (from included, until not)."""
    query = (
        select(Announcement)
        .where(Announcement.shows_from <= now, Announcement.shows_until > now)
        .order_by(col(Announcement.shows_from), col(Announcement.id))
    )
    return list((await db.exec(query)).all())
