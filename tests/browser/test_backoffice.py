"""The back office in Chromium: every page and state axe-clean with JavaScript on, the list,
a registration and its actions by plain forms with JavaScript off, and by keyboard only."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.accounts import passwords, tokens
from portal.accounts.fixtures import activated_account
from portal.accounts.models import Account, Role
from portal.db import Database
from portal.management.models import Manager, ManagerAcademy
from portal.settings import Settings
from tests.browser.helpers import assert_accessible, focused_text, tab_to, wait_for_htmx
from tests.browser.test_documents import register_with_documents
from tests.browser.test_registrations import create_candidate
from tests.conftest import TEST_SECRET
from tests.management.test_managers import NEW

pytestmark = pytest.mark.browser
PASSWORD = "Beuvry.Soleil62"  # the candidates' and managers' password in the browser tests


def _run(coroutine):  # type: ignore[no-untyped-def]
    # Playwright's sync API owns this thread's event loop: write from another thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def create_manager(live_server, email: str, academies=("versailles",), active=True) -> int:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({**live_server.env})
    password_hash = passwords.hash_password_sync(PASSWORD, settings)

    async def write() -> int:
        db = Database(settings.database_url)
        now = datetime.now(UTC)
        try:
            async with db.write() as session:
                account = Account(
                    email=email,
                    role=Role.MANAGER,
                    password_hash=password_hash,
                    password_changed_at=now,
                    activation_nonce="n" * 16,
                    activation_expires_at=now,
                    activated_at=now if active else None,
                    created_at=now,
                    updated_at=now,
                )
                session.add(account)
                await session.flush()
                session.add(Manager(account_id=account.id, created_at=now))
                for code in academies:
                    session.add(ManagerAcademy(account_id=account.id, academy_code=code))
                return account.id  # type: ignore[return-value]
        finally:
            await db.dispose()

    return _run(write())


def create_named_candidate(live_server, email: str, birth_name: str) -> str:  # type: ignore[no-untyped-def]
    """An activated candidate with a name of its own, so a search finds only them."""
    settings = Settings.from_env({**live_server.env})
    password_hash = passwords.hash_password_sync(PASSWORD, settings)

    async def write() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as session:
                session.add(
                    activated_account(
                        email, password_hash, datetime.now(UTC), birth_name=birth_name
                    )
                )
        finally:
            await db.dispose()

    _run(write())
    return email


def registration_id(live_server, email: str) -> int:  # type: ignore[no-untyped-def]
    from portal.registrations.models import Registration

    settings = Settings.from_env({**live_server.env})

    async def read() -> int:
        db = Database(settings.database_url)
        try:
            async with db.read() as session:
                return (
                    await session.exec(
                        select(Registration.id)
                        .join(Account, Account.id == Registration.account_id)
                        .where(Account.email == email)
                    )
                ).one()
        finally:
            await db.dispose()

    return _run(read())


def manager_log_in(page: Page, email: str) -> None:
    page.goto("/connexion")
    page.locator("#champ-email").fill(email)
    page.locator("#champ-password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1, name="Inscriptions")).to_be_visible()


def test_every_back_office_page_and_state_is_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "bo-axe@example.fr")
    register_with_documents(live_server, email)
    create_manager(live_server, "bo-axe.manager@ac-versailles.fr")
    manager_log_in(page, "bo-axe.manager@ac-versailles.fr")
    assert_accessible(page, "list")
    # htmx: the results are swapped in place, the address follows
    page.get_by_label("Rechercher un candidat").fill("TALU")
    page.get_by_role("button", name="Afficher").click()
    wait_for_htmx(page)
    expect(page).to_have_url(re.compile(r"/gestion\?.*q=TALU"))
    expect(page.locator("#management-results")).to_contain_text("TALU Jean")
    assert_accessible(page, "list, searched")
    page.goto("/gestion?du=31/02/2026")
    expect(page.get_by_role("heading", name="Le formulaire contient 1 erreur")).to_be_visible()
    assert_accessible(page, "list, bad date")
    page.goto("/gestion?q=personne")
    expect(page.get_by_text("Aucune inscription ne correspond à ces critères.")).to_be_visible()
    assert_accessible(page, "list, empty")
    number = registration_id(live_server, email)
    page.goto(f"/gestion/inscriptions/{number}")
    expect(page.get_by_role("heading", name="Documents publiés")).to_be_visible()
    assert_accessible(page, "registration")
    page.get_by_role("link", name="Corriger l'identité").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Corriger l'identité"))
    ).to_be_visible()
    assert_accessible(page, "identity form")
    page.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()
    assert_accessible(page, "identity form, errors")
    page.goto(f"/gestion/inscriptions/{number}/desinscrire")
    assert_accessible(page, "withdraw form")
    page.get_by_role("button", name="Désinscrire").click()
    expect(page.get_by_role("heading", name="Le formulaire contient 1 erreur")).to_be_visible()
    assert_accessible(page, "withdraw form, error")
    page.get_by_label("Motif de la désinscription").fill("Demande du candidat")
    page.get_by_role("button", name="Désinscrire").click()
    expect(page.get_by_text("L'inscription est désinscrite")).to_be_visible()
    expect(page.get_by_role("cell", name="Demande du candidat")).to_be_visible()
    assert_accessible(page, "registration, withdrawn, with its journal")


def welcome_path(live_server, account_id: int) -> str:  # type: ignore[no-untyped-def]
    """The path of the link a new manager is mailed to choose a password."""
    settings = Settings.from_env({**live_server.env})

    async def fingerprint() -> str:
        db = Database(settings.database_url)
        try:
            async with db.read() as session:
                account = await session.get(Account, account_id)
                return passwords.fingerprint(account.password_hash)  # type: ignore[union-attr]
        finally:
            await db.dispose()

    token = tokens.make(
        TEST_SECRET, tokens.MANAGER_WELCOME, datetime.now(UTC), a=account_id, f=_run(fingerprint())
    )
    return f"/gestion/bienvenue/{token}"


def test_welcome_page_is_accessible_and_works(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = "bo-welcome@ac-versailles.fr"
    welcome = welcome_path(live_server, create_manager(live_server, email, active=False))
    page.goto(welcome)
    assert_accessible(page, "welcome")
    page.locator("#champ-password").fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("court")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()
    assert_accessible(page, "welcome, errors")
    page.locator("#champ-password").fill(NEW)
    page.get_by_label("Confirmation du mot de passe").fill(NEW)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre mot de passe est enregistré.")).to_be_visible()
    page.locator("#champ-email").fill(email)
    page.locator("#champ-password").fill(NEW)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1, name="Inscriptions")).to_be_visible()
    page.goto(welcome)
    expect(page.get_by_role("heading", name="Lien non valable")).to_be_visible()
    assert_accessible(page, "welcome link used")


def test_back_office_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    email = create_candidate(live_server, "bo-nojs@example.fr")
    register_with_documents(live_server, email)
    create_manager(live_server, "bo-nojs.manager@ac-versailles.fr")
    manager_log_in(page, "bo-nojs.manager@ac-versailles.fr")
    page.get_by_label("Rechercher un candidat").fill("bo-nojs")  # no such name: nothing
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_text("Aucune inscription ne correspond à ces critères.")).to_be_visible()
    page.get_by_label("Rechercher un candidat").fill("TALU")
    page.get_by_label("Trier par").select_option("nom")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"q=TALU.*tri=nom"))
    number = registration_id(live_server, email)
    page.locator(f'a[href="/gestion/inscriptions/{number}"]').click()
    expect(page.get_by_role("heading", name="Récapitulatif (version 01)")).to_be_visible()
    page.get_by_role("link", name="Désinscrire").click()
    page.get_by_role("button", name="Désinscrire").click()
    expect(page.locator("#champ-reason-erreur")).to_contain_text("Indiquez le motif.")
    page.get_by_label("Motif de la désinscription").fill("Demande sans JavaScript")
    page.get_by_role("button", name="Désinscrire").click()
    expect(page.get_by_text("L'inscription est désinscrite")).to_be_visible()
    expect(page.get_by_text(re.compile("Désinscrite le"))).to_be_visible()


def test_back_office_by_keyboard_only(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "bo-keyboard@example.fr")
    register_with_documents(live_server, email)
    create_manager(live_server, "bo-keyboard.manager@ac-versailles.fr")
    manager_log_in(page, "bo-keyboard.manager@ac-versailles.fr")
    search = page.get_by_label("Rechercher un candidat")
    tab_to(page, search)
    page.keyboard.type("TALU")
    page.keyboard.press("Enter")
    wait_for_htmx(page)
    expect(page.locator("#management-results")).to_contain_text("TALU Jean")
    number = registration_id(live_server, email)
    link = page.locator(f'a[href="/gestion/inscriptions/{number}"]').first
    tab_to(page, link, max_tabs=120)
    assert "TALU" in focused_text(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Récapitulatif (version 01)")).to_be_visible()
    identity = page.get_by_role("link", name="Corriger l'identité")
    tab_to(page, identity)
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Corriger l'identité"))
    ).to_be_visible()


def _publish(page: Page, day: str) -> None:
    page.get_by_label("Convocation aux épreuves").check()
    page.get_by_label("Date de l'épreuve, ou date limite de dépôt").fill(day)
    page.get_by_label("Heure").fill("14:00")
    page.get_by_label("Epreuve").fill("020 - EPREUVE 2")
    page.get_by_label("Lieu").fill("Lycée Hoche\n78000 VERSAILLES")
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("heading", name="Aperçu : Convocation aux épreuves")).to_be_visible()


def test_publishing_with_preview_and_count(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "bo-publish@example.fr")
    register_with_documents(live_server, email)
    create_manager(live_server, "bo-publish.manager@ac-versailles.fr")
    manager_log_in(page, "bo-publish.manager@ac-versailles.fr")
    page.goto(f"/gestion/inscriptions/{registration_id(live_server, email)}")
    page.get_by_role("link", name="Publier un document").click()
    expect(page.locator("#publish-count")).to_contain_text("1 inscription")
    assert_accessible(page, "publish form")
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()
    assert_accessible(page, "publish form, errors")
    day = f"{datetime.now(UTC) + timedelta(days=40):%d/%m/%Y}"
    _publish(page, day)
    assert_accessible(page, "publish preview")
    page.get_by_role("button", name="Publier pour 1 inscription").click()
    expect(page.get_by_text("Convocation aux épreuves publiée pour 1 inscription")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Convocation aux épreuves : version n°2 publiée"))
    ).to_be_visible()


def test_publishing_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    email = create_named_candidate(live_server, "bo-publish-nojs@example.fr", "SANSJAVASCRIPT")
    register_with_documents(live_server, email)
    create_manager(live_server, "bo-publish-nojs.manager@ac-versailles.fr")
    manager_log_in(page, "bo-publish-nojs.manager@ac-versailles.fr")
    page.get_by_label("Rechercher un candidat").fill("SANSJAVASCRIPT")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_role("link", name=re.compile("Publier un document pour les inscriptions")).click()
    expect(page.locator("#publish-count")).to_contain_text("1 inscription")
    _publish(page, f"{datetime.now(UTC) + timedelta(days=40):%d/%m/%Y}")
    page.get_by_role("button", name="Publier pour 1 inscription").click()
    expect(page.get_by_text("Convocation aux épreuves publiée pour 1 inscription")).to_be_visible()


def test_catalog_pages_are_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    create_manager(live_server, "bo-catalog@education.gouv.fr", academies=())
    _run(_make_national(live_server, "bo-catalog@education.gouv.fr"))
    manager_log_in(page, "bo-catalog@education.gouv.fr")
    page.get_by_role("link", name="Périodes d'inscription").click()
    expect(page.get_by_role("heading", level=1, name="Périodes d'inscription")).to_be_visible()
    assert_accessible(page, "periods")
    page.get_by_role("button", name="Enregistrer la période").click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()
    assert_accessible(page, "periods, errors")
    page.get_by_label("Fichier CSV à importer").set_input_files(
        files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": b"examen;mauvaise\r\nBIA;x\r\n"}]
    )
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_text(re.compile("colonne inattendue"))).to_be_visible()
    assert_accessible(page, "periods, import refused")
    page.locator("table a").first.click()
    expect(
        page.get_by_role("heading", level=1, name="Modifier une période d'inscription")
    ).to_be_visible()
    assert_accessible(page, "period")
    page.get_by_label("Fermeture").fill("01/01/2000 10:00")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Le formulaire contient"))).to_be_visible()
    assert_accessible(page, "period, errors")
    page.goto("/gestion/annonces")
    assert_accessible(page, "announcements")
    page.get_by_label("Message").fill("Annonce de test du navigateur")
    page.get_by_label("Affichée à partir du").fill("01/01/2026 10:00")
    page.get_by_label("Jusqu'au").fill("01/01/2027 10:00")
    page.get_by_role("button", name="Enregistrer l'annonce").click()
    expect(page.get_by_text("L'annonce est enregistrée.")).to_be_visible()
    assert_accessible(page, "announcements, one")
    page.get_by_role("button", name="Supprimer l'annonce du 01/01/2026 10:00").click()  # its own
    expect(page.get_by_text("L'annonce est supprimée.")).to_be_visible()
    page.get_by_role("link", name="Services gestionnaires").click()
    expect(page.get_by_role("heading", level=1, name="Services gestionnaires")).to_be_visible()
    assert_accessible(page, "offices")
    page.locator("table a").first.click()
    expect(
        page.get_by_role("heading", level=1, name="Modifier un service gestionnaire")
    ).to_be_visible()
    assert_accessible(page, "office")
    page.get_by_label("Adresse mail").fill("pas-une-adresse")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("heading", name="Le formulaire contient 1 erreur")).to_be_visible()
    assert_accessible(page, "office, error")


async def _make_national(live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({**live_server.env})
    db = Database(settings.database_url)
    try:
        async with db.write() as session:
            account = (await session.exec(select(Account).where(Account.email == email))).one()
            manager = await session.get(Manager, account.id)
            manager.all_academies = True  # type: ignore[union-attr]
    finally:
        await db.dispose()
