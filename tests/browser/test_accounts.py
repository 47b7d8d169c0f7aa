"""Candidate accounts in a real browser: sign-up → activation mail → login → home, with JavaScript
on and off and by keyboard only; axe-core on every page and every error state of issue 4."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, is_focused, tab_to
from tests.conftest import Mailbox

pytestmark = pytest.mark.browser

PASSWORD = "Beuvry.Soleil62"
TEXT_FIELDS = {
    "birth_name": "Talu",
    "birth_name_confirmation": "Talu",
    "first_names": "Jean",
    "birth_date": "01/01/2002",
    "birth_date_confirmation": "01/01/2002",
    "birth_city": "Beuvry",
}


def new_email() -> str:
    return f"jean.{uuid.uuid4().hex[:10]}@ac-rennes.fr"


def field(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("#champ-" + name.replace("_", "-"))


def wait_for_link(mailbox: Mailbox, address: str, path: str, count: int = 1) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = mailbox.to(address)
        if len(messages) >= count:
            return next(link for link in Mailbox.links(messages[count - 1]) if path in link)
        time.sleep(0.1)
    raise AssertionError(f"no mail for {address}")


def fill_signup(page: Page, email: str) -> None:
    field(page, "civility").select_option("M")
    for name, value in TEXT_FIELDS.items():
        field(page, name).fill(value)
    field(page, "birth_country").select_option("100")
    field(page, "birth_department").select_option("062")
    field(page, "email").fill(email)
    field(page, "email_confirmation").fill(email)
    field(page, "password").fill(PASSWORD)
    field(page, "password_confirmation").fill(PASSWORD)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    field(page, "email").fill(email)
    field(page, "password").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def journey(page: Page, live_server, accessible: bool = True) -> str:  # type: ignore[no-untyped-def]
    email = new_email()
    page.goto("/compte/creer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Créez votre compte")
    if accessible:
        assert_accessible(page, "Créez votre compte")
    fill_signup(page, email)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MERCI !")
    expect(page.get_by_text(f"Vous allez recevoir un mail à l'adresse {email}")).to_be_visible()
    if accessible:
        assert_accessible(page, "MERCI")
    link = wait_for_link(live_server.mailbox, email, "/compte/activer/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Veuillez vous identifier")
    expect(page.get_by_text("Votre compte est activé.")).to_be_visible()
    if accessible:
        assert_accessible(page, "Veuillez vous identifier")
    log_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue Jean TALU")
    nav = page.get_by_role("navigation", name="Menu principal")
    for entry in (
        "Modifier mon compte",
        "M'inscrire",
        "Mes inscriptions",
        "Mes documents",
        "Mes justificatifs",
        "Formulaires",
    ):
        expect(nav.get_by_role("link", name=entry)).to_be_visible()
    expect(nav.get_by_role("button", name="Se déconnecter")).to_be_visible()
    if accessible:
        assert_accessible(page, "espace")
    return email


def test_journey_with_javascript(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    journey(page, live_server)
    for path, heading in (
        ("/compte/modifier", "Modifier mes informations"),
        ("/formulaires", "Formulaires"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page, path)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté(e).")).to_be_visible()


def test_journey_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    journey(page_nojs, live_server, accessible=False)
    page_nojs.get_by_role("navigation").get_by_role("link", name="Modifier mon compte").click()
    expect(page_nojs.get_by_role("heading", level=1)).to_have_text("Modifier mes informations")
    field(page_nojs, "usage_name").fill("Martin")
    page_nojs.get_by_role("button", name="Enregistrer").click()
    expect(page_nojs.get_by_text("Vos informations ont été enregistrées.")).to_be_visible()
    page_nojs.get_by_role("button", name="Se déconnecter").click()
    expect(page_nojs.get_by_text("Vous êtes déconnecté(e).")).to_be_visible()


def test_journey_by_keyboard_only(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = new_email()
    page.goto("/")
    tab_to(page, page.get_by_role("link", name="Créer un compte"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Créez votre compte")
    typed = {
        "civility": "M",
        **{k: TEXT_FIELDS[k] for k in ("birth_name", "birth_name_confirmation")},
        "first_names": "Jean",
        "birth_country": "F",
        "birth_date": "01/01/2002",
        "birth_date_confirmation": "01/01/2002",
        "birth_department": "062",
        "birth_city": "Beuvry",
        "email": email,
        "email_confirmation": email,
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
    }
    for name, value in typed.items():
        tab_to(page, field(page, name))
        page.keyboard.type(value)
    expect(field(page, "birth_country")).to_have_value("100")
    expect(field(page, "birth_department")).to_have_value("062")
    tab_to(page, page.get_by_role("button", name="Enregistrer"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("MERCI !")
    page.goto(wait_for_link(live_server.mailbox, email, "/compte/activer/"))
    tab_to(page, field(page, "email"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert is_focused(field(page, "password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue Jean TALU")
    tab_to(page, page.get_by_role("button", name="Se déconnecter"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Vous êtes déconnecté(e).")).to_be_visible()


def test_error_states_are_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto("/compte/creer")
    page.get_by_role("button", name="Enregistrer").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Erreur : ")
    assert_accessible(page, "sign-up with every error")
    # inline check on leaving a field (htmx), then its error state
    field(page, "email").fill("jean@ac-rennes.fr")
    field(page, "email_confirmation").fill("autre@ac-rennes.fr")
    field(page, "email_confirmation").press("Tab")
    expect(page.locator("#champ-email-confirmation-erreur")).to_contain_text(
        "L'adresse mail et sa confirmation ne sont pas identiques."
    )
    field(page, "password").fill("court")
    field(page, "password").press("Tab")
    expect(page.locator("#champ-password-erreur")).to_contain_text("au moins 8 caractères")
    expect(field(page, "password")).to_have_value("court")  # the typed password stays
    assert_accessible(page, "inline errors")

    page.goto("/connexion")
    log_in(page, "personne@ac-rennes.fr", "Mauvais.Mot2passe")
    expect(page.get_by_text("Adresse mail ou mot de passe incorrect.").first).to_be_visible()
    assert_accessible(page, "login failure")

    for path, button in (
        ("/compte/renvoyer-lien", "Renvoyer le lien"),
        ("/mot-de-passe/oublie", "Recevoir le lien"),
    ):
        page.goto(path)
        assert_accessible(page, path)
        field(page, "email").fill("pas-une-adresse")
        page.get_by_role("button", name=button).click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page, path + " error")
        field(page, "email").fill("personne@ac-rennes.fr")
        page.get_by_role("button", name=button).click()
        expect(page.locator(".flash-success")).to_be_visible()
        assert_accessible(page, path + " sent")

    page.goto("/compte/activer/lien-invalide")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activation impossible")
    assert_accessible(page, "invalid activation link")


def test_reset_pages_are_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = journey(page, live_server, accessible=False)
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto("/mot-de-passe/oublie")
    field(page, "email").fill(email)
    page.get_by_role("button", name="Recevoir le lien").click()
    link = wait_for_link(live_server.mailbox, email, "/mot-de-passe/reinitialiser/", count=2)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    assert_accessible(page, "reset")
    field(page, "password").fill("court")
    field(page, "password_confirmation").fill("autre")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, "reset errors")
    new = "Nouveau.Mot2passe"
    field(page, "password").fill(new)
    field(page, "password_confirmation").fill(new)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre mot de passe a été modifié.")).to_be_visible()
    log_in(page, email, new)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Bienvenue"))
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Réinitialisation impossible")
    assert_accessible(page, "used reset link")
