"""A real clamd (Debian's clamav-daemon) with a signature database this test writes: the EICAR
test string's MD5 signature made by ClamAV's own ``sigtool --md5`` (no signature download is
possible here, and one .hdb file is enough for clamd to start and detect it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from portal.pieces import antivirus, jobs
from portal.pieces.storage import Storage
from tests._support.mail import free_port
from tests.pieces.helpers import log_in, pdf_bytes, piece, register_certification, send, uploads
from tests.registrations.conftest import location

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"


class Clamd:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        database = folder / "db"
        database.mkdir()
        sample = folder / "eicar.txt"
        sample.write_bytes(EICAR)
        signature = subprocess.run(
            ["sigtool", "--md5", str(sample)], check=True, capture_output=True
        ).stdout
        (database / "eicar.hdb").write_bytes(signature)
        (folder / "clamd.conf").write_text(
            f"DatabaseDirectory {database}\nTCPSocket {self.port}\nTCPAddr 127.0.0.1\n"
            f"Foreground yes\nLogFile {folder / 'clamd.log'}\n"
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [CLAMD, "-c", str(self.folder / "clamd.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"zPING\0")
                    if conn.recv(16).startswith(b"PONG"):
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("clamd did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    if not Path(CLAMD).exists() or shutil.which("sigtool") is None:
        pytest.fail("clamd is not installed: run tests/prepare.py (Debian's clamav-daemon)")
    daemon = Clamd(tmp_path_factory.mktemp("clamd"))
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


async def test_clamd_answers_clean_and_eicar(clamd: Clamd, tmp_path: Path) -> None:
    clean, infected = tmp_path / "clean.pdf", tmp_path / "eicar.com"
    clean.write_bytes(pdf_bytes())
    infected.write_bytes(EICAR)
    assert await antivirus.scan(clamd.address, clean) == antivirus.Verdict(True, True)
    verdict = await antivirus.scan(clamd.address, infected)
    assert verdict.available and not verdict.clean and "eicar" in verdict.signature.lower()
    assert await antivirus.scan(f"127.0.0.1:{free_port()}", clean) == antivirus.UNAVAILABLE


@pytest.fixture
def settings(settings, clamd):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(settings, clamd_address=clamd.address)


async def test_eicar_is_refused_and_nothing_kept(client, app, candidate, settings) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    arrete = await piece(app.state.db, "ARRETE")
    page = unescape(
        (await send(client, "001", arrete.id, [("eicar.pdf", EICAR, "application/pdf")])).text
    )
    assert "Le fichier « eicar.pdf » contient un virus (" in page
    assert "il a été refusé et n'a pas été conservé." in page
    assert await uploads(app.state.db) == []
    storage = Storage.under(settings.data_dir)
    assert not list(storage.stored_names()) and not list(storage.tmp.glob("*"))
    assert location(
        await send(client, "001", arrete.id, [("ok.pdf", pdf_bytes(), "application/pdf")])
    )
    [row] = await uploads(app.state.db)
    assert row.scan == "clean" and row.scanned_at is not None


@pytest.mark.sqlite_only("clamd down then up is about clamd; one database is enough")
async def test_clamd_down_then_up(client, app, candidate, settings, clamd, clock) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    clamd.stop()
    try:
        assert location(
            await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
        )
        page = unescape((await client.get("/mes-justificatifs")).text)
        assert "Son analyse antivirus est en cours." in page and "analyse en cours" in page
        [row] = await uploads(app.state.db)
        assert row.scan == "pending"
        assert (await client.get(f"/mes-justificatifs/001/fichiers/{row.id}")).status_code == 404
        assert (await jobs.rescan_pending(app.state.db, settings, clock()))["waiting"] == 1
    finally:
        clamd.start()
    assert (await jobs.rescan_pending(app.state.db, settings, clock()))["clean"] == 1
    [row] = await uploads(app.state.db)
    assert row.scan == "clean"
    assert (await client.get(f"/mes-justificatifs/001/fichiers/{row.id}")).status_code == 200
