"""The pieces in "Mes données", and erasing an account's pieces: the rows in the erasing
transaction, the files by the job once no row names them and they are an hour old."""

from __future__ import annotations

import json
import os
from datetime import timedelta

from sqlmodel import select

from portal.accounts.models import Account
from portal.accounts.records import erase
from portal.composition import ACCOUNT_HOOKS
from portal.pieces import jobs
from portal.pieces.models import RegistrationPiece
from portal.pieces.storage import Storage
from tests.pieces.helpers import log_in, pdf_bytes, piece, register_certification, send, uploads


async def test_export_then_erase(client, app, candidate, settings, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(db, "RAPPORT")
    await send(client, "001", rapport.id, [("rapport.pdf", pdf_bytes(), "application/pdf")])
    data = json.loads((await client.get("/compte/mes-donnees")).content)
    [item] = data["pieces_justificatives"]
    assert item["inscription"] == "001" and item["fichier"] == "rapport.pdf"
    assert item["piece"] == "Rapport d'activité" and item["supprime_le"] is None
    [row] = await uploads(db)
    path = Storage.under(settings.data_dir).path_of(row.storage_name)
    async with db.write() as session:
        account = await session.get(Account, candidate)
        await erase(session, [account], ACCOUNT_HOOKS)
    assert await uploads(db) == []
    async with db.read() as session:
        assert (await session.exec(select(RegistrationPiece))).all() == []
    assert await jobs.check_files(db, settings) != []  # the file waits for the job
    assert await jobs.remove_orphan_files(db, settings, clock()) == 0  # too young yet
    old = (clock() - timedelta(hours=2)).timestamp()
    os.utime(path, (old, old))
    assert await jobs.remove_orphan_files(db, settings, clock()) == 1
    assert not path.exists() and await jobs.check_files(db, settings) == []
