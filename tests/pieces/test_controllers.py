"""Mes justificatifs: until a manager asks for pieces, the page says none is asked, per
registration; it is never a dead end from the menu."""

from __future__ import annotations

from html import unescape

from tests.documents.test_controllers import register
from tests.registrations.conftest import location, log_in


async def test_no_piece_asked_yet(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    assert location(await client.get("/mes-justificatifs")).startswith("/connexion")
    await log_in(client)
    empty = unescape((await client.get("/mes-justificatifs")).text)
    assert "aucune pièce justificative ne vous est demandée" in empty
    await register(client, app)
    page = unescape((await client.get("/mes-justificatifs")).text)
    assert "N° : 001" in page
    assert "Aucune pièce justificative n'est demandée pour le moment" in page
    assert "heure de Paris" in page
