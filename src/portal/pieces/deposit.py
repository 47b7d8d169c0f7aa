"""One deposit, from the temporary files received to the kept file and its row.

Order: clamd scans what arrived (an infected file is refused, nothing kept; clamd unreachable:
the file waits as "analyse en cours"); the content is checked and images re-encoded off the
event loop; the result is fsync'ed and renamed into place; then its row is written in one
transaction that checks every rule again (the lock may have come in meanwhile). If that
transaction fails the kept file is removed, and the temporary files go in every case.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from portal.db import Database
from portal.pieces import antivirus, content
from portal.pieces import service as pieces
from portal.pieces.models import PieceUpload, ScanState
from portal.pieces.storage import Staged, Storage
from portal.pieces.upload import Received
from portal.registrations.models import Registration
from portal.settings import Settings

ONE_PDF = "Déposez un seul PDF à la fois, ou plusieurs photos (elles sont alors réunies en un PDF)."


async def scan_received(settings: Settings, received: Received) -> ScanState:
    if not settings.clamd_address:
        return ScanState.unscanned
    state = ScanState.clean
    for name, staged in received.files:
        verdict = await antivirus.scan(settings.clamd_address, staged.path)
        if not verdict.available:
            state = ScanState.pending
        elif not verdict.clean:
            raise pieces.PieceError(
                f"Le fichier « {name} » contient un virus ({verdict.signature}) : il a été "
                "refusé et n'a pas été conservé."
            )
    return state


def prepare(storage: Storage, received: Received, formats: str) -> tuple[Staged, str, str]:
    """The file to keep, its media type and the name shown (blocking: run in a thread)."""
    kinds = [content.check(staged.path, name, formats) for name, staged in received.files]
    names = [name for name, _ in received.files]
    if any(kind == "pdf" for kind, _ in kinds):
        if len(kinds) > 1:
            raise content.ContentError(ONE_PDF)
        return received.files[0][1], "application/pdf", names[0]
    images = [
        content.reencode(staged.path, name, kind)
        for (name, staged), (kind, _) in zip(received.files, kinds, strict=True)
    ]
    if len(images) == 1:
        data, media_type = images[0]
        return storage.temporary_with(data), media_type, names[0]
    pdf = content.photos_to_pdf([data for data, _ in images])
    return storage.temporary_with(pdf), "application/pdf", f"{len(images)} photos réunies en PDF"


async def deposit(
    db: Database,
    settings: Settings,
    registration: Registration,
    piece_id: int,
    received: Received,
    formats: str,
    now: datetime,
) -> PieceUpload:
    storage = Storage.under(settings.data_dir)
    final: Staged | None = None
    try:
        scan = await scan_received(settings, received)
        final, media_type, shown = await asyncio.to_thread(prepare, storage, received, formats)
        storage_name = storage.keep(final)
        try:
            async with db.write() as session:
                return await pieces.record_upload(
                    session,
                    registration,
                    piece_id,
                    storage_name=storage_name,
                    file_name=shown,
                    media_type=media_type,
                    size=final.size or storage.path_of(storage_name).stat().st_size,
                    sha256=final.sha256,
                    scan=scan,
                    now=now,
                )
        except BaseException:
            storage.remove(storage_name)
            raise
    finally:
        received.discard(storage)
        if final is not None:
            storage.discard(final.path)
