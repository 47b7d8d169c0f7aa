"""Every catalog route over HTTP: each selector state as a full page and as an htmx fragment,
M'inscrire behind the login guard, the open-data feeds, and the home page's announcements."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from icalendar import Calendar

from portal.catalog import service
from portal.catalog.controllers import WIZARD_START
from portal.catalog.fixtures import demo_session_year
from portal.catalog.periods import PARIS, wall_clock
from tests._support.candidates import logged_in

BASE = "/ouverture-des-services"
NONE_OPEN = "Aucun service n'est ouvert pour cette sélection."


def year(clock) -> int:  # type: ignore[no-untyped-def]
    return demo_session_year(clock().astimezone(PARIS).date())


async def periods(db, **filters):  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return await service.find_periods(session, **filters)


def text_of(page: str) -> str:
    """The visible text, tags removed and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def main_of(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def assert_full_page(response, h1: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    body = response.text
    assert body.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="fr">' in body and "</html>" in body
    assert f"<h1>{h1}</h1>" in body
    assert 'id="catalog-selector"' in body and 'id="catalog-results"' in body
    assert "HX-Request" in response.headers.get("vary", "")


def assert_fragment(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    body = response.text
    assert body.lstrip().startswith('<div id="catalog-selector"')
    for whole_page in ("<html", "<!doctype", "<head", "<body", "<h1", "<main"):
        assert whole_page not in body.lower()
    assert 'id="catalog-results"' in body
    assert "HX-Request" in response.headers.get("vary", "")


def state_urls(clock) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Each selector state: its query, and the canonical query the server answers with."""
    y = year(clock)
    return {
        "domaine": ("", ""),
        "qualification": ("domaine=G02", "domaine=G02"),
        "specialite": ("domaine=G02&qualification=CCPE1D", "domaine=G02&qualification=CCPE1D"),
        # the only session is chosen: the académie is next
        "academie": (
            "domaine=G02&qualification=CCPE1D&specialite=ACA",
            f"domaine=G02&qualification=CCPE1D&specialite=ACA&session={y}",
        ),
        "complet": (
            f"domaine=G02&qualification=CCPE1D&specialite=ACA&session={y}&academie=versailles",
            f"domaine=G02&qualification=CCPE1D&specialite=ACA&session={y}&academie=versailles",
        ),
        "vide": (
            "domaine=G01&qualification=BIA&academie=rennes",
            f"domaine=G01&qualification=BIA&specialite=SANS&session={y}&academie=rennes",
        ),
    }


# the select that each state shows last, and what it must say
EXPECTED = {
    "domaine": ('<select id="catalog-domaine" name="domaine">', "Choisissez un domaine"),
    "qualification": ('<select id="catalog-qualification"', "Informations disponibles"),
    "specialite": ('<select id="catalog-specialite"', "Modifier la certification"),
    "academie": ('<select id="catalog-academie"', "Modifier la spécialité"),
    "complet": (
        '<option value="versailles" selected>',
        "ACADÉMIE DE VERSAILLES - ({year}) Modifier l'académie et la session",
    ),
    "vide": ('<option value="rennes" selected>', NONE_OPEN),
}


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
async def test_every_selector_state(client, clock, demo, state: str, htmx: bool) -> None:  # type: ignore[no-untyped-def]
    query, canonical = state_urls(clock)[state]
    url = f"{BASE}?{query}" if query else BASE
    response = await (client.htmx_get(url) if htmx else client.get(url))
    if htmx:
        assert_fragment(response)
        assert response.headers["hx-push-url"] == (f"{BASE}?{canonical}" if canonical else BASE)
    else:
        assert_full_page(response, "Ouverture des services")
        assert "hx-push-url" not in response.headers
        assert "<title>Ouverture des services - Portail Candidat</title>" in response.text
    markup, words = EXPECTED[state]
    assert markup in response.text
    assert words.format(year=year(clock)) in text_of(response.text)
    # the next level has no select yet; no-JS visitors submit the form
    assert ">Afficher</button>" in response.text
    form = re.search(r"<form [^>]*>", response.text).group(0)  # type: ignore[union-attr]
    for attribute in (
        f'action="{BASE}"',
        'method="get"',
        f'hx-get="{BASE}"',
        'hx-target="#catalog-selector"',
        'hx-swap="outerHTML settle:0ms"',
        'hx-push-url="true"',
    ):
        assert attribute in form
    if state == "vide":
        assert "fermé depuis le" in response.text
    elif state != "domaine":
        assert NONE_OPEN not in response.text


async def test_boosted_and_history_restore_requests_get_the_whole_page(client, demo) -> None:  # type: ignore[no-untyped-def]
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        response = await client.htmx_get(f"{BASE}?domaine=G01", headers=extra)
        assert_full_page(response, "Ouverture des services")


async def test_the_guide_example_reads_as_in_the_guide(client, clock, db, demo) -> None:  # type: ignore[no-untyped-def]
    query = state_urls(clock)["complet"][0]
    page = text_of((await client.get(f"{BASE}?{query}")).text)
    assert "Résumé de la sélection" in page
    assert "Certifications proposées dans l'Académie de Versailles :" in page
    for view in await periods(db, qualification_code="CCPE1D"):
        opens, closes = wall_clock(view.opens_at), wall_clock(view.closes_at)
        line = (
            f"CERTIFICATION COMPLEMENTAIRE PERSONNELS ENSEIGNANTS DU 1ER DEGRE : "
            f"{view.specialty.name} "
        )
        if view.is_open(clock()):
            line += f"ouvert du {opens} au {closes}"
        else:
            line += f"ouvrira du {opens} au {closes}"
        assert line in page, line
    assert "Modifier le domaine" in page and "Modifier la spécialité" in page


async def test_bia_results_name_the_exams_and_show_overseas_local_time(
    client, clock, db, demo
) -> None:  # type: ignore[no-untyped-def]
    page = text_of((await client.get(f"{BASE}?domaine=G01&qualification=BIA")).text)
    assert "Examens proposés dans l'Académie de La Réunion :" in page
    assert "Examens proposés dans l'Académie de Versailles :" in page
    reunion = next(v for v in await periods(db, academy_code="reunion"))
    assert reunion.local_wording(clock()) in page
    assert "heure de Paris" in page


async def test_summary_links_go_back_one_level_each(client, clock, demo) -> None:  # type: ignore[no-untyped-def]
    query = state_urls(clock)["complet"][0]
    body = (await client.get(f"{BASE}?{query}")).text
    links = re.findall(
        r'<a href="([^"]*)">Modifier<span class="visually-hidden"> ([^<]*)</span>', body
    )
    assert [(html.unescape(href), html.unescape(what)) for href, what in links] == [
        (BASE, "le domaine"),
        (f"{BASE}?domaine=G02", "la certification"),
        (f"{BASE}?domaine=G02&qualification=CCPE1D", "la spécialité"),
        (f"{BASE}?domaine=G02&qualification=CCPE1D&specialite=ACA", "l'académie et la session"),
    ]
    for href, _ in links:  # each one is a working state
        assert (await client.get(html.unescape(href))).status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("domaine=G99", "Le domaine « G99 » est inconnu"),
        ("domaine=G02&qualification=NOPE", "La qualification « NOPE » est inconnue"),
        ("domaine=G02&qualification=CCPE1D&specialite=ZZ", "La spécialité « ZZ » est inconnue"),
        ("domaine=G02&qualification=CCPE1D&specialite=ACA&session=abc", "n'est pas une année"),
        (
            "domaine=G01&qualification=BIA&academie=atlantide",
            "L'académie « atlantide » est inconnue",
        ),
        ("domaine=%3Cscript%3Ealert(1)%3C/script%3E", "Le domaine « <SCRIPT>ALERT(1)</SCRIPT> »"),
        ("domaine=" + "A" * 5000, "Le domaine « AAAA"),
        ("domaine=%00%01", "est inconnu"),
        ("domaine=G01&session=99999999999999999999999", ""),
        ("domaine=G01&domaine=G02&qualification=BIA", ""),
        ("domaine=G01&qualification=BIA&specialite=SANS&session=-1", "n'est pas une année"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
async def test_bad_values_get_a_french_message_never_a_500(
    client, demo, query: str, message: str, htmx: bool
) -> None:  # type: ignore[no-untyped-def]
    url = f"{BASE}?{query}"
    response = await (client.htmx_get(url) if htmx else client.get(url))
    assert response.status_code == 200
    assert "<script>" not in response.text.lower()
    assert message in text_of(response.text)
    if message:
        assert 'role="alert"' in response.text
        if not htmx:
            assert "<title>Erreur : Ouverture des services" in response.text
    (assert_fragment if htmx else lambda r: assert_full_page(r, "Ouverture des services"))(response)


async def test_open_data_links_follow_the_selection(client, clock, demo) -> None:  # type: ignore[no-untyped-def]
    body = (await client.get(f"{BASE}?{state_urls(clock)['complet'][0]}")).text
    assert (
        'href="/ouverture-des-services.json?academie=versailles&amp;qualification=CCPE1D"' in body
    )
    assert 'href="/ouverture-des-services.ics?academie=versailles&amp;qualification=CCPE1D"' in body
    # a feed is not a page: htmx must not boost it into the body
    assert body.count('hx-boost="false"') == 2


# -- M'inscrire -----------------------------------------------------------------------------------
async def test_m_inscrire_needs_an_account(client, demo) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/m-inscrire?domaine=G01", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suivant=" + quote(
        "/m-inscrire?domaine=G01", safe="/"
    )
    response = await client.htmx_get("/m-inscrire", follow_redirects=False)
    assert response.headers["hx-redirect"].startswith("/connexion?suivant=")
    view = (await periods(client.app.state.db))[0]
    response = await client.get(f"/m-inscrire/periode/{view.id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
async def test_m_inscrire_reuses_the_selector(
    logged_in_client, clock, db, demo, state: str, htmx: bool
) -> None:  # type: ignore[no-untyped-def]
    query, canonical = state_urls(clock)[state]
    url = f"/m-inscrire?{query}" if query else "/m-inscrire"
    response = await (logged_in_client.htmx_get(url) if htmx else logged_in_client.get(url))
    if htmx:
        assert_fragment(response)
        assert response.headers["hx-push-url"] == (
            f"/m-inscrire?{canonical}" if canonical else "/m-inscrire"
        )
    else:
        assert_full_page(response, "M'inscrire")
        assert "<h2>Sur quoi et où voulez-vous vous inscrire ?</h2>" in response.text
    body = response.text
    assert 'action="/m-inscrire"' in body and 'hx-get="/m-inscrire"' in body
    assert EXPECTED[state][0] in body
    valider = re.findall(
        r'<form method="post" action="([^"]+)">\s*<input type="hidden" name="_csrf_token"[^>]*>'
        r'\s*<p class="actions"><button type="submit">Valider</button>',
        body,
    )
    if state in ("complet", "vide"):
        academy, qualification = (
            ("versailles", "CCPE1D") if state == "complet" else ("rennes", "BIA")
        )
        view = await _period(db, academy, qualification)
        assert view.specialty.code in ("ACA", "SANS")
        assert valider == [f"/inscriptions/nouvelle/{view.id}"]  # a draft begins by POST
    else:
        assert valider == []


async def _period(db, academy: str, qualification: str = "BIA"):  # type: ignore[no-untyped-def]
    return next(
        v for v in await periods(db, academy_code=academy, qualification_code=qualification)
    )


async def test_valider_on_an_open_period_starts_the_wizard(logged_in_client, db, demo) -> None:  # type: ignore[no-untyped-def]
    view = await _period(db, "versailles", "CCPE1D")
    response = await logged_in_client.get(f"/m-inscrire/periode/{view.id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == logged_in_client.app.route_reverse(
        WIZARD_START, period_id=view.id
    )
    assert response.headers["location"] == f"/inscriptions/nouvelle/{view.id}"


async def test_before_the_window_says_when_it_opens_and_shows_no_form(
    logged_in_client, clock, db, demo
) -> None:  # type: ignore[no-untyped-def]
    view = await _period(db, "toulouse")
    url = f"/m-inscrire/periode/{view.id}"
    response = await logged_in_client.get(url, follow_redirects=False)
    assert response.status_code == 200
    opens = view.opens_at.astimezone(PARIS)
    page = text_of(response.text)
    assert f"Les inscriptions ouvriront le {opens:%d/%m/%Y} à 09:00 (heure de Paris)." in page
    assert "BREVET D'INITIATION AERONAUTIQUE : SANS SPECIALITE ouvrira du" in page
    assert "<form" not in main_of(response.text)

    async def visit_at(instant):  # type: ignore[no-untyped-def]
        clock.now = instant
        await logged_in(logged_in_client)  # days pass: the session has long expired
        return await logged_in_client.get(url, follow_redirects=False)

    # one microsecond before the opening it is still refused; at the opening it starts
    assert (await visit_at(view.opens_at - timedelta(microseconds=1))).status_code == 200
    response = await visit_at(view.opens_at)
    assert response.status_code == 303
    assert response.headers["location"] == f"/inscriptions/nouvelle/{view.id}"
    assert (await visit_at(view.closes_at - timedelta(microseconds=1))).status_code == 303
    # and at the closing instant it is over
    response = await visit_at(view.closes_at)
    assert response.status_code == 200
    assert "Les inscriptions sont closes depuis le" in text_of(response.text)


async def test_after_the_window_says_when_it_closed_and_shows_no_form(
    logged_in_client, db, demo
) -> None:  # type: ignore[no-untyped-def]
    view = await _period(db, "rennes")
    response = await logged_in_client.get(f"/m-inscrire/periode/{view.id}", follow_redirects=False)
    assert response.status_code == 200
    closes = view.closes_at.astimezone(PARIS)
    assert (
        f"Les inscriptions sont closes depuis le {closes:%d/%m/%Y} à 17:00 (heure de Paris)."
        in text_of(response.text)
    )
    assert "<form" not in main_of(response.text)
    assert (
        'href="/m-inscrire?domaine=G01&amp;qualification=BIA&amp;specialite=SANS' in response.text
    )


async def test_unknown_period_is_404(logged_in_client, demo) -> None:  # type: ignore[no-untyped-def]
    assert (await logged_in_client.get("/m-inscrire/periode/999999")).status_code == 404
    assert (await logged_in_client.get("/m-inscrire/periode/abc")).status_code == 404


# -- open data --------------------------------------------------------------------------------------
async def test_json_feed_lists_and_filters_periods(client, clock, db, demo) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/ouverture-des-services.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["fuseau_horaire"] == "Europe/Paris"
    every = await periods(db)
    assert len(data["periodes"]) == len(every)
    first = data["periodes"][0]
    assert set(first) >= {
        "uid",
        "qualification",
        "specialite",
        "session",
        "academie",
        "ouverture",
        "fermeture",
        "etat",
    }
    assert {p["etat"] for p in data["periodes"]} == {"ouvert", "à venir", "fermé"}
    filtered = (
        await client.get("/ouverture-des-services.json?academie=versailles&qualification=BIA")
    ).json()
    assert [(p["academie"]["code"], p["qualification"]["code"]) for p in filtered["periodes"]] == [
        ("versailles", "BIA")
    ]
    bad = await client.get("/ouverture-des-services.json?academie=atlantide")
    assert bad.status_code == 400
    assert bad.json() == {"erreur": "L'académie « atlantide » est inconnue."}


async def test_icalendar_feed_parses_and_its_times_match_the_page(client, clock, db, demo) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/ouverture-des-services.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    every = await periods(db)
    assert len(events) == len(every)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    by_uid = {f"{v.uid}@127.0.0.1": v for v in every}
    for event in events:
        view = by_uid[str(event["UID"])]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert start == view.opens_at and end == view.closes_at
        assert str(event["SUMMARY"]) == f"{view.label} – {view.academy.name}"
        # the same wall-clock times as the page shows for this period
        page = text_of(
            (
                await client.get(
                    f"{BASE}?domaine={view.domain_code}&qualification={view.qualification.code}"
                    f"&specialite={view.specialty.code}&session={view.year}&academie={view.academy.code}"
                )
            ).text
        )
        shown = (
            f"{start.astimezone(PARIS):%d/%m/%Y %H:%M} au {end.astimezone(PARIS):%d/%m/%Y %H:%M}"
        )
        closed = f"fermé depuis le {end.astimezone(PARIS):%d/%m/%Y %H:%M}"
        assert f"{view.label} " in page
        assert shown in page or (closed in page and not view.is_open(clock()))


async def test_icalendar_uids_survive_a_reload_and_filters_apply(
    client, settings, clock, db, demo
) -> None:  # type: ignore[no-untyped-def]
    from tests.catalog.conftest import load_catalog

    before = Calendar.from_ical((await client.get("/ouverture-des-services.ics")).content)
    await load_catalog(db, settings, clock() + timedelta(days=1))
    after = Calendar.from_ical((await client.get("/ouverture-des-services.ics")).content)
    assert sorted(str(e["UID"]) for e in before.walk("VEVENT")) == sorted(
        str(e["UID"]) for e in after.walk("VEVENT")
    )
    reunion = Calendar.from_ical(
        (await client.get("/ouverture-des-services.ics?academie=reunion&qualification=BIA")).content
    )
    summaries = [str(e["SUMMARY"]) for e in reunion.walk("VEVENT")]
    assert summaries == [
        "BREVET D'INITIATION AERONAUTIQUE : SANS SPECIALITE – ACADÉMIE DE LA RÉUNION"
    ]
    bad = await client.get("/ouverture-des-services.ics?qualification=XYZ")
    assert bad.status_code == 400 and "La qualification « XYZ » est inconnue." in bad.text


async def test_empty_catalog_says_no_service_is_open(client, db, settings, clock) -> None:  # type: ignore[no-untyped-def]
    from portal.catalog.fixtures import load_reference

    await load_reference(db, settings, clock())  # domains and académies, no period at all
    calendar = Calendar.from_ical((await client.get("/ouverture-des-services.ics")).content)
    assert list(calendar.walk("VEVENT")) == []
    assert json.loads((await client.get("/ouverture-des-services.json")).text)["periodes"] == []
    page = await client.get(f"{BASE}?domaine=G01")
    assert NONE_OPEN in text_of(page.text)


# -- home page ------------------------------------------------------------------------------------
async def test_home_shows_current_announcements_and_links_to_the_openings(
    client, clock, demo
) -> None:  # type: ignore[no-untyped-def]
    body = (await client.get("/")).text
    assert '<section class="notice announcements" aria-labelledby="annonces-titre">' in body
    assert "Maintenance programmée" in body
    assert '<a href="/ouverture-des-services">' in body
    clock.advance(days=15)  # past the demo announcement's window
    body = (await client.get("/")).text
    assert "Maintenance programmée" not in body and "annonces-titre" not in body
    assert '<a href="/ouverture-des-services">' in body
