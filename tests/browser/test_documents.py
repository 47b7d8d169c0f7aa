"""Mes documents, the HTML twins and /verifier: axe-clean with JavaScript on, reached by links
and plain forms with JavaScript off."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import OpeningPeriod, Qualification, Specialty
from portal.db import Database
from portal.documents import codes as document_codes
from portal.documents import service as documents
from portal.settings import Settings
from tests._support.registrations import save_registration
from tests.browser.helpers import assert_accessible
from tests.browser.test_registrations import (
    choose_period,
    choose_period_nojs,
    create_candidate,
    log_in,
)
from tests.documents.helpers import pdf_text
from tests.documents.test_controllers import pdf_links_with_twins

pytestmark = pytest.mark.browser
KINDS = ("confirmation", "demande-pieces", "convocation")


def register_with_documents(live_server, email: str) -> str:  # type: ignore[no-untyped-def]
    """A saved G01 registration (BIA, Versailles) with its confirmation, a request for pieces
    and a convocation published; returns the confirmation's verification code."""
    settings = Settings.from_env({**live_server.env})

    async def write() -> str:
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
                        .where(
                            Qualification.code == "BIA", OpeningPeriod.academy_code == "versailles"
                        )
                    )
                ).one()
            clean = {
                "identification": {
                    "address_country": "100",
                    "address1": "Rue de la pluie",
                    "postal_code": "78270",
                    "locality": "BLARU",
                    "nationality": "100",
                    "phone": "",
                },
                "qualification": {},
                "papers": {"optional": [], "choice": {}},
            }
            registration = await save_registration(db, account.id, period, clean, now)
            summary = registration.summary
            async with db.write() as session:
                confirmation = await documents.publish_summary(
                    session, registration=registration, summary=summary, now=now
                )
                await documents.publish_pieces_request(
                    session,
                    registration=registration,
                    now=now,
                    requirements=[
                        {
                            "label": "Copie d'une pièce d'identité",
                            "mode": "online",
                            "deadline": now + timedelta(days=10),
                        }
                    ],
                )
                await documents.publish_convocation(
                    session,
                    registration=registration,
                    now=now,
                    sittings=[
                        {
                            "paper": "010 - EPREUVE 1",
                            "starts_at": now + timedelta(days=60),
                            "place": "Lycée Hoche\n78000 VERSAILLES",
                        }
                    ],
                )
                return confirmation.verification_code
        finally:
            await db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, write()).result()


def test_documents_pages_are_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "documents-axe@example.fr")
    code = register_with_documents(live_server, email)
    log_in(page, email)
    page.goto("/mes-documents")
    expect(page.get_by_role("heading", level=1, name="Mes documents")).to_be_visible()
    assert_accessible(page, "Mes documents")
    page.get_by_role("link", name="BREVET D'INITIATION AERONAUTIQUE", exact=False).click()
    expect(page.get_by_text("Liste des documents publiés pour la candidature n°")).to_be_visible()
    assert_accessible(page, "Mes documents : liste")
    for kind in KINDS:
        page.goto(f"/mes-documents/001/{kind}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_text("Code de vérification")).to_be_visible()
        assert_accessible(page, f"HTML twin {kind}")
    page.goto("/verifier")
    assert_accessible(page, "/verifier")
    page.get_by_label("Code de vérification").fill(document_codes.grouped(code))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", name="Ce document est authentique")).to_be_visible()
    assert_accessible(page, "/verifier result")


def test_documents_work_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    email = create_candidate(live_server, "documents-nojs@example.fr")
    code = register_with_documents(live_server, email)
    log_in(page, email)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes documents"
    ).click()
    page.get_by_role("link", name="BREVET D'INITIATION AERONAUTIQUE", exact=False).click()
    page.get_by_role("link", name="version accessible : Confirmation d'inscription").click()
    expect(page.get_by_role("heading", level=1, name="Confirmation d'inscription")).to_be_visible()
    expect(page.get_by_text("Document à retourner signé au service gestionnaire")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger ce document en PDF").click()
    assert download.value.suggested_filename.startswith("confirmation-")
    page.goto("/verifier")
    page.get_by_label("Code de vérification").fill(code.lower())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("heading", name="Ce document est authentique")).to_be_visible()
    expect(page.get_by_text("C'est la version en vigueur de ce document.")).to_be_visible()


def pdf_and_twin_pairs(page: Page) -> list[tuple[str, str]]:
    """Each PDF link of the page with the link just after it, its "version accessible"."""
    return pdf_links_with_twins(page.content())


def check_visualise(page: Page, pdf: str, twin: str) -> str:
    pairs = pdf_and_twin_pairs(page)
    assert (pdf, twin) in pairs, pairs
    expect(
        page.get_by_role("link", name="Visualiser/imprimer (PDF", exact=False).first
    ).to_be_visible()
    expect(page.get_by_role("link", name="version accessible", exact=False).first).to_be_visible()
    response = page.request.get(pdf)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert page.request.get(twin).status == 200
    return pdf_text(response.body())


def test_visualise_opens_the_pdf_with_its_twin_beside(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "documents-visualise@example.fr")
    register_with_documents(live_server, email)
    log_in(page, email)
    for url, what in (
        ("/mes-inscriptions/001/numero", "6 - N° Inscription"),
        ("/mes-inscriptions/001", "Récapitulatif en consultation"),
    ):
        page.goto(url)
        expect(
            page.get_by_text("Votre confirmation d'inscription est à retourner signée")
        ).to_be_visible()
        text = check_visualise(page, "/mes-inscriptions/001/pdf", "/mes-inscriptions/001/imprimer")
        assert "Confirmation d'inscription" in text and "Version n°1 mis à jour le" in text
        assert_accessible(page, what)
    page.goto("/mes-documents/001")  # Mes documents: each document's PDF, then its twin
    pairs = pdf_and_twin_pairs(page)
    assert pairs == [(f"/mes-documents/001/{k}/pdf", f"/mes-documents/001/{k}") for k in KINDS]
    choose_period(page)  # a new draft: the same buttons on every tab, the Récapitulatif's too
    draft = page.url.rsplit("/", 1)[0].split(live_server.url, 1)[-1]
    text = check_visualise(page, f"{draft}/apercu/pdf", f"{draft}/apercu")
    assert "Document non enregistré" in text and "Code de vérification" not in text
    assert_accessible(page, "1 - Identification")


def test_visualise_links_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    email = create_candidate(live_server, "documents-visualise-nojs@example.fr")
    register_with_documents(live_server, email)
    log_in(page, email)
    page.goto("/mes-inscriptions/001")
    check_visualise(page, "/mes-inscriptions/001/pdf", "/mes-inscriptions/001/imprimer")
    page.get_by_role("link", name="version accessible du document (page web)").click()
    expect(page).to_have_url(re.compile(r"/mes-inscriptions/001/imprimer$"))
    page.goto("/mes-inscriptions/001/numero")
    check_visualise(page, "/mes-inscriptions/001/pdf", "/mes-inscriptions/001/imprimer")
    choose_period_nojs(page)
    draft = page.url.rsplit("/", 1)[0].split(live_server.url, 1)[-1]
    text = check_visualise(page, f"{draft}/apercu/pdf", f"{draft}/apercu")
    assert "Document non enregistré" in text
