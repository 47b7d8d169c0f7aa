"""The "Ouverture des services" selector in Chromium: JavaScript on (htmx swaps in place and
pushes the URL) and off (plain GET forms), keyboard only, back button, axe-core in every state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, tab_to

pytestmark = pytest.mark.browser

BASE = "/ouverture-des-services"
NONE_OPEN = "Aucun service n'est ouvert pour cette sélection."


def url_with(*parts: str) -> re.Pattern[str]:
    """The current URL holds exactly these query parts (in order), nothing after."""
    query = "&".join(parts)
    return re.compile(rf".*{re.escape(BASE)}\?{re.escape(query)}$")


def results(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#catalog-results")


def assert_accessible_state(nojs: Page, checker: Page, what: str) -> None:
    """axe-core needs JavaScript (it hangs in a JS-off page): check the very same URL, whose HTML
    is the same document, in a JS-on page."""
    checker.goto(nojs.url)
    assert_accessible(checker, what)


def test_selector_journey_with_javascript(page: Page) -> None:
    page.goto(BASE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ouverture des services")
    assert_accessible(page, "sélecteur vide")
    page.evaluate("() => { window.portalMarker = 'same page'; }")

    page.get_by_label("Domaine").select_option(label="Autres certifications")
    expect(page).to_have_url(url_with("domaine=G02"))
    expect(page.get_by_label("Certification", exact=True)).to_be_visible()
    expect(results(page)).to_contain_text(
        "Certifications proposées dans l'Académie de Versailles :"
    )
    assert_accessible(page, "domaine choisi")

    page.get_by_label("Certification", exact=True).select_option("CCPE1D")
    expect(page).to_have_url(url_with("domaine=G02", "qualification=CCPE1D"))
    expect(page.get_by_label("Spécialité (secteur disciplinaire)")).to_be_visible()
    assert_accessible(page, "certification choisie")

    page.get_by_label("Spécialité (secteur disciplinaire)").select_option("ACA")
    expect(page).to_have_url(
        re.compile(r".*\?domaine=G02&qualification=CCPE1D&specialite=ACA&session=\d{4}$")
    )
    expect(page.get_by_label("Académie")).to_be_visible()
    assert_accessible(page, "spécialité choisie")

    page.get_by_label("Académie").select_option("versailles")
    expect(page).to_have_url(re.compile(r".*&session=\d{4}&academie=versailles$"))
    summary = page.locator(".catalog-summary")
    expect(summary).to_contain_text("ACADÉMIE DE VERSAILLES - (")
    expect(page.get_by_role("link", name="Modifier l'académie et la session")).to_be_visible()
    expect(results(page)).to_contain_text(
        "CERTIFICATION COMPLEMENTAIRE PERSONNELS ENSEIGNANTS DU 1ER DEGRE : "
        "ARTS CINEMA et AUDIOVISUEL ouvert du "
    )
    expect(results(page)).not_to_contain_text(NONE_OPEN)
    assert_accessible(page, "sélection complète")
    # every step was swapped in place: still the same document
    assert page.evaluate("() => window.portalMarker") == "same page"

    # the back button walks the states back
    page.go_back()
    expect(page).to_have_url(
        re.compile(r".*\?domaine=G02&qualification=CCPE1D&specialite=ACA&session=\d{4}$")
    )
    expect(page.get_by_label("Académie")).to_have_value("")
    page.go_back()
    expect(page).to_have_url(url_with("domaine=G02", "qualification=CCPE1D"))
    expect(page.get_by_label("Spécialité (secteur disciplinaire)")).to_have_value("")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ouverture des services")
    assert_accessible(page, "après retour arrière")


def test_selector_journey_without_javascript(page_nojs: Page, page: Page) -> None:
    checker, page = page, page_nojs
    page.goto(BASE)
    assert_accessible_state(page, checker, "sans JS, sélecteur vide")
    afficher = page.get_by_role("button", name="Afficher")

    page.get_by_label("Domaine").select_option("G01")
    afficher.click()
    expect(page).to_have_url(url_with("domaine=G01"))
    expect(results(page)).to_contain_text("Examens proposés dans l'Académie de Versailles :")
    assert_accessible_state(page, checker, "sans JS, domaine choisi")

    page.get_by_label("Examen", exact=True).select_option("BIA")
    afficher.click()
    # the BIA has one specialty and one session: both are chosen, the académie is next
    expect(page).to_have_url(url_with("domaine=G01", "qualification=BIA"))
    expect(page.get_by_label("Spécialité (secteur disciplinaire)")).to_have_value("SANS")
    expect(page.get_by_label("Académie")).to_be_visible()
    assert_accessible_state(page, checker, "sans JS, examen choisi")

    page.get_by_label("Académie").select_option("reunion")
    afficher.click()
    expect(page).to_have_url(re.compile(r".*&academie=reunion$"))
    expect(results(page)).to_contain_text("Examens proposés dans l'Académie de La Réunion :")
    expect(results(page)).to_contain_text("heure locale")
    assert_accessible_state(page, checker, "sans JS, sélection complète")

    # changing an earlier level drops what no longer fits
    page.get_by_label("Domaine").select_option("G02")
    afficher.click()
    expect(page).to_have_url(re.compile(r".*\?domaine=G02&qualification=BIA&"))
    expect(page.get_by_label("Certification", exact=True)).to_have_value("")
    expect(page.get_by_label("Académie")).to_have_count(0)
    expect(page.locator(".catalog-summary")).not_to_contain_text("BREVET")

    page.go_back()
    expect(page).to_have_url(re.compile(r".*&academie=reunion$"))
    expect(page.get_by_label("Académie")).to_have_value("reunion")

    page.get_by_role("link", name="Modifier l'examen").click()
    expect(page).to_have_url(url_with("domaine=G01"))
    expect(page.get_by_label("Examen", exact=True)).to_have_value("")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_empty_and_invalid_states_are_accessible(
    page: Page, page_nojs: Page, javascript: bool
) -> None:
    tab = page if javascript else page_nojs
    tab.goto(f"{BASE}?domaine=G01&qualification=BIA&academie=rennes")
    expect(results(tab)).to_contain_text(NONE_OPEN)
    expect(results(tab)).to_contain_text("fermé depuis le")
    assert_accessible_state(tab, page, "aucun service ouvert")
    tab.goto(f"{BASE}?domaine=G01&qualification=INCONNUE")
    expect(tab.get_by_role("alert")).to_contain_text("La qualification « INCONNUE » est inconnue")
    assert_accessible_state(tab, page, "valeur inconnue")


def test_selector_by_keyboard_only(page: Page) -> None:
    page.goto("/")
    tab_to(page, page.get_by_role("link", name="Consultez l'ouverture des services"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf".*{BASE}$"))

    domain = page.locator("#catalog-domaine")
    tab_to(page, domain)
    page.keyboard.press("a")  # type-ahead: "Autres examens"
    expect(page).to_have_url(url_with("domaine=G01"))
    # the block was swapped, and the keyboard user is still on the same control
    expect(page.locator("#catalog-qualification")).to_be_visible()
    expect(page.locator("#catalog-domaine")).to_be_focused()

    tab_to(page, page.locator("#catalog-qualification"))
    page.keyboard.press("b")  # BREVET D'INITIATION AERONAUTIQUE
    expect(page).to_have_url(re.compile(r".*qualification=BIA&specialite=SANS&session=\d{4}$"))

    academy = page.locator("#catalog-academie")
    tab_to(page, academy)
    page.keyboard.press("End")  # the last académie: Versailles
    expect(page).to_have_url(re.compile(r".*&academie=versailles$"))
    expect(results(page)).to_contain_text("Examens proposés dans l'Académie de Versailles :")
    expect(results(page)).to_contain_text("ouvert du")

    tab_to(page, page.get_by_role("link", name="Modifier l'examen"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_with("domaine=G01"))
    assert_accessible(page, "clavier, retour à l'examen")


def test_home_page_links_to_the_openings_and_shows_the_announcement(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("region", name="Information importante")).to_contain_text(
        "Maintenance programmée"
    )
    page.get_by_role("link", name="Consultez l'ouverture des services").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ouverture des services")
    assert_accessible(page, "ouverture des services depuis l'accueil")


# -- M'inscrire (behind the login of issue 4; the demo account of `portal demo load`) ---------------
DEMO_EMAIL = "jean.talu@example.fr"
DEMO_PASSWORD = "Demo.Soleil!62"


def log_in_through(page: Page, target: str) -> None:
    """Ask for ``target``: the guard sends us to /connexion, which brings us back."""
    page.goto(target)
    expect(page).to_have_url(re.compile(r".*/connexion\?suivant="))
    page.locator("#champ-email").fill(DEMO_EMAIL)
    page.locator("#champ-password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(rf".*{re.escape(target)}$"))


def test_m_inscrire_selector_then_valider_starts_the_registration(page: Page) -> None:
    log_in_through(page, "/m-inscrire")
    expect(page.get_by_role("heading", level=1)).to_have_text("M'inscrire")
    expect(
        page.get_by_role("heading", name="Sur quoi et où voulez-vous vous inscrire ?")
    ).to_be_visible()
    assert_accessible(page, "M'inscrire, sélecteur vide")
    page.get_by_label("Domaine").select_option("G02")
    expect(page).to_have_url(re.compile(r".*/m-inscrire\?domaine=G02$"))
    page.get_by_label("Certification", exact=True).select_option("CCPE1D")
    expect(page.get_by_label("Spécialité (secteur disciplinaire)")).to_be_visible()
    page.get_by_label("Spécialité (secteur disciplinaire)").select_option("ACA")
    expect(page.get_by_label("Académie")).to_be_visible()
    expect(page.get_by_role("button", name="Valider")).to_have_count(0)
    page.get_by_label("Académie").select_option("versailles")
    expect(page).to_have_url(re.compile(r".*/m-inscrire\?.*&academie=versailles$"))
    valider = page.get_by_role("button", name="Valider")
    expect(valider).to_be_visible()
    assert_accessible(page, "M'inscrire, sélection complète")
    valider.click()
    expect(page).to_have_url(re.compile(r".*/inscriptions/"))


def test_m_inscrire_on_a_closed_period_gives_the_dates_and_no_form(
    page_nojs: Page, page: Page
) -> None:
    checker, page = page, page_nojs
    log_in_through(page, "/m-inscrire?domaine=G01&qualification=BIA&academie=rennes")
    expect(results(page)).to_contain_text(NONE_OPEN)
    page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(re.compile(r".*/m-inscrire/periode/\d+$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Les inscriptions sont closes depuis le ")
    expect(main).to_contain_text("(heure de Paris).")
    expect(main.locator("form")).to_have_count(0)
    log_in_through(checker, page.url.removeprefix(page.url.split("/m-inscrire")[0]))
    assert_accessible(checker, "M'inscrire, période close")
