"""Mes documents: the candidate's registrations, then the documents of one; nobody else's."""

from __future__ import annotations

from html import unescape

from tests.registrations.conftest import IDENTIFICATION, log_in, make_account, period_id
from tests.registrations.test_wizard import fill_certification, location


async def register(client, app) -> None:  # type: ignore[no-untyped-def]
    pid = await period_id(app.state.db, "CCPE1D", "versailles", "ACA")
    base = location(await client.submit(f"/inscriptions/nouvelle/{pid}")).rsplit("/", 1)[0]
    await fill_certification(client, base)
    assert location(await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"}))


async def test_empty_then_listed_then_documents(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    assert location(await client.get("/mes-documents")).startswith("/connexion")
    await log_in(client)
    empty = unescape((await client.get("/mes-documents")).text)
    assert "aucun document n'est mis à votre disposition" in empty
    await register(client, app)
    listing = unescape((await client.get("/mes-documents")).text)
    assert "AUTRES CERTIFICATIONS" in listing and "N° : 001" in listing
    assert "Né(e) le 01/01/2002" in listing and "N°Candidat:" in listing
    page = unescape((await client.get("/mes-documents/001")).text)
    assert "Liste des documents publiés pour la candidature n° " in page
    assert "Récapitulatif d'inscription</a> : Version n°1 mis à jour le " in page
    assert (await client.get("/mes-documents/002")).status_code == 404
    assert IDENTIFICATION["address1"] not in page  # the list, not the document


async def test_another_candidates_documents_are_404(
    client, app, candidate, clock, password_hash
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register(client, app)
    await client.submit("/deconnexion")
    await make_account(app.state.db, clock, password_hash, "autre@example.fr")
    await log_in(client, "autre@example.fr")
    assert (await client.get("/mes-documents/001")).status_code == 404
    assert "N° : 001" not in (await client.get("/mes-documents")).text
