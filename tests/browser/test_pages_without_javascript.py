"""With JavaScript off, the pages the other journeys reach only with it on: each is loaded (or
submitted with an error) as plain HTML, the way a candidate or a manager without JavaScript gets
there. tests/_support/trail.py counts them: every page template is reached both ways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts import wait_for_link
from tests.browser.test_backoffice import (
    create_manager,
    manager_log_in,
    registration_id,
    welcome_path,
)
from tests.browser.test_backoffice_catalog import create_national
from tests.browser.test_documents import register_with_documents
from tests.browser.test_registrations import create_candidate, log_in

pytestmark = pytest.mark.browser
ERRORS = re.compile(r"Le formulaire contient \d+ erreur")


def shown(page: Page, path: str, heading: str | re.Pattern[str], status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, (path, response and response.status)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def links(page: Page, pattern: str) -> list[str]:
    hrefs = page.locator("main a[href]").evaluate_all("(as) => as.map(a => a.href)")
    return [href for href in hrefs if re.search(pattern, href)]


def submitted_empty(page: Page, button: str) -> None:
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", level=2, name=ERRORS)).to_be_visible()


def test_account_pages_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    shown(page, "/mot-de-passe/oublie", "Mot de passe oublié, réinitialisation du mot de passe")
    submitted_empty(page, "Recevoir le lien")
    shown(page, "/compte/renvoyer-lien", "Renvoyer le lien d'activation")
    submitted_empty(page, "Renvoyer le lien")
    response = page.goto("/mot-de-passe/reinitialiser/pas-un-lien")
    assert response is not None and response.status >= 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Réinitialisation impossible")
    shown(page, "/nulle-part", re.compile(r"\S"), status=404)
    shown(page, "/communes?postal_code=78270", re.compile(r"\S"))
    expect(page.get_by_text("78270-BLARU")).to_be_visible()
    shown(page, "/communes/naissance?birth_department=062&birth_city=BEU", re.compile(r"\S"))
    expect(page.locator("body")).to_contain_text("BEUVRY")

    email = create_candidate(live_server, "nojs-pages@example.fr")
    shown(page, "/mot-de-passe/oublie", "Mot de passe oublié, réinitialisation du mot de passe")
    page.get_by_label("Adresse mail").fill(email)
    page.get_by_role("button", name="Recevoir le lien").click()
    page.goto(wait_for_link(live_server.mailbox, email, "/mot-de-passe/reinitialiser/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    page.locator("#champ-password").fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("autre")
    page.get_by_role("button", name=re.compile("Enregistrer|Valider")).click()
    expect(page.get_by_role("heading", level=2, name=ERRORS)).to_be_visible()
    log_in(page, email)
    shown(page, "/formulaires", re.compile(r"\S"))


def test_back_office_pages_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    email = create_candidate(live_server, "nojs-bo@example.fr")
    register_with_documents(live_server, email)
    shown(page, "/gestion/bienvenue/pas-un-lien", "Lien non valable", status=404)
    newcomer = create_manager(live_server, "nojs-bo.new@ac-versailles.fr", active=False)
    page.goto(welcome_path(live_server, newcomer))
    page.locator("#champ-password").fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("court")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=2, name=ERRORS)).to_be_visible()
    create_manager(live_server, "nojs-bo.manager@ac-versailles.fr")
    manager_log_in(page, "nojs-bo.manager@ac-versailles.fr")
    number = registration_id(live_server, email)
    shown(page, f"/gestion/inscriptions/{number}/identite", re.compile("Corriger l'identité"))
    page.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_role("heading", level=2, name=ERRORS)).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    create_national(live_server, "nojs-bo.national@education.gouv.fr")  # the catalog's pages
    manager_log_in(page, "nojs-bo.national@education.gouv.fr")
    for listing, detail in (
        ("/gestion/annonces", None),
        ("/gestion/services", r"/gestion/services/\d+$"),
        ("/gestion/periodes", r"/gestion/periodes/\d+$"),
        ("/gestion/pieces", r"/gestion/pieces/\d+$"),
    ):
        shown(page, listing, re.compile(r"\S"))
        if detail is None:
            continue
        shown(page, links(page, detail)[0], re.compile(r"\S"))
    # A qualification with a session and a paper (other tests may have removed some), then both.
    shown(page, "/gestion/examens", re.compile(r"\S"))
    found: dict[str, str] = {}
    for qualification in links(page, r"/gestion/examens/\d+$"):
        shown(page, qualification, re.compile(r"\S"))
        sessions, papers = (
            links(page, r"/gestion/sessions/\d+$"),
            links(page, r"/gestion/epreuves/\d+$"),
        )
        if sessions and papers:
            found = {"session": sessions[0], "paper": papers[0]}
            break
    assert found, "no qualification with a session and a paper"
    for href in found.values():
        shown(page, href, re.compile(r"\S"))
