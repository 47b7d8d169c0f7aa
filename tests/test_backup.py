"""`portal backup PATH` while a real `portal serve` writes, then `portal restore PATH` into an
empty data folder (issue 14, item 4): the copy is consistent (integrity check, every sign-up
there with its mail or absent), carries the uploaded files and not the generated PDFs, and the
candidate logs in on the restored data and finds the registration."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlmodel import select

from portal.accounts.fixtures import DEMO_EMAIL, DEMO_PASSWORD
from portal.app import create_app
from portal.backup import DATABASE_FILE, DUMP_FILE, MANIFEST, sqlite_path
from portal.registrations.models import Registration
from tests._support.candidates import log_in
from tests._support.databases import test_settings as settings_on
from tests._support.serve import Server, environment, sign_up
from tests._support.web import BASE_URL, Client
from tests.documents.test_service import register_in_db


def portal(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_piece(folder: Path) -> Path:
    """An upload as the pieces domain writes it: a temporary file renamed into place; its name
    says its content's hash, so a partial copy shows."""
    content = secrets.token_bytes(4096 + secrets.randbelow(60_000))
    name = hashlib.sha256(content).hexdigest()[:16] + ".pdf"
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (name + ".part")
    partial.write_bytes(content)
    os.replace(partial, folder / name)
    return folder / name


def complete(path: Path) -> bool:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] == path.stem


async def test_backup_while_serving_and_restore(
    app, demo, clock, settings, dialect, tmp_path: Path, request
) -> None:  # type: ignore[no-untyped-def]
    await register_in_db(app, clock)
    async with app.state.db.read() as session:
        number = (await session.exec(select(Registration))).one().registration_number
    pieces = settings.data_dir / "pieces"
    before_pieces = [write_piece(pieces / "1") for _ in range(3)]
    (settings.data_dir / "documents").mkdir(exist_ok=True)
    (settings.data_dir / "documents" / "1-summary-v1.pdf").write_bytes(b"%PDF cache")

    env = environment(settings.data_dir, settings.database_url, PORTAL_RATE_LIMIT_BURST="1000")
    server = Server(env, tmp_path / "serve.log").start()
    confirmed: list[tuple[float, str]] = []  # (when the 303 came, address)
    answers: list[int] = []
    stop = threading.Event()
    writing = asyncio.Event()  # set once a few sign-ups went through

    def uploads() -> None:
        n = 0
        while not stop.is_set():
            write_piece(pieces / f"u{n % 5}")
            n += 1
            time.sleep(0.01)

    async def sign_ups(worker: int) -> None:
        n = 0
        async with httpx.AsyncClient(timeout=60) as client:
            while not stop.is_set():
                email = f"pendant.sauvegarde.{worker}.{n}@example.fr"
                n += 1
                response = await sign_up(client, server.url, email)
                answers.append(response.status_code)
                if response.status_code == 303:
                    confirmed.append((time.monotonic(), email))
                    if len(confirmed) >= 3:
                        writing.set()

    target = tmp_path / "sauvegarde"
    uploader = threading.Thread(target=uploads)
    uploader.start()
    writers = [asyncio.create_task(sign_ups(w)) for w in range(2)]
    try:
        await asyncio.wait_for(writing.wait(), timeout=60)
        started = time.monotonic()
        backed_up = await asyncio.to_thread(portal, env, "backup", str(target))
        await asyncio.sleep(0.5)  # writes go on after the backup
    finally:
        stop.set()
        await asyncio.gather(*writers)
        uploader.join()
        server.stop()
    assert backed_up.returncode == 0, backed_up.stdout + backed_up.stderr
    assert "Sauvegarde terminée" in backed_up.stdout
    assert set(answers) == {303}
    before = {email for when, email in confirmed if when < started}
    assert before and len(confirmed) > len(before)  # writes before, during and after

    manifest = json.loads((target / MANIFEST).read_text())
    assert manifest["database"] == dialect
    assert (target / (DATABASE_FILE if dialect == "sqlite" else DUMP_FILE)).is_file()
    assert not (target / "documents").exists()  # the generated PDFs are a cache
    copied = [p for p in (target / "pieces").rglob("*") if p.is_file()]
    assert all(complete(p) for p in copied)  # no upload cut in the middle
    assert not [p for p in copied if p.name.endswith(".part")]
    assert {p.name for p in before_pieces} <= {p.name for p in copied}

    # -- restore into an empty data folder (and an empty database on PostgreSQL)
    restored_dir = tmp_path / "restored"
    if dialect == "sqlite":
        restored_url = f"sqlite+aiosqlite:///{restored_dir / 'portal.sqlite3'}"
    else:
        admin = request.getfixturevalue("postgres_admin")
        name = admin.new_name("restored")
        admin.create(name)
        request.addfinalizer(lambda: admin.drop(name))
        restored_url = admin.cluster.url(name)
    restore_env = environment(restored_dir, restored_url)
    restored = portal(restore_env, "restore", str(target))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Restauration terminée" in restored.stdout
    if dialect == "sqlite":
        with sqlite3.connect(sqlite_path(restored_url)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        connection.close()
    assert all(complete(p) for p in (restored_dir / "pieces").rglob("*.pdf"))
    assert (restored_dir / "pieces" / "1" / before_pieces[0].name).read_bytes() == (
        before_pieces[0].read_bytes()
    )

    moved = create_app(
        settings_on(restored_dir, restored_url), clock=clock, run_background_tasks=False
    )
    db = moved.state.db
    await db.unpooled()
    try:
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT a.email, count(m.id) FROM account a LEFT JOIN mail_outbox m "
                        "ON m.account_id = a.id AND m.kind = 'activation' "
                        "WHERE a.email LIKE 'pendant.sauvegarde.%' GROUP BY a.email"
                    )
                )
            ).all()
        there = {email: mails for email, mails in rows}
        assert before <= set(there)  # every sign-up confirmed before the backup is in it
        assert set(there.values()) == {1}  # each with its activation mail: none half-written
        async with Client(app=moved, base_url=BASE_URL) as client:
            client.follow_redirects = False
            response = await log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
            assert response.status_code == 303, response.text
            page = await client.get("/mes-inscriptions")
            assert page.status_code == 200 and number in page.text
    finally:
        await db.dispose()

    again = portal(restore_env, "restore", str(target))
    assert again.returncode == 1 and "n'est pas vide" in again.stderr


def test_restore_refuses_an_unfinished_backup_and_a_used_folder(tmp_path: Path) -> None:
    unfinished = tmp_path / "sauvegarde"
    unfinished.mkdir()
    (unfinished / DATABASE_FILE).write_bytes(b"")
    env = environment(tmp_path / "vide")
    result = portal(env, "restore", str(unfinished))
    assert result.returncode == 1 and f"{MANIFEST} manque" in result.stderr

    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("déjà là")
    result = portal(environment(tmp_path / "var"), "backup", str(used))
    assert result.returncode == 1 and "n'est pas vide" in result.stderr
    assert [p.name for p in used.iterdir()] == ["notes.txt"]
