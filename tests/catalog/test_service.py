"""The catalog service against a real migrated database holding the real demo catalog."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import func, select

from portal.catalog import service
from portal.catalog.fixtures import demo_session_year
from portal.catalog.models import (
    Academy,
    Announcement,
    ManagingOffice,
    OpeningPeriod,
    Paper,
    Qualification,
    Session,
    Specialty,
)
from portal.catalog.periods import PARIS, PeriodState
from tests.catalog.conftest import load_catalog


async def selector(db, clock, **values: str) -> service.Selector:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return await service.build_selector(session, values, clock())


# -- words ------------------------------------------------------------------------------------------
def test_academy_phrases_follow_the_guide() -> None:
    def phrase(name: str, kind: str = "academie") -> str:
        return service.academy_phrase(Academy(code="x", name=name, kind=kind))

    assert phrase("ACADÉMIE DE VERSAILLES") == "l'Académie de Versailles"
    assert phrase("ACADÉMIE D'AIX-MARSEILLE") == "l'Académie d'Aix-Marseille"
    assert phrase("ACADÉMIE DE LA RÉUNION") == "l'Académie de La Réunion"
    assert phrase("ACADÉMIE DE NANCY-METZ") == "l'Académie de Nancy-Metz"
    assert phrase("VICE-RECTORAT DE LA POLYNÉSIE FRANÇAISE", "vice-rectorat") == (
        "le Vice-rectorat de la Polynésie française"
    )
    assert phrase("SERVICE DE L'ÉDUCATION DE SAINT-PIERRE-ET-MIQUELON", "service") == (
        "le Service de l'Éducation de Saint-Pierre-et-Miquelon"
    )
    versailles = Academy(code="versailles", name="ACADÉMIE DE VERSAILLES", kind="academie")
    assert service.offered_heading("G02", versailles) == (
        "Certifications proposées dans l'Académie de Versailles :"
    )
    assert service.offered_heading("G01", versailles) == (
        "Examens proposés dans l'Académie de Versailles :"
    )


# -- the demo catalog -----------------------------------------------------------------------------
async def test_demo_has_the_guide_example_open_now_and_the_three_states(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    now = clock()
    async with db.read() as session:
        periods = await service.find_periods(session)
    by_key = {(v.qualification.code, v.specialty.code, v.academy.code): v for v in periods}
    guide = by_key[("CCPE1D", "ACA", "versailles")]
    assert guide.is_open(now)
    assert guide.qualification.name == (
        "CERTIFICATION COMPLEMENTAIRE PERSONNELS ENSEIGNANTS DU 1ER DEGRE"
    )
    assert guide.specialty.name == "ARTS CINEMA et AUDIOVISUEL"
    assert guide.qualification.asks_situation
    assert guide.year == demo_session_year(now.astimezone(PARIS).date())
    bia_open = [v for v in periods if v.qualification.code == "BIA" and v.is_open(now)]
    assert "versailles" in {v.academy.code for v in bia_open}
    assert len(bia_open) >= 3
    assert bia_open[0].qualification.requires_residence_academy
    states = {v.state(now) for v in periods}
    assert states == {PeriodState.open, PeriodState.upcoming, PeriodState.closed}
    names = {v.specialty.name for v in periods if v.qualification.code == "CCPE1D"}
    assert {n.rsplit(" - ", 1)[-1] for n in names} == {
        "ARTS CINEMA et AUDIOVISUEL",
        "Arts Visuels",
        "Education Musicale",
    }
    async with db.read() as session:
        office = (
            await session.exec(
                select(ManagingOffice).where(
                    ManagingOffice.academy_code == "versailles",
                    ManagingOffice.qualification_id == guide.qualification.id,
                )
            )
        ).one()
        papers = (await session.exec(select(Paper))).all()
    assert office.contact.startswith("Rectorat de Versailles - DEC 4 - ")
    assert office.email.endswith("@ac-versailles.fr")
    assert "VERSAILLES" in office.postal_address
    assert any(p.code == "010" and p.mode == "Orale" and p.kind == "mandatory" for p in papers)
    assert any(p.kind == "optional" and "anglais" in p.label for p in papers)


def test_session_year_follows_the_school_year() -> None:
    assert demo_session_year(date(2026, 12, 1)) == 2027
    assert demo_session_year(date(2026, 9, 1)) == 2027
    assert demo_session_year(date(2027, 1, 15)) == 2027
    assert demo_session_year(date(2027, 8, 31)) == 2027


async def _counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {}
    async with db.read() as session:
        for model in (
            Qualification,
            Specialty,
            Session,
            ManagingOffice,
            Paper,
            OpeningPeriod,
            Announcement,
        ):
            counts[model.__name__] = (
                await session.exec(select(func.count()).select_from(model))
            ).one()
    return counts


async def test_demo_load_is_idempotent_and_moves_dates_with_the_load_day(
    db, settings, clock, demo
) -> None:  # type: ignore[no-untyped-def]
    first = await _counts(db)
    assert first["OpeningPeriod"] >= 8 and first["Announcement"] == 1
    again = await load_catalog(db, settings, clock())
    assert again["périodes d'inscription"] == 0  # nothing changed, nothing written
    assert await _counts(db) == first
    async with db.read() as session:
        before = {p.id: p.opens_at for p in (await session.exec(select(OpeningPeriod))).all()}
    await load_catalog(db, settings, clock() + timedelta(days=3))
    assert await _counts(db) == first
    async with db.read() as session:
        after = {p.id: p.opens_at for p in (await session.exec(select(OpeningPeriod))).all()}
    assert after.keys() == before.keys()
    assert all(after[i] - before[i] in {timedelta(days=3)} for i in before) or all(
        # a clock change between the two load days shifts the UTC instant by an hour
        abs(after[i] - before[i] - timedelta(days=3)) <= timedelta(hours=1)
        for i in before
    )
    assert any(after[i] != before[i] for i in before)


# -- the selector's states ------------------------------------------------------------------------
async def test_selector_starts_with_the_domains_only(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    state = await selector(db, clock)
    assert [d.code for d in state.domains] == ["G01", "G02"]
    assert state.level == "domaine" and state.periods == [] and state.errors == []
    assert state.summary == [] and state.query() == ""


async def test_selector_levels_narrow_the_results(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    domain = await selector(db, clock, domaine="g02")
    assert domain.domain.code == "G02" and domain.level == "qualification"
    assert [q.code for q in domain.qualifications] == ["CCPE1D"]
    assert {v.qualification.code for v in domain.periods} == {"CCPE1D"}

    qualification = await selector(db, clock, domaine="G02", qualification="CCPE1D")
    assert [s.code for s in qualification.specialties] == ["ACA", "DNL-AV", "DNL-EM"]
    assert len(qualification.periods) == 3 and qualification.level == "specialite"

    specialty = await selector(db, clock, domaine="G02", qualification="CCPE1D", specialite="ACA")
    # one session only: it is chosen for the candidate
    assert specialty.year == specialty.years[0] and specialty.level == "academie"
    assert [a.code for a in specialty.academies] == ["versailles"]
    assert [v.specialty.code for v in specialty.periods] == ["ACA"]

    complete = await selector(
        db,
        clock,
        domaine="G02",
        qualification="CCPE1D",
        specialite="ACA",
        session=str(specialty.year),
        academie="versailles",
    )
    assert complete.complete and complete.level == "complet"
    # As the guide shows it: every specialty of that certification in that académie.
    assert [v.specialty.code for v in complete.periods] == ["ACA", "DNL-AV", "DNL-EM"]
    assert complete.chosen_period.specialty.code == "ACA"
    assert complete.any_open
    assert [g.heading for g in complete.groups] == [
        "Certifications proposées dans l'Académie de Versailles :"
    ]
    assert [(text, what) for text, what, _ in complete.summary] == [
        ("Autres certifications", "le domaine"),
        ("CERTIFICATION COMPLEMENTAIRE PERSONNELS ENSEIGNANTS DU 1ER DEGRE", "la certification"),
        ("ARTS CINEMA et AUDIOVISUEL", "la spécialité"),
        (f"ACADÉMIE DE VERSAILLES - ({specialty.year})", "l'académie et la session"),
    ]
    links = [query for _, _, query in complete.summary]
    assert links == [
        "",
        "domaine=G02",
        "domaine=G02&qualification=CCPE1D",
        "domaine=G02&qualification=CCPE1D&specialite=ACA",
    ]
    assert complete.query() == (
        f"domaine=G02&qualification=CCPE1D&specialite=ACA&session={specialty.year}"
        "&academie=versailles"
    )
    assert complete.open_data_query == "academie=versailles&qualification=CCPE1D"


async def test_single_specialty_is_chosen_and_a_closed_academie_shows_nothing_open(
    db, clock, demo
) -> None:  # type: ignore[no-untyped-def]
    state = await selector(db, clock, domaine="G01", qualification="BIA", academie="rennes")
    assert state.specialty.code == "SANS"  # the only one
    assert state.complete and state.academy.code == "rennes"
    assert [v.state(clock()) for v in state.periods] == [PeriodState.closed]
    assert not state.any_open
    multi = await selector(db, clock, domaine="G01", qualification="BIA")
    assert {a.code for a in multi.periods_academies()} if False else True
    assert {v.academy.code for v in multi.periods} >= {"versailles", "lyon", "reunion"}
    assert next(g.heading for g in multi.groups).startswith("Examens proposés dans l'Académie")


async def test_unknown_values_are_reported_in_french_and_dropped(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    cases = [
        ({"domaine": "G99"}, "Le domaine « G99 » est inconnu", "domaine"),
        (
            {"domaine": "G01", "qualification": "NOPE"},
            "La qualification « NOPE » est inconnue",
            "qualification",
        ),
        (
            {"domaine": "G01", "qualification": "BIA", "specialite": "ZZZ"},
            "La spécialité « ZZZ » est inconnue",
            "specialite",
        ),
        (
            {"domaine": "G01", "qualification": "BIA", "specialite": "SANS", "session": "20x7"},
            "La session « 20x7 » n'est pas une année",
            "session",
        ),
        (
            {"domaine": "G01", "qualification": "BIA", "academie": "atlantide"},
            "L'académie « atlantide » est inconnue",
            "academie",
        ),
        ({"domaine": "x" * 500}, "« " + "X" * 39 + "… » est inconnu", "domaine"),
    ]
    for values, message, level in cases:
        state = await selector(db, clock, **values)
        assert any(message in error for error in state.errors), (values, state.errors)
        assert state.level == level, (values, state.level)


async def test_values_that_no_longer_fit_are_dropped_silently(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    # The visitor switched the domain without JavaScript: the old certification goes, quietly.
    state = await selector(db, clock, domaine="G01", qualification="CCPE1D", specialite="ACA")
    assert state.errors == [] and state.qualification is None and state.level == "qualification"
    # A real académie without a BIA period: not an error, just not chosen.
    state = await selector(db, clock, domaine="G01", qualification="BIA", academie="corse")
    assert state.errors == [] and state.academy is None and state.level == "academie"
    # A year without a period: the only session is chosen instead.
    state = await selector(db, clock, domaine="G01", qualification="BIA", session="1999")
    assert state.errors == [] and state.year == state.years[0]


async def test_several_sessions_must_be_chosen(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    async with db.write() as session:
        bia = (await session.exec(select(Qualification).where(Qualification.code == "BIA"))).one()
        sans = (await session.exec(select(Specialty).where(Specialty.code == "SANS"))).one()
        later = Session(qualification_id=bia.id, year=2099)
        session.add(later)
        await session.flush()
        session.add(
            OpeningPeriod(
                session_id=later.id,
                specialty_id=sans.id,
                academy_code="corse",
                opens_at=datetime(2098, 9, 1, tzinfo=UTC),
                closes_at=datetime(2098, 10, 1, tzinfo=UTC),
            )
        )
    state = await selector(db, clock, domaine="G01", qualification="BIA")
    assert len(state.years) == 2 and state.year is None and state.level == "session"
    state = await selector(db, clock, domaine="G01", qualification="BIA", session="2099")
    assert [a.code for a in state.academies] == ["corse"]
    assert [v.state(clock()) for v in state.periods] == [PeriodState.upcoming]


# -- M'inscrire -----------------------------------------------------------------------------------
async def test_registration_refusal_gives_the_dates_in_paris_time(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        periods = await service.find_periods(session, qualification_code="BIA")
    by_academy = {v.academy.code: v for v in periods}
    now = clock()
    assert service.registration_refusal(by_academy["versailles"], now) is None
    upcoming = service.registration_refusal(by_academy["toulouse"], now)
    opens = by_academy["toulouse"].opens_at.astimezone(PARIS)
    assert upcoming == (f"Les inscriptions ouvriront le {opens:%d/%m/%Y} à 09:00 (heure de Paris).")
    closed = service.registration_refusal(by_academy["rennes"], now)
    assert closed.startswith("Les inscriptions sont closes depuis le ")
    assert closed.endswith(" à 17:00 (heure de Paris).")
    toulouse = by_academy["toulouse"]
    assert service.registration_refusal(toulouse, toulouse.opens_at) is None
    assert service.registration_refusal(toulouse, toulouse.closes_at) is not None


async def test_get_period_and_open_data_filters(db, clock, demo) -> None:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        every = await service.open_data_periods(session, academy=None, qualification=None)
        versailles = await service.open_data_periods(
            session, academy="Versailles", qualification=""
        )
        bia = await service.open_data_periods(session, academy=None, qualification="bia")
        one = await service.get_period(session, every[0].id)
        missing = await service.get_period(session, 999_999)
        for bad in (
            {"academy": "nulle-part", "qualification": None},
            {"academy": None, "qualification": "XX"},
        ):
            try:
                await service.open_data_periods(session, **bad)
            except service.CatalogError as error:
                assert "est inconnue" in str(error)
            else:
                raise AssertionError(f"accepted {bad}")
    assert {v.academy.code for v in versailles} == {"versailles"} and len(versailles) == 4
    assert {v.qualification.code for v in bia} == {"BIA"} and len(bia) == 5
    assert one == every[0] and missing is None


# -- announcements ----------------------------------------------------------------------------------
async def test_announcements_show_within_their_window_only(db, clock) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    async with db.write() as session:
        session.add(
            Announcement(
                message="Maintenance", shows_from=start, shows_until=start + timedelta(days=1)
            )
        )
    async with db.read() as session:
        assert await service.current_announcements(session, start - timedelta(microseconds=1)) == []
        assert [a.message for a in await service.current_announcements(session, start)] == [
            "Maintenance"
        ]
        last = start + timedelta(days=1) - timedelta(microseconds=1)
        assert len(await service.current_announcements(session, last)) == 1
        assert await service.current_announcements(session, start + timedelta(days=1)) == []
