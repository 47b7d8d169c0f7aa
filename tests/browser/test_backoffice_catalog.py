"""The back office's catalog in Chromium: every new page and error state axe-clean with
JavaScript on, the same journeys by plain forms with JavaScript off, and by keyboard only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.db import Database
from portal.management.models import Manager
from portal.settings import Settings
from tests.browser.helpers import assert_accessible as check
from tests.browser.helpers import is_focused, tab_to, wait_for_htmx
from tests.browser.test_backoffice import _run, create_manager, manager_log_in
from tests.browser.test_html_validity import report, validate

pytestmark = pytest.mark.browser


def create_national(live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    account_id = create_manager(live_server, email, academies=())
    settings = Settings.from_env({**live_server.env})

    async def promote() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as session:
                manager = await session.get(Manager, account_id)
                manager.all_academies = True  # type: ignore[union-attr]
                session.add(manager)
        finally:
            await db.dispose()

    _run(promote())


def _create_qualification(page: Page, code: str, name: str) -> None:
    page.get_by_role("link", name="Examens et épreuves").click()
    expect(page).to_have_url(re.compile(r"/gestion/examens$"))
    wait_for_htmx(page)
    page.locator("#champ-examen-code").fill(code)
    page.locator("#champ-examen-domain-code").select_option("G01")
    page.locator("#champ-examen-name").fill(name)
    page.get_by_role("button", name="Créer l'examen").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing


def test_every_catalog_page_and_error_is_accessible(
    page: Page, live_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """axe-core on every page and state, and the W3C Nu HTML Checker on what the browser built."""
    pages: dict[str, str] = {}

    def assert_accessible(page: Page, what: str) -> None:
        check(page, what)
        pages[what] = page.content()

    create_national(live_server, "cat-axe.national@education.gouv.fr")
    manager_log_in(page, "cat-axe.national@education.gouv.fr")
    page.get_by_role("link", name="Examens et épreuves").click()
    expect(page.get_by_role("heading", level=1, name="Examens et épreuves")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    assert_accessible(page, "qualifications")
    page.get_by_role("button", name="Créer l'examen").click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()
    expect(page.locator("#champ-examen-code-erreur")).to_contain_text("Indiquez le code")
    assert_accessible(page, "qualifications, errors")
    page.locator("#champ-catalog-file").set_input_files(
        {"name": "catalogue.zip", "mimeType": "application/zip", "buffer": b"pas un zip"}
    )
    page.get_by_role("button", name="Importer l'archive").click()
    expect(page.locator("#champ-catalog-file-problemes")).to_contain_text("pas une archive ZIP")
    assert_accessible(page, "qualifications, import refused")
    _create_qualification(page, "AXE1", "BREVET AXE")
    assert_accessible(page, "qualification")
    page.get_by_role("button", name="Ajouter l'épreuve").click()
    expect(page.locator("#champ-epreuve-code-erreur")).to_be_visible()
    assert_accessible(page, "qualification, paper errors")
    page.locator("#champ-secteur-code").fill("S1")
    page.locator("#champ-secteur-name").fill("SECTEUR UN")
    page.get_by_role("button", name="Ajouter le secteur").click()
    expect(page.get_by_text("Le secteur est enregistré.")).to_be_visible()
    page.locator("#champ-session-year").fill("2031")
    page.get_by_role("button", name="Ajouter la session").click()
    expect(page.get_by_text("La session est enregistrée.")).to_be_visible()
    page.locator("#champ-epreuve-code").fill("010")
    page.locator("#champ-epreuve-label").fill("EPREUVE AU CHOIX A")
    page.locator("#champ-epreuve-kind").select_option("choice")
    page.locator("#champ-epreuve-choice-group").fill("Langue")
    page.locator("#champ-epreuve-mode").select_option("Orale")
    page.get_by_role("button", name="Ajouter l'épreuve").click()
    expect(page.get_by_role("cell", name="Langue")).to_be_visible()
    assert_accessible(page, "qualification with its items")
    page.get_by_role("link", name=re.compile("SECTEUR UN")).click()
    expect(page.get_by_role("heading", level=1, name="Modifier le secteur S1")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    page.locator("#champ-secteur-name").fill("")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#champ-secteur-name-erreur")).to_be_visible()
    assert_accessible(page, "specialty, error")
    page.get_by_role("link", name=re.compile("Retour à BREVET AXE")).click()
    expect(page.get_by_role("heading", level=1, name="BREVET AXE")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    page.get_by_role("link", name=re.compile("Session 2031")).click()
    expect(page.get_by_role("heading", level=1, name="Modifier la session 2031")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    assert_accessible(page, "session")
    page.locator("#champ-session-ends-on").fill("31/02/2031")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#champ-session-ends-on-erreur")).to_contain_text("JJ/MM/AAAA")
    assert_accessible(page, "session, error")
    page.get_by_role("link", name=re.compile("Retour à BREVET AXE")).click()
    expect(page.get_by_role("heading", level=1, name="BREVET AXE")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    page.get_by_role("link", name=re.compile("EPREUVE AU CHOIX A")).click()
    expect(page.get_by_role("heading", level=1, name="Modifier l'épreuve 010")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    assert_accessible(page, "paper")
    page.get_by_role("link", name="Services gestionnaires").click()
    expect(page.get_by_role("heading", level=1, name="Services gestionnaires")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    assert_accessible(page, "offices")
    page.get_by_role("button", name="Ajouter le service").click()
    expect(page.locator("#champ-qualification-erreur")).to_be_visible()
    assert_accessible(page, "offices, errors")
    page.get_by_role("link", name="Pièces demandées").click()
    expect(page.get_by_role("heading", level=1, name="Pièces demandées")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    assert_accessible(page, "pieces")
    page.get_by_role("button", name="Enregistrer la pièce").click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()
    assert_accessible(page, "pieces, errors")
    page.get_by_role("link", name=re.compile("Autorisation parentale")).first.click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Modifier la pièce"))
    ).to_be_visible()
    assert_accessible(page, "piece")
    page.locator("#champ-closes-at").fill("demain")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#champ-closes-at-erreur")).to_be_visible()
    assert_accessible(page, "piece, error")
    files = []
    for number, html in enumerate(pages.values()):
        path = tmp_path / f"{number:02d}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    names = {str(path): what for path, what in zip(files, pages, strict=True)}
    errors = validate(files)
    assert not errors, report(errors, names)


def test_catalog_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    create_national(live_server, "cat-nojs.national@education.gouv.fr")
    manager_log_in(page, "cat-nojs.national@education.gouv.fr")
    page.get_by_role("link", name="Examens et épreuves").click()
    page.locator("#champ-examen-code").fill("BIA")
    page.locator("#champ-examen-domain-code").select_option("G01")
    page.locator("#champ-examen-name").fill("DOUBLON")
    page.get_by_role("button", name="Créer l'examen").click()
    expect(page.locator("#champ-examen-code-erreur")).to_contain_text("Un autre examen")
    expect(page.locator("#champ-examen-name")).to_have_value("DOUBLON")  # nothing typed is lost
    page.locator("#champ-examen-code").fill("NOJS1")
    page.get_by_role("button", name="Créer l'examen").click()
    expect(page.get_by_role("heading", level=1, name="DOUBLON")).to_be_visible()
    page.locator("#champ-secteur-code").fill("S1")
    page.locator("#champ-secteur-name").fill("SECTEUR SANS SCRIPT")
    page.get_by_role("button", name="Ajouter le secteur").click()
    expect(page.get_by_text("Le secteur est enregistré.")).to_be_visible()
    page.get_by_role("link", name=re.compile("SECTEUR SANS SCRIPT")).click()
    expect(page.get_by_role("heading", level=1, name="Modifier le secteur S1")).to_be_visible()
    page.get_by_role("button", name="Supprimer le secteur S1").click()
    expect(page.get_by_text("Le secteur est supprimé.")).to_be_visible()
    expect(page.get_by_text("Aucun secteur.")).to_be_visible()
    page.get_by_role("button", name="Supprimer l'examen NOJS1").click()
    expect(page.get_by_text("L'examen est supprimé.")).to_be_visible()
    # Pièces demandées by plain forms: an empty one is refused, field by field, in French.
    page.get_by_role("link", name="Pièces demandées").click()
    expect(page.get_by_role("heading", level=1, name="Pièces demandées")).to_be_visible()
    page.get_by_role("button", name="Enregistrer la pièce").click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()


def test_catalog_by_keyboard_only(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    create_national(live_server, "cat-keyboard.national@education.gouv.fr")
    manager_log_in(page, "cat-keyboard.national@education.gouv.fr")
    link = page.get_by_role("link", name="Examens et épreuves")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Examens et épreuves")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    tab_to(page, page.locator("#champ-examen-code"), max_tabs=200)
    page.keyboard.type("KBD1")
    page.keyboard.press("Tab")
    assert is_focused(page.locator("#champ-examen-domain-code"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("BREVET AU CLAVIER")
    page.keyboard.press("Enter")  # submits the form, as any plain form
    expect(page.get_by_role("heading", level=1, name="BREVET AU CLAVIER")).to_be_visible()
    wait_for_htmx(page)  # the boosted page swapped and settled before typing
    tab_to(page, page.locator("#champ-secteur-code"), max_tabs=200)
    page.keyboard.type("K1")
    page.keyboard.press("Tab")
    page.keyboard.type("SECTEUR AU CLAVIER")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Le secteur est enregistré.")).to_be_visible()
    expect(page.get_by_role("cell", name="K1", exact=True)).to_be_visible()
