"""Faults: a storage error gives a clear message and leaves nothing partial; `portal check`
finds a file without its row and a row without its file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from portal.pieces.jobs import check_files
from portal.pieces.storage import Storage
from tests.pieces.helpers import log_in, pdf_bytes, piece, register_certification, send, uploads
from tests.registrations.conftest import location


async def test_storage_error_keeps_nothing(client, app, candidate, settings) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    storage = Storage.under(settings.data_dir)
    storage.ensure()
    storage.files.rmdir()
    storage.files.write_bytes(b"")  # files/ cannot hold anything: the rename fails (ENOTDIR)
    page = unescape(
        (await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])).text
    )
    assert (
        "Le fichier n'a pas pu être enregistré (espace disque insuffisant ou erreur de stockage"
        in page
    )
    assert "Rien n'a été conservé" in page
    assert await uploads(app.state.db) == [] and not list(storage.tmp.glob("*"))
    storage.files.unlink()
    assert location(
        await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    )


async def test_check_finds_files_and_rows_that_do_not_match(
    client, app, candidate, settings
) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await log_in(client)
    await register_certification(client, app)
    rapport, arrete = await piece(db, "RAPPORT"), await piece(db, "ARRETE")
    await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    await send(client, "001", arrete.id, [("a.pdf", pdf_bytes(), "application/pdf")])
    assert await check_files(db, settings) == []
    assert _portal_check(settings).returncode == 0
    first, _ = await uploads(db)
    storage = Storage.under(settings.data_dir)
    storage.path_of(first.storage_name).unlink()
    stray = storage.files / "ab" / ("ab" + "0" * 30)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"%PDF-")
    problems = await check_files(db, settings)
    assert problems == [
        f"Pièce justificative sans fichier : {first.storage_name} (ligne piece_upload)",
        f"Fichier sans ligne dans la base : {stray}",
    ]
    result = _portal_check(settings)
    assert (
        result.returncode == 1
        and first.storage_name in result.stdout
        and str(stray) in result.stdout
    )


def _portal_check(settings) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(settings.data_dir),
        "PORTAL_DATABASE_URL": settings.database_url,
        "PORTAL_SECRET_KEY": settings.secret_key,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    return subprocess.run(
        [sys.executable, "-m", "portal", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def full_disk(settings) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """``<data_dir>/pieces`` on a 256 KiB tmpfs of its own: a real full disk (ENOSPC)."""
    folder = Storage.under(settings.data_dir).root
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


async def test_full_disk_keeps_nothing(client, app, candidate, settings, full_disk) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    big = pdf_bytes() + b"%" + b"x" * 600_000 + b"\n"
    page = unescape(
        (await send(client, "001", rapport.id, [("gros.pdf", big, "application/pdf")])).text
    )
    assert "Le fichier n'a pas pu être enregistré (espace disque insuffisant" in page
    storage = Storage.under(settings.data_dir)
    assert await uploads(app.state.db) == [] and not list(storage.tmp.glob("*"))
    assert not list(storage.stored_names())
    assert location(
        await send(client, "001", rapport.id, [("petit.pdf", pdf_bytes(), "application/pdf")])
    )
    assert await check_files(app.state.db, settings) == []
