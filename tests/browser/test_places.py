"""The places in Chromium (issue 15): the address's "Localité" among the communes of the postal
code, the commune of birth checked in its département with suggestions, and the workplace's
locality and establishment — with JavaScript on and off, by keyboard, axe-core clean; a helper
fragment's URL never reaches the address bar."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.helpers import assert_accessible, is_focused, tab_to, wait_for_htmx
from tests.browser.test_accounts import fill_signup, new_email
from tests.browser.test_registrations import (
    choose_period,
    choose_period_nojs,
    create_candidate,
    log_in,
    next_tab,
)

pytestmark = pytest.mark.browser
NOT_FOUND = "Nous ne trouvons pas cette commune dans le département choisi"


def datalist(page: Page, list_id: str) -> list[str]:
    return page.evaluate(
        "(id) => [...document.getElementById(id).options].map(o => o.value)", list_id
    )


def assert_not_pushed(page: Page) -> None:
    assert "/communes" not in page.url and "/etablissements" not in page.url, page.url


def test_address_with_javascript(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(page, create_candidate(live_server, "places-js@example.fr"))
    choose_period(page)
    step_url = page.url
    page.get_by_label("Code postal").fill("78270")
    locality = page.get_by_label("Localité")
    expect(locality.locator("option", has_text="78270-BLARU")).to_have_count(1)
    expect(page.get_by_text("Les communes du code postal 78270")).to_be_visible()
    locality.select_option(label="78270-BONNIERES-SUR-SEINE")
    wait_for_htmx(page)
    assert page.url == step_url
    assert_accessible(page, "Identification : communes de 78270")
    # An unknown postal code: said at once, next to the fields.
    page.get_by_label("Code postal").fill("78999")
    alert = page.locator("#adresse-localite [role=alert]")
    expect(alert).to_have_text(re.compile("Le code postal 78999 ne correspond à aucune commune"))
    wait_for_htmx(page)
    assert_accessible(page, "Identification : code postal inconnu")
    # Abroad: a free-text locality instead.
    page.locator("#champ-address-country").select_option(label="BELGIQUE")
    expect(page.locator("input#champ-locality")).to_be_visible()
    wait_for_htmx(page)
    assert page.url == step_url
    assert_not_pushed(page)


def test_address_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    log_in(page, create_candidate(live_server, "places-nojs@example.fr"))
    choose_period_nojs(page)
    page.get_by_label("Adresse 1").fill("Rue de la pluie")
    page.get_by_label("Code postal").fill("78999")
    next_tab(page)
    expect(page.locator("#champ-postal-code-erreur")).to_contain_text(
        "Le code postal 78999 ne correspond à aucune commune : vérifiez-le."
    )
    page.get_by_label("Code postal").fill("78270")
    page.get_by_role("button", name="Afficher les communes de ce code postal").click()
    expect(page.get_by_label("Adresse 1")).to_have_value("Rue de la pluie")
    page.get_by_label("Localité").select_option(label="78270-BLARU")
    page.get_by_label("Nationalité").select_option(label="Français")
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    assert_not_pushed(page)


def test_birthplace_with_javascript_and_by_keyboard(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto("/compte/creer")
    # Leaving the commune while the form is filled checks it; that answer is held back until the
    # candidate is in the field again, typing: it must not put the old value back over theirs.
    held: list[Route] = []
    page.route("**/compte/verifier/birth_city*", lambda route: held.append(route), times=1)
    with page.expect_request("**/compte/verifier/birth_city*"):
        fill_signup(page, new_email())
    page.locator("#champ-birth-department").select_option("062")
    city = page.locator("#champ-birth-city")
    city.fill("")
    city.focus()
    page.keyboard.type("beu")  # suggestions as the candidate types
    expect(page.locator("#communes-naissance option[value='BEUVRY']")).to_have_count(1)
    assert all(name.startswith("BEU") for name in datalist(page, "communes-naissance"))
    assert len(held) == 1, held
    with page.expect_response("**/compte/verifier/birth_city*"):
        held[0].continue_()
    wait_for_htmx(page)
    expect(city).to_have_value("beu")  # the late answer about "Beuvry" changed nothing
    assert is_focused(city)
    # Born in the Nord, Beuvry is not found there: asked to check, then confirmed by keyboard.
    page.locator("#champ-birth-department").select_option("059")
    tab_to(page, city)
    page.keyboard.press("Control+A")
    page.keyboard.type("Beuvry")
    # the suggestions for what was typed, from the Nord
    expect(page.locator("#communes-naissance option[value='BEUVRY-LA-FORET']")).to_have_count(1)
    expect(city).to_have_value("Beuvry")
    page.keyboard.press("Tab")  # leaving the field checks it
    expect(page.locator("#champ-birth-city-erreur")).to_contain_text(NOT_FOUND, timeout=15_000)
    wait_for_htmx(page)
    assert_accessible(page, "Commune de naissance introuvable")
    confirm = page.get_by_label("Je confirme ma commune de naissance « BEUVRY »")
    tab_to(page, confirm)
    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MERCI !")
    assert_not_pushed(page)


def test_birthplace_without_javascript(page_nojs: Page) -> None:
    page = page_nojs
    page.goto("/compte/creer")
    fill_signup(page, new_email())
    page.locator("#champ-birth-department").select_option("059")  # Beuvry is in the 062
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#champ-birth-city-erreur")).to_contain_text(NOT_FOUND)
    # Names of the Nord beginning the same way come with the form.
    assert "BEUVRY-LA-FORET" in datalist(page, "communes-naissance")
    page.get_by_label("Je confirme ma commune de naissance « BEUVRY »").check()
    for name in ("password", "password_confirmation"):  # never sent back
        page.locator("#champ-" + name.replace("_", "-")).fill("Beuvry.Soleil62")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MERCI !")


def fill_hr(page: Page) -> None:
    page.get_by_label("Corps").select_option(label="AGENT CONTRACTUEL 1ER DEGRE")
    page.get_by_label("Statut").select_option(label="Titulaire")
    page.get_by_label("Position administrative").select_option(label="Activité")
    page.get_by_label("Département", exact=True).select_option("078")


def to_situation(page: Page, *, javascript: bool) -> None:
    page.get_by_label("Adresse 1").fill("Rue de la pluie")
    page.get_by_label("Code postal").fill("78000")
    if not javascript:
        page.get_by_role("button", name="Afficher les communes de ce code postal").click()
    expect(page.get_by_label("Localité")).to_have_value("78646")  # the only commune of 78000
    page.get_by_label("Nationalité").select_option(label="Français")
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    if javascript:
        wait_for_htmx(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    if javascript:
        wait_for_htmx(page)


HOCHE = re.compile(r"LYCEE HOCHE \(0782562L\) - 78000 VERSAILLES - source : annuaire des lycées")


def test_establishment_with_javascript_and_keyboard(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(page, create_candidate(live_server, "places-situation-js@example.fr"))
    choose_period(page)
    to_situation(page, javascript=True)
    fill_hr(page)
    tab_to(page, page.get_by_label("Localité"))
    page.keyboard.type("versa")
    expect(page.locator("#situation-localites option[value='78000-VERSAILLES']")).to_have_count(1)
    page.keyboard.press("Control+A")
    page.keyboard.type("78000-VERSAILLES")
    tab_to(page, page.get_by_label("Rechercher l'établissement ou le service"))
    page.keyboard.type("0782562L")
    radio = page.get_by_label(HOCHE)
    expect(radio).to_be_visible()
    wait_for_htmx(page)
    assert_accessible(page, "Situation actuelle : un lycée de l'annuaire")
    tab_to(page, radio)
    page.keyboard.press("Space")
    assert is_focused(radio) and radio.is_checked()
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="4 - Epreuves")).to_be_visible()
    assert_not_pushed(page)


def test_establishment_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    log_in(page, create_candidate(live_server, "places-situation-nojs@example.fr"))
    choose_period_nojs(page)
    to_situation(page, javascript=False)
    fill_hr(page)
    page.get_by_label("Localité").fill("Brest")
    page.get_by_label("Rechercher l'établissement ou le service").fill("hoche")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_label(HOCHE).check()
    next_tab(page)
    expect(page.locator("#champ-work-locality-erreur")).to_contain_text(
        "Aucune commune de ce département ne correspond"
    )
    page.get_by_label("Localité").fill("versailles")
    next_tab(page)
    summary = page.locator(".error-summary")
    assert summary.count() == 0, summary.inner_text()
    expect(page.get_by_role("heading", level=2, name="4 - Epreuves")).to_be_visible()
