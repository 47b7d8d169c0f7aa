"""With JavaScript off, the forms of the login page and of the back office refused as plain
HTML: a manager types something wrong, submits by keyboard or click, and gets the same page
back with the French message next to the field and in the error summary, what was typed still
in the fields, and nothing saved. tests/_support/trail.py counts these pages in their "erreurs"
state with JavaScript off (the JavaScript-on tests check them with axe-core)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import expect_refused
from tests.browser.test_backoffice import PASSWORD, create_manager
from tests.browser.test_backoffice_catalog import create_national

pytestmark = pytest.mark.browser


def test_login_list_and_publish_errors_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    """A manager: the login page, the registrations list and the publish form, each refused."""
    page = page_nojs
    email = "nojs-errors.manager@ac-versailles.fr"
    create_manager(live_server, email)

    # accounts/login.html.j2: sent empty, then with a wrong password (Enter in the field).
    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter").click()
    expect_refused(page, "champ-email", "Saisissez votre adresse mail.", count=2)
    expect_refused(page, "champ-password", "Saisissez votre mot de passe.", count=2)
    page.get_by_label("Login").fill(email)
    page.get_by_label("Mot de passe").fill("Pas.le-bon1")
    page.get_by_label("Mot de passe").press("Enter")
    expect_refused(page, "champ-email", "Adresse mail ou mot de passe incorrect.", count=1)
    expect(page.get_by_label("Login")).to_have_value(email)  # the address stays
    expect(page.get_by_label("Mot de passe")).to_have_value("")  # a password is never sent back
    expect(page).to_have_url(re.compile(r"/connexion$"))  # not logged in
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    expect(page.get_by_role("heading", level=1, name="Inscriptions")).to_be_visible()

    # management/registrations.html.j2: an end date before the start date.
    page.get_by_label("Rechercher un candidat").fill("TALU")
    page.get_by_label("Inscrit(e) à partir du").fill("30/09/2026")
    page.get_by_label("Inscrit(e) jusqu'au").fill("01/09/2026")
    page.get_by_label("Inscrit(e) jusqu'au").press("Enter")
    expect_refused(
        page,
        "champ-au",
        "La date de fin doit être postérieure ou égale à la date de début.",
        count=1,
    )
    expect(page).to_have_url(re.compile(r"du=30%2F09%2F2026.*au=01%2F09%2F2026"))
    expect(page.get_by_label("Rechercher un candidat")).to_have_value("TALU")
    expect(page.get_by_label("Inscrit(e) à partir du")).to_have_value("30/09/2026")
    expect(page.get_by_label("Inscrit(e) jusqu'au")).to_have_value("01/09/2026")

    # management/publish.html.j2: a convocation in the past, without its place.
    page.get_by_role("link", name="Effacer les filtres").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Publier un document pour les inscriptions")).click()
    expect(page.get_by_role("heading", level=1, name="Publier un document")).to_be_visible()
    page.get_by_label("Convocation aux épreuves").check()
    page.get_by_label("Date de l'épreuve, ou date limite de dépôt").fill("15/05/2020")
    page.get_by_label("Heure").fill("09:30")
    page.get_by_label("Epreuve").fill("010 - EPREUVE SANS SCRIPT")
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect_refused(
        page, "champ-day", "Cette date est déjà passée : choisissez une date à venir.", 2
    )
    expect_refused(page, "champ-place", "Indiquez le lieu.", 2)
    expect(page.get_by_label("Convocation aux épreuves")).to_be_checked()
    expect(page.get_by_label("Date de l'épreuve, ou date limite de dépôt")).to_have_value(
        "15/05/2020"
    )
    expect(page.get_by_label("Heure")).to_have_value("09:30")
    expect(page.get_by_label("Epreuve")).to_have_value("010 - EPREUVE SANS SCRIPT")
    # nothing to publish: no preview, no button to publish it
    expect(page.get_by_role("heading", name=re.compile("^Aperçu"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Publier pour"))).to_have_count(0)


def test_catalog_errors_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    """A national manager: every catalog form refused, and nothing of it saved."""
    page = page_nojs
    email = "nojs-errors.national@education.gouv.fr"
    create_national(live_server, email)
    page.goto("/connexion")
    page.get_by_label("Login").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1, name="Inscriptions")).to_be_visible()

    # management/qualification.html.j2: a specialty added without its name.
    page.get_by_role("link", name="Examens et épreuves").click()
    page.get_by_role("link", name="BREVET D'INITIATION AERONAUTIQUE", exact=True).click()
    title = page.get_by_role("heading", level=1, name="BREVET D'INITIATION AERONAUTIQUE")
    expect(title).to_be_visible()
    qualification_url = page.url
    page.locator("#champ-secteur-code").fill("NOJSERR")
    page.locator("#champ-secteur-position").fill("7")
    page.get_by_role("button", name="Ajouter le secteur").click()
    expect_refused(page, "champ-secteur-name", "Indiquez l'intitulé.", count=1)
    expect(page.locator("#champ-secteur-code")).to_have_value("NOJSERR")
    expect(page.locator("#champ-secteur-position")).to_have_value("7")
    page.goto(qualification_url)
    expect(title).to_be_visible()
    expect(page.locator("main table").first).not_to_contain_text("NOJSERR")  # not created

    # management/specialty.html.j2: its name emptied, its code changed.
    page.locator("main table").first.get_by_role("link").first.click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("^Modifier le secteur"))
    ).to_be_visible()
    specialty_url = page.url
    name = page.locator("#champ-secteur-name").input_value()
    page.locator("#champ-secteur-code").fill("RENOMME")
    page.locator("#champ-secteur-name").fill("")
    page.locator("#champ-secteur-name").press("Enter")
    expect_refused(page, "champ-secteur-name", "Indiquez l'intitulé.", count=1)
    expect(page.locator("#champ-secteur-code")).to_have_value("RENOMME")
    page.goto(specialty_url)
    expect(page.locator("#champ-secteur-name")).to_have_value(name)  # unchanged
    expect(page.locator("#champ-secteur-code")).not_to_have_value("RENOMME")

    # management/session.html.j2: an end date that does not exist.
    page.goto(qualification_url)
    page.get_by_role("link", name=re.compile(r"^Session \d{4}")).first.click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("^Modifier la session"))
    ).to_be_visible()
    session_url = page.url
    ends_on = page.locator("#champ-session-ends-on").input_value()
    page.locator("#champ-session-ends-on").fill("31/02/2031")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect_refused(
        page,
        "champ-session-ends-on",
        "Indiquez une date réelle au format JJ/MM/AAAA, par exemple 30/06/2027.",
        count=1,
    )
    expect(page.locator("#champ-session-ends-on")).to_have_value("31/02/2031")
    page.goto(session_url)
    expect(page.locator("#champ-session-ends-on")).to_have_value(ends_on)  # unchanged

    # management/periods.html.j2: a new period closing before it opens.
    page.get_by_role("link", name="Périodes d'inscription").click()
    expect(page.get_by_role("heading", level=1, name="Périodes d'inscription")).to_be_visible()
    lines = page.locator("main table tbody tr").count()
    bia = "BREVET D'INITIATION AERONAUTIQUE"
    specialty = page.locator("#champ-specialty option", has_text=f"{bia} : ").first
    session = page.locator("#champ-session option", has_text=f"{bia} – session").first
    specialty_value, session_value = (
        specialty.get_attribute("value"),
        session.get_attribute("value"),
    )
    page.get_by_label("Secteur disciplinaire").select_option(specialty_value)
    page.locator("#champ-session").select_option(session_value)
    page.get_by_label("Académie").select_option("versailles")
    page.get_by_label("Ouverture").fill("20/10/2031 10:00")
    page.get_by_label("Fermeture").fill("17/09/2031 10:00")
    page.get_by_role("button", name="Enregistrer la période").click()
    expect_refused(page, "champ-closes-at", "La fermeture doit être postérieure à l'ouverture.", 1)
    expect(page.get_by_label("Secteur disciplinaire")).to_have_value(specialty_value)
    expect(page.locator("#champ-session")).to_have_value(session_value)
    expect(page.get_by_label("Académie")).to_have_value("versailles")
    expect(page.get_by_label("Ouverture")).to_have_value("20/10/2031 10:00")
    expect(page.get_by_label("Fermeture")).to_have_value("17/09/2031 10:00")
    page.get_by_role("link", name="Périodes d'inscription").click()
    expect(page.locator("main table tbody tr")).to_have_count(lines)  # none added
    expect(page.locator("main table")).not_to_contain_text("20/10/2031")

    # management/period.html.j2: an existing period closing before it opens.
    page.locator("main table tbody a").first.click()
    expect(
        page.get_by_role("heading", level=1, name="Modifier une période d'inscription")
    ).to_be_visible()
    period_url = page.url
    opens_at = page.get_by_label("Ouverture").input_value()
    closes_at = page.get_by_label("Fermeture").input_value()
    page.get_by_label("Fermeture").fill("01/01/2000 10:00")
    page.get_by_label("Fermeture").press("Enter")
    expect_refused(page, "champ-closes-at", "La fermeture doit être postérieure à l'ouverture.", 1)
    expect(page.get_by_label("Ouverture")).to_have_value(opens_at)
    expect(page.get_by_label("Fermeture")).to_have_value("01/01/2000 10:00")
    page.goto(period_url)
    expect(page.get_by_label("Fermeture")).to_have_value(closes_at)  # unchanged

    # management/offices.html.j2: a new office without its examen, name or valid address.
    page.get_by_role("link", name="Services gestionnaires").click()
    expect(page.get_by_role("heading", level=1, name="Services gestionnaires")).to_be_visible()
    page.get_by_label("Académie").select_option("versailles")
    page.get_by_label("Téléphone").fill("01 99 99 99 01")
    page.get_by_label("Adresse mail").fill("dec-sans-arobase.fr")
    page.get_by_label("Adresse postale").fill("Rectorat sans script\n78000 VERSAILLES")
    page.get_by_role("button", name="Ajouter le service").click()
    expect_refused(page, "champ-qualification", "Choisissez l'examen ou la certification.", 3)
    expect_refused(page, "champ-name", "Indiquez le nom du service.", 3)
    expect_refused(
        page,
        "champ-email",
        "Saisissez une adresse mail valide, par exemple dec@ac-versailles.fr.",
        3,
    )
    expect(page.get_by_label("Académie")).to_have_value("versailles")
    expect(page.get_by_label("Téléphone")).to_have_value("01 99 99 99 01")
    expect(page.get_by_label("Adresse mail")).to_have_value("dec-sans-arobase.fr")
    expect(page.get_by_label("Adresse postale")).to_have_value(
        "Rectorat sans script\n78000 VERSAILLES"
    )
    page.get_by_role("link", name="Services gestionnaires").click()
    expect(page.locator("main")).not_to_contain_text("01 99 99 99 01")  # not created

    # management/office.html.j2: an office renamed with an invalid address.
    page.locator("main table tbody a").first.click()
    expect(
        page.get_by_role("heading", level=1, name="Modifier un service gestionnaire")
    ).to_be_visible()
    office_url = page.url
    office_name = page.get_by_label("Nom du service").input_value()
    page.get_by_label("Nom du service").fill("Service renommé sans script")
    page.get_by_label("Adresse mail").fill("pas-une-adresse")
    page.get_by_label("Adresse mail").press("Enter")
    expect_refused(
        page,
        "champ-email",
        "Saisissez une adresse mail valide, par exemple dec@ac-versailles.fr.",
        count=1,
    )
    expect(page.get_by_label("Nom du service")).to_have_value("Service renommé sans script")
    expect(page.get_by_label("Adresse mail")).to_have_value("pas-une-adresse")
    page.goto(office_url)
    expect(page.get_by_label("Nom du service")).to_have_value(office_name)  # unchanged

    # management/requirement.html.j2: a piece's deadline before its opening.
    page.get_by_role("link", name="Pièces demandées").click()
    expect(page.get_by_role("heading", level=1, name="Pièces demandées")).to_be_visible()
    page.locator("main table tbody a").first.click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("^Modifier la pièce"))
    ).to_be_visible()
    piece_url = page.url
    deadline = page.get_by_label("Date limite").input_value()
    page.get_by_label("Ouverture du dépôt").fill("10/10/2030 10:00")
    page.get_by_label("Date limite").fill("01/10/2030 10:00")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect_refused(
        page,
        "champ-closes-at",
        "La date limite doit être postérieure à l'ouverture du dépôt.",
        count=1,
    )
    expect(page.get_by_label("Ouverture du dépôt")).to_have_value("10/10/2030 10:00")
    expect(page.get_by_label("Date limite")).to_have_value("01/10/2030 10:00")
    page.goto(piece_url)
    expect(page.get_by_label("Date limite")).to_have_value(deadline)  # unchanged
