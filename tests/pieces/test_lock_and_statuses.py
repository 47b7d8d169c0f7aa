""" "J'ai fourni toutes mes pièces" (refused while a required piece is missing, then locking),
the upload that races it, the manager's statuses through the service layer and the re-upload
loop, the badges' polling, and the deposit window at its exact boundaries in Paris time."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from html import unescape

from portal.dates import paris
from portal.pieces import service, views
from portal.pieces.jobs import check_files
from portal.pieces.models import PieceStatus, RegistrationPiece
from portal.pieces.storage import Storage
from tests.pieces.helpers import (
    log_in,
    pdf_bytes,
    piece,
    register_certification,
    registration_row,
    send,
    uploads,
)
from tests.registrations.conftest import location


async def _standing(db, piece_id: int) -> RegistrationPiece:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    async with db.read() as session:
        return (
            await session.exec(
                select(RegistrationPiece).where(RegistrationPiece.piece_id == piece_id)
            )
        ).one()


async def test_lock_refused_while_missing_then_locks_the_group(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await log_in(client)
    await register_certification(client, app)
    rapport, arrete = await piece(db, "RAPPORT"), await piece(db, "ARRETE")
    refused = unescape(
        (await client.submit(f"/mes-justificatifs/001/{rapport.id}/tout-fourni")).text
    )
    assert (
        "Il manque des pièces : « Rapport d'activité », « Dernier arrêté de promotion d'échelon »."
        in refused
    )
    await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    await send(client, "001", arrete.id, [("a.pdf", pdf_bytes(), "application/pdf")])
    # with htmx the whole group swaps
    response = await client.post(
        f"/mes-justificatifs/001/{rapport.id}/tout-fourni",
        headers={"HX-Request": "true", "x-csrftoken": client.csrf_token()},
    )
    group = unescape(response.text)
    assert group.lstrip().startswith(f'<section class="piece-group" id="groupe-{rapport.id}"')
    assert "Vous avez indiqué avoir fourni toutes les pièces de ce regroupement" in group
    assert "Supprimer" not in group and 'type="file"' not in group and "validé le " in group
    assert (await _standing(db, rapport.id)).validated_at is not None
    # locked: no upload, no delete
    again = unescape(
        (await send(client, "001", arrete.id, [("b.pdf", pdf_bytes(), "application/pdf")])).text
    )
    assert views.LOCKED_MESSAGE in again
    first = (await uploads(db))[0]
    delete = unescape(
        (await client.submit(f"/mes-justificatifs/001/fichiers/{first.id}/supprimer")).text
    )
    assert views.LOCKED_MESSAGE in delete
    assert all(u.deleted_at is None for u in await uploads(db)) and len(await uploads(db)) == 2


async def test_an_upload_racing_the_lock_is_in_before_it_or_refused(
    client, app, candidate, settings
) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await log_in(client)
    await register_certification(client, app)
    rapport, arrete = await piece(db, "RAPPORT"), await piece(db, "ARRETE")
    await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    await send(client, "001", arrete.id, [("a.pdf", pdf_bytes(), "application/pdf")])
    token = client.csrf_token()
    lock = client.post(
        f"/mes-justificatifs/001/{rapport.id}/tout-fourni", headers={"x-csrftoken": token}
    )
    racer = send(client, "001", arrete.id, [("late.pdf", pdf_bytes(3), "application/pdf")])
    locked, raced = await asyncio.gather(lock, racer)
    assert location(locked)
    validated_at = (await _standing(db, arrete.id)).validated_at
    assert validated_at is not None
    late = [u for u in await uploads(db) if u.file_name == "late.pdf"]
    if late:  # in before the lock
        assert location(raced) and late[0].uploaded_at <= validated_at
    else:  # refused by it, nothing kept
        assert views.LOCKED_MESSAGE in unescape(raced.text)
    assert await check_files(db, settings) == []
    assert not list(Storage.under(settings.data_dir).tmp.glob("*"))


async def test_statuses_and_the_reupload_loop(client, app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await log_in(client)
    await register_certification(client, app)
    rapport, arrete = await piece(db, "RAPPORT"), await piece(db, "ARRETE")
    await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    page = unescape((await client.get("/mes-justificatifs")).text)
    assert "aucun, pièce pas encore contrôlée" in page
    row_url = f"/mes-justificatifs/001/{rapport.id}"
    assert f'data-hx-get="{row_url}"' not in page  # nothing can change without the candidate
    await send(client, "001", arrete.id, [("a.pdf", pdf_bytes(), "application/pdf")])
    await client.submit(f"/mes-justificatifs/001/{rapport.id}/tout-fourni")
    page = unescape((await client.get("/mes-justificatifs")).text)
    assert f'data-hx-get="{row_url}" data-hx-trigger="every 30s"' in page  # polls now
    registration = await registration_row(db)

    async def status(value, **kwargs):  # type: ignore[no-untyped-def]
        async with db.write() as session:
            await service.set_status(
                session, registration, rapport.id, value, now=clock(), **kwargs
            )
        return unescape((await client.get(row_url, headers={"HX-Request": "true"})).text)

    row = await status(PieceStatus.received, received_on=date(2019, 9, 23))
    assert "Reçue</strong>" in row and "Date de réception : 23/09/2019" in row
    row = await status(PieceStatus.non_compliant, comment="Pièce illisible")
    assert "Non conforme</strong>" in row and "Information du gestionnaire : Pièce illisible" in row
    assert "data-hx-trigger" not in row  # reopened: the candidate acts now
    page = unescape((await client.get("/mes-justificatifs")).text)
    assert "J'ai fourni toutes mes pièces" in page
    [first] = [u for u in await uploads(db) if u.file_name == "r.pdf"]
    await client.submit(f"/mes-justificatifs/001/fichiers/{first.id}/supprimer")
    assert location(
        await send(client, "001", rapport.id, [("r2.pdf", pdf_bytes(), "application/pdf")])
    )
    standing = await _standing(db, rapport.id)
    assert standing.status is None and standing.validated_at is None
    assert (await _standing(db, arrete.id)).validated_at is not None  # the other stays locked
    assert location(await client.submit(f"/mes-justificatifs/001/{rapport.id}/tout-fourni"))
    assert (await _standing(db, rapport.id)).validated_at is not None
    row = await status(PieceStatus.compliant)
    assert "Conforme</strong>" in row and "data-hx-trigger" not in row  # polling stops
    assert len(await uploads(db)) == 3  # every version kept


async def test_deposit_window_at_its_exact_boundaries(client, app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(db, "RAPPORT")
    # closes_at is 23:59 Paris time: still open at 23:59:59, closed at 00:00:00
    assert paris(rapport.closes_at, "HH:mm") == "23:59"
    clock.now = rapport.closes_at + timedelta(seconds=59)
    assert views.deposit_window_state(rapport, clock.now) == "open"
    await log_in(client)  # weeks later: a new session
    assert location(
        await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    )
    [row] = await uploads(db)
    await client.submit(f"/mes-justificatifs/001/fichiers/{row.id}/supprimer")
    clock.now = rapport.closes_at + timedelta(seconds=60)
    page = unescape(
        (await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])).text
    )
    assert (
        "Le dépôt de cette pièce est fermé depuis le " in page and "23:59 (heure de Paris)" in page
    )
    # the opening: refused one second before, accepted at the instant
    assert rapport.opens_at is not None
    assert views.deposit_window_state(rapport, rapport.opens_at - timedelta(seconds=1)) == "before"
    assert views.deposit_window_state(rapport, rapport.opens_at) == "open"
    clock.now = rapport.opens_at - timedelta(seconds=1)
    await log_in(client)
    early = unescape(
        (await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])).text
    )
    assert "n'est pas encore ouvert : il ouvre le " in early
    clock.now = rapport.opens_at
    assert location(
        await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    )
