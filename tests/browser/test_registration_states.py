"""The registration pages in their other states — a draft in progress, a registration whose
period has closed, the unsaved preview, the account locked by a registration — axe-clean with
JavaScript on, and reached by links alone with JavaScript off."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import OpeningPeriod, Qualification, Specialty
from portal.catalog.service import get_period
from portal.composition import ON_REGISTRATION_SAVED
from portal.db import Database
from portal.registrations import drafts, saving, summary
from portal.registrations.wizard import Entry, load_wizard
from portal.settings import Settings
from tests.browser.helpers import assert_accessible
from tests.browser.test_registrations import create_candidate, log_in

pytestmark = pytest.mark.browser


def register_on_closed_period(live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    """A saved BIA registration in Rennes, whose demo period closed before today."""
    settings = Settings.from_env({**live_server.env})

    async def write() -> None:
        db = Database(settings.database_url)
        now = datetime.now(UTC)
        try:
            async with db.read() as session:
                account = (await session.exec(select(Account).where(Account.email == email))).one()
                period = (
                    await session.exec(
                        select(OpeningPeriod)
                        .join(Specialty, Specialty.id == OpeningPeriod.specialty_id)
                        .join(Qualification, Qualification.id == Specialty.qualification_id)
                        .where(Qualification.code == "BIA", OpeningPeriod.academy_code == "rennes")
                    )
                ).one()
            assert not period.is_open(now)
            draft = await drafts.open_new_draft(db, account.id, period, now)
            clean = {
                "identification": {
                    "address_country": "100",
                    "address1": "Rue de Brest",
                    "postal_code": "35000",
                    "locality": "RENNES",
                    "nationality": "100",
                    "phone": "",
                },
                "qualification": {},
                "papers": {"optional": [], "choice": {}},
            }
            async with db.read() as session:
                view = await get_period(session, period.id)
                assert view is not None
                wizard = await load_wizard(
                    session,
                    account=account,
                    entry=Entry(view.id, view.domain_code, view.academy.code),
                    data={"clean": clean, "raw": {}},
                    now=now,
                )
            assert wizard is not None
            await saving.save(
                db,
                draft,
                period_id=period.id,
                record=wizard.record(),
                summary=summary.build(wizard),
                now=now,
                on_saved=ON_REGISTRATION_SAVED,
            )
        finally:
            await db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, write()).result()


def begin_a_draft(page: Page) -> str:
    """Start the guide's certification from M'inscrire and leave it with Quitter."""
    page.goto("/m-inscrire?domaine=G02&qualification=CCPE1D&specialite=ACA")
    page.get_by_label("Académie").select_option("versailles")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    page.get_by_label("Adresse 1").fill("Rue de la pluie")
    url = page.url
    page.get_by_role("button", name="Quitter").click()
    expect(page.get_by_role("heading", level=1, name="Mes inscriptions")).to_be_visible()
    return url.rsplit("/", 1)[0]


def test_other_states_are_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "states-js@example.fr")
    register_on_closed_period(live_server, email)
    log_in(page, email)
    draft = begin_a_draft(page)
    expect(page.get_by_text("Votre saisie est conservée")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Reprendre mon inscription"))).to_be_visible()
    expect(page.get_by_text("consultation seulement")).to_be_visible()
    assert_accessible(page, "Mes inscriptions: brouillon et candidature close")

    page.get_by_role("link", name="BREVET D'INITIATION AERONAUTIQUE : SANS SPECIALITE").click()
    expect(page.get_by_text("n'est plus modifiable")).to_be_visible()
    expect(page.get_by_role("link", name="Modifier", exact=True)).to_have_count(0)
    assert_accessible(page, "récapitulatif d'une candidature close")

    page.goto(f"{draft}/apercu")
    expect(
        page.get_by_text("Aperçu : cette candidature n'est pas encore enregistrée.")
    ).to_be_visible()
    assert_accessible(page, "aperçu non enregistré")

    page.goto("/compte/modifier")
    expect(
        page.get_by_text(re.compile("ne sont pas modifiables car vous avez au moins une"))
    ).to_be_visible()
    assert_accessible(page, "Modifier mon compte, verrouillé")


def test_registration_pages_by_links_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    email = create_candidate(live_server, "states-nojs@example.fr")
    register_on_closed_period(live_server, email)
    log_in(page, email)
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Mes inscriptions").click()
    page.get_by_role("link", name="BREVET D'INITIATION AERONAUTIQUE : SANS SPECIALITE").click()
    expect(
        page.get_by_role("heading", level=2, name="Récapitulatif (consultation)")
    ).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("Rue de Brest")
    pdf = page.get_by_role("link", name="Visualiser/imprimer (PDF)")
    assert pdf.get_attribute("href").endswith("/pdf")  # type: ignore[union-attr]
    page.get_by_role("link", name="version accessible du document (page web)").click()
    expect(page.get_by_role("heading", level=1, name="Confirmation d'inscription")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Se désinscrire").click()
    expect(
        page.get_by_text("vous ne pouvez pas vous désinscrire par vos propres moyens")
    ).to_be_visible()
    menu.get_by_role("link", name="Mes documents").click()
    page.get_by_role("link", name="BREVET D'INITIATION AERONAUTIQUE : SANS SPECIALITE").click()
    page.get_by_role("link", name="version accessible : Confirmation d'inscription").click()
    expect(page.get_by_role("heading", level=1, name="Confirmation d'inscription")).to_be_visible()
    menu.get_by_role("link", name="Mes justificatifs").click()
    expect(
        page.get_by_text("Aucune pièce justificative n'est demandée pour le moment")
    ).to_be_visible()
