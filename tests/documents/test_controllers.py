"""Mes documents, the PDFs and their HTML twins: for their owner only, never cached."""

from __future__ import annotations

from html import unescape

from tests.documents.helpers import (
    pdf_text,
    publish_current,
    register_bia,
    register_certification,
    twin_text,
    words,
)
from tests.registrations.conftest import IDENTIFICATION, log_in, make_account
from tests.registrations.test_wizard import start

register = register_certification  # tests/attachments registers through this name


async def test_empty_then_listed_then_documents(client, app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    assert (await client.get("/mes-documents")).headers["location"].startswith("/connexion")
    await log_in(client)
    empty = unescape((await client.get("/mes-documents")).text)
    assert "aucun document n'est mis à votre disposition" in empty
    await register_certification(client, app)
    listing = unescape((await client.get("/mes-documents")).text)
    assert "AUTRES CERTIFICATIONS" in listing and "N° : 001" in listing
    assert "Né(e) le 01/01/2002" in listing and "N°Candidat:" in listing
    assert 'href="/mes-documents/001"' in listing
    # "Enregistrer" published the récapitulatif in its own transaction.
    page = unescape((await client.get("/mes-documents/001")).text)
    assert "Liste des documents publiés pour la candidature n° " in page
    assert "Récapitulatif d'inscription<span" in page
    assert " : Version n°1 mis à jour le " in page
    assert 'href="/mes-documents/001/recapitulatif/pdf"' in page
    assert 'href="/mes-documents/001/recapitulatif"' in page  # the HTML twin, beside it
    assert (await client.get("/mes-documents/002")).status_code == 404
    assert IDENTIFICATION["address1"] not in page  # the list, not the document


async def test_pdf_download_headers_and_twin(client, app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    await publish_current(app.state.db, clock())
    response = await client.get("/mes-documents/001/recapitulatif/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    name = disposition.split("filename=")[1].strip('"')
    assert name.startswith("recapitulatif-") and name.endswith("-001-v1.pdf")
    assert all(c.isalnum() or c in "-." for c in name)
    text = pdf_text(response.content)
    assert "Rue de la pluie" in text and "Version n°1 mis à jour le" in text
    twin = await client.get("/mes-documents/001/recapitulatif")
    assert twin.status_code == 200 and twin.headers["cache-control"] == "no-store"
    assert 'href="/mes-documents/001/recapitulatif/pdf"' in twin.text
    # The same facts in both: every word of the twin is in the PDF, and the PDF adds only its
    # running footer (title, numbers, page x / y).
    pdf_words, twin_words = words(text), words(twin_text(twin.text))
    assert twin_words <= pdf_words, twin_words - pdf_words
    assert pdf_words - twin_words <= {"page", "/", "-", "1", "2", "3", "N°", "version"}
    visualise = await client.get("/mes-inscriptions/001/pdf")
    assert visualise.headers["content-disposition"].startswith("inline; filename=")
    assert pdf_text(visualise.content) == text
    assert (await client.get("/mes-documents/001/convocation")).status_code == 404
    assert (await client.get("/mes-documents/001/autre")).status_code == 404


async def test_another_candidates_documents_are_404(
    client, app, candidate, clock, password_hash
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    await publish_current(app.state.db, clock())
    draft = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    assert (await client.get(f"{draft}/apercu/pdf")).status_code == 200
    await client.submit("/deconnexion")
    await make_account(app.state.db, clock, password_hash, "autre@example.fr")
    await log_in(client, "autre@example.fr")
    for url in (
        "/mes-documents/001",
        "/mes-documents/001/recapitulatif",
        "/mes-documents/001/recapitulatif/pdf",
        "/mes-inscriptions/001/pdf",
        f"{draft}/apercu/pdf",
    ):
        assert (await client.get(url)).status_code == 404, url
    assert "N° : 001" not in (await client.get("/mes-documents")).text


async def test_draft_pdf_is_marked_unsaved(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    response = await client.get(f"{base}/apercu/pdf")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    text = pdf_text(response.content)
    assert "Document non enregistré" in text and "Confirmation d'inscription" in text
    assert "Code de vérification" not in text and "Version n°" not in text
    assert "Rue de la pluie" in text


async def test_g01_confirmation_is_served_as_confirmation(client, app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_bia(client, app)
    await publish_current(app.state.db, clock())
    page = unescape((await client.get("/mes-documents/001")).text)
    assert "Confirmation d'inscription<span" in page
    twin = unescape((await client.get("/mes-documents/001/confirmation")).text)
    assert "Document à retourner signé au service gestionnaire avant le " in twin
    assert (await client.get("/mes-documents/001/recapitulatif")).status_code == 404
