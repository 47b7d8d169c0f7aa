"""Periodic jobs of the pieces domain (listed in ``portal.composition``).

``rescan``: files kept while clamd was unreachable ("analyse en cours") are scanned again; a
clean one becomes available to managers, an infected one is erased (its row stays, marked, for
the record). Temporary files left by an interrupted upload are removed after an hour.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from portal.db import Database
from portal.pieces import antivirus
from portal.pieces.models import PieceUpload, ScanState
from portal.pieces.storage import Storage
from portal.settings import Settings
from portal.tasks import Job

STALE_TEMPORARY = timedelta(hours=1)


async def rescan_pending(db: Database, settings: Settings, now) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {"clean": 0, "infected": 0, "waiting": 0}
    if not settings.clamd_address:
        return counts
    storage = Storage.under(settings.data_dir)
    async with db.read() as session:
        pending = (
            await session.exec(
                select(PieceUpload).where(PieceUpload.scan == ScanState.pending.value).limit(100)
            )
        ).all()
    for upload in pending:
        if upload.storage_name is None:
            continue
        verdict = await antivirus.scan(settings.clamd_address, storage.path_of(upload.storage_name))
        if not verdict.available:
            counts["waiting"] += 1
            continue
        async with db.write() as session:
            row = await session.get(PieceUpload, upload.id)
            if row is None or row.scan != ScanState.pending:
                continue
            row.scanned_at = now
            if verdict.clean:
                row.scan = ScanState.clean.value
                counts["clean"] += 1
            else:
                row.scan = ScanState.infected.value
                row.deleted_at = row.deleted_at or now
                name, row.storage_name = row.storage_name, None
                counts["infected"] += 1
            session.add(row)
        if not verdict.clean and name:
            storage.remove(name)
    return counts


def remove_stale_temporaries(settings: Settings, now) -> int:  # type: ignore[no-untyped-def]
    removed = 0
    for path in Storage.under(settings.data_dir).temporaries():
        try:
            if now.timestamp() - path.stat().st_mtime > STALE_TEMPORARY.total_seconds():
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


async def remove_orphan_files(db: Database, settings: Settings, now) -> int:  # type: ignore[no-untyped-def]
    """Files no row names any more (their account was erased), once they are an hour old: a
    younger one may belong to an upload whose row is being written."""
    storage = Storage.under(settings.data_dir)
    async with db.read() as session:
        names = set(
            (
                await session.exec(
                    select(PieceUpload.storage_name).where(
                        col(PieceUpload.storage_name).is_not(None)
                    )
                )
            ).all()
        )
    removed = 0
    for name in set(storage.stored_names()) - names:
        path = storage.files / name[:2] / name
        try:
            if now.timestamp() - path.stat().st_mtime > STALE_TEMPORARY.total_seconds():
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


async def rescan(state: Any) -> None:
    await rescan_pending(state.db, state.settings, state.clock())
    remove_stale_temporaries(state.settings, state.clock())
    await remove_orphan_files(state.db, state.settings, state.clock())


RESCAN_PIECES = Job("rescan-pieces", timedelta(minutes=2), rescan)


async def check_files(db: Database, settings: Settings) -> list[str]:
    """What `portal check` reports: a row whose file is missing, a file without its row."""
    storage = Storage.under(settings.data_dir)
    async with db.read() as session:
        names = set(
            (
                await session.exec(
                    select(PieceUpload.storage_name).where(
                        col(PieceUpload.storage_name).is_not(None)
                    )
                )
            ).all()
        )
    on_disk = set(storage.stored_names())
    problems = [
        f"Pièce justificative sans fichier : {name} (ligne piece_upload)"
        for name in sorted(names - on_disk)
    ]
    problems += [
        f"Fichier sans ligne dans la base : {storage.files / name[:2] / name}"
        for name in sorted(on_disk - names)
    ]
    return problems
