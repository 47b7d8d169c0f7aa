"""The selector of "Ouverture des services" and "M'inscrire": domain -> qualification ->
specialty -> session -> académie, read from the query string, one level at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import Academy, Domain, Qualification, Specialty
from portal.catalog.queries import Group, PeriodView, group_by_academy
from portal.catalog.snapshot import Catalog, load
from portal.catalog.wording import echo

# The selector's levels, in order, by their query-string name (French: they are URL slugs).
LEVELS = ("domaine", "qualification", "specialite", "session", "academie")


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
    session: AsyncSession, params: Mapping[str, str | None], now: datetime
) -> Selector:
    """Read the selector's state from query-string values (see ``LEVELS``), from the database."""
    return select_from(await load(session), params, now)


def select_from(catalog: Catalog, params: Mapping[str, str | None], now: datetime) -> Selector:
    """Read the selector's state from query-string values (see ``LEVELS``), from a catalog."""
    selector = Selector(now=now)
    selector.domains = list(catalog.domains)

    raw = _param(params, "domaine").upper()
    if not raw:
        return selector
    selector.domain = next((d for d in selector.domains if d.code == raw), None)
    if selector.domain is None:
        selector.errors.append(
            f"Le domaine « {echo(raw)} » est inconnu : choisissez-en un dans la liste."
        )
        return selector

    offered = catalog.find_periods(domain_code=selector.domain.code)
    selector.qualifications = _distinct(v.qualification for v in offered)
    selector.qualifications.sort(key=lambda q: q.name)
    selector.periods = offered

    raw = _param(params, "qualification").upper()
    if raw:
        selector.qualification = next((q for q in selector.qualifications if q.code == raw), None)
        if selector.qualification is None and catalog.qualification(raw) is None:
            selector.errors.append(
                f"La qualification « {echo(raw)} » est inconnue : choisissez-en une dans la liste."
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
        if selector.specialty is None and not catalog.specialty_exists(raw):
            selector.errors.append(
                f"La spécialité « {echo(raw)} » est inconnue : choisissez-en une dans la liste."
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
                f"La session « {echo(raw)} » n'est pas une année (par exemple 2027)."
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
        if selector.academy is None and raw not in catalog.academies:
            selector.errors.append(
                f"L'académie « {echo(raw)} » est inconnue : choisissez-en une dans la liste."
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
