"""Mes documents, the PDFs and their HTML twins: for their owner only, never cached."""

from __future__ import annotations

import re
from html import unescape

from tests.documents.helpers import (
    modify_address,
    pdf_text,
    publish_current,
    register_bia,
    register_certification,
    twin_text,
    words,
)
from tests.registrations.conftest import IDENTIFICATION, log_in, make_account
from tests.registrations.test_wizard import start, submit_as_shown

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


# -- Visualiser/imprimer: the PDF, with its HTML twin beside it ------------------------------------
_ANCHOR = re.compile(r'<a\b[^>]*\bhref="([^"]+)"[^>]*>(.*?)</a>', re.S)


def pdf_links_with_twins(html: str) -> list[tuple[str, str]]:
    """Every link to a PDF on the page, each with the link that follows it, which must be its
    HTML twin ("version accessible"). A PDF link followed by anything else fails."""
    anchors = [
        (unescape(href), re.sub(r"<[^>]+>", "", text)) for href, text in _ANCHOR.findall(html)
    ]
    pairs = []
    for index, (href, _text) in enumerate(anchors):
        if href.endswith("/pdf"):
            assert index + 1 < len(anchors), f"{href}: no link after it"
            twin_href, twin_text = anchors[index + 1]
            assert "version accessible" in twin_text, (href, twin_href, twin_text)
            assert not twin_href.endswith("/pdf")
            pairs.append((href, twin_href))
    return pairs


async def check_pairs(client, html: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    pairs = pdf_links_with_twins(html)
    assert pairs
    for pdf_href, twin_href in pairs:
        pdf = await client.get(pdf_href)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf_href
        twin = await client.get(twin_href)
        assert twin.status_code == 200 and "text/html" in twin.headers["content-type"], twin_href
    return pairs


async def test_recap_tab_visualise_opens_the_unsaved_pdf(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    await submit_as_shown(client, base, "qualification")
    await submit_as_shown(client, base, "epreuves")
    recap = (await client.get(f"{base}/recapitulatif")).text
    pairs = await check_pairs(client, recap)
    assert [pdf for pdf, _twin in pairs] == [f"{base}/apercu/pdf"]
    assert pairs[0][1] == f"{base}/apercu"  # the print page stays, as the twin
    text = pdf_text((await client.get(pairs[0][0])).content)
    assert "Document non enregistré" in text and "Rue de la pluie" in text
    assert "Code de vérification" not in text and "Version n°" not in text
    # Every tab has the same buttons, so the same pair.
    assert pdf_links_with_twins((await client.get(f"{base}/identification")).text) == pairs


async def test_number_and_consultation_open_the_current_pdf(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    await modify_address(client, "001", "2 rue du Soleil")
    for page_url in ("/mes-inscriptions/001/numero", "/mes-inscriptions/001"):
        page = unescape((await client.get(page_url)).text)
        pairs = await check_pairs(client, page)
        assert {pdf for pdf, _twin in pairs} == {"/mes-inscriptions/001/pdf"}, page_url
        assert {twin for _pdf, twin in pairs} == {"/mes-inscriptions/001/imprimer"}, page_url
        assert "à retourner signée" not in page  # G02: a récapitulatif, nothing to return
    text = pdf_text((await client.get("/mes-inscriptions/001/pdf")).content)
    assert "Version n°2 mis à jour le" in text and "2 rue du Soleil" in text
    assert "Rue de la pluie" not in text
    listing = (await client.get("/mes-documents/001")).text
    assert [pdf for pdf, _twin in await check_pairs(client, listing)] == [
        "/mes-documents/001/recapitulatif/pdf"
    ]


async def test_g01_number_page_says_when_to_return_the_confirmation(
    client, app, candidate, clock
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_bia(client, app)
    pdf = pdf_text((await client.get("/mes-inscriptions/001/pdf")).content)
    found = re.search(r"avant le (\d\d/\d\d/\d{4})", pdf)
    assert found and "Confirmation d'inscription" in pdf
    for page_url in ("/mes-inscriptions/001/numero", "/mes-inscriptions/001"):
        page = unescape((await client.get(page_url)).text)
        assert (
            "Votre confirmation d'inscription est à retourner signée au service gestionnaire "
            f"des examens avant le {found.group(1)}." in page
        ), page_url
        await check_pairs(client, page)
