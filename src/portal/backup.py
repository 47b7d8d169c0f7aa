"""`portal backup PATH` and `portal restore PATH`: an académie's data in one folder, and back.

A backup is a folder holding:

- the database: ``portal.sqlite3``, a consistent copy taken with SQLite's online backup API while
  the server keeps serving (one read transaction: in WAL mode writers go on meanwhile, and the copy
  is the database as of one instant), checked with ``PRAGMA integrity_check``; or, on PostgreSQL,
  ``portal.pgdump``, written by ``pg_dump --format=custom`` (one snapshot too);
- the uploaded files, ``<data_dir>/pieces/``, copied after the database: a file uploaded during the
  backup may come along without its row (harmless: no row names it), a row always has its file,
  unless the file was deleted during the backup (said in the report);
- ``manifest.json``, written last: a folder without it is an unfinished backup, which restore
  refuses.

Not copied: the generated PDFs (``<data_dir>/documents/``, made again on demand from the database),
the development secret key (production reads it from ``PORTAL_SECRET_KEY``; keep it apart from the
backups), logs.

``restore`` fills an empty data folder (and, on PostgreSQL, an empty database) from a backup, then
brings the schema to this version's migrations.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from glob import glob
from pathlib import Path

from sqlalchemy.engine import URL, make_url

DATABASE_FILE = "portal.sqlite3"
DUMP_FILE = "portal.pgdump"
MANIFEST = "manifest.json"
# Folders of the data folder that a backup carries (the generated documents are a cache).
FOLDERS = ("pieces",)
# What a data folder may hold and still count as empty: the development secret key, which
# `portal` itself writes there on start when PORTAL_SECRET_KEY is not set.
IGNORED_IN_EMPTY = ("secret_key",)
FORMAT = 1


class BackupError(Exception):
    """Said to the operator as is (in French)."""


@dataclass
class Report:
    folder: Path
    database: str  # "sqlite" or "postgresql"
    revision: str | None
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("La base SQLite doit être un fichier.")
    return Path(database)


def _empty_or_absent(folder: Path, ignored: tuple[str, ...] = ()) -> bool:
    if not folder.exists():
        return True
    if not folder.is_dir():
        return False
    return all(entry.name in ignored for entry in folder.iterdir())


# -- backup -----------------------------------------------------------------------------------------
def backup(
    database_url: str, data_dir: Path, target: Path, busy_timeout_ms: int = 10_000
) -> Report:
    """Copy the database and the uploaded files of a running portal into ``target``."""
    if not _empty_or_absent(target):
        raise BackupError(f"Le dossier de sauvegarde {target} n'est pas vide.")
    target.mkdir(parents=True, exist_ok=True)
    if is_sqlite(database_url):
        kind = "sqlite"
        revision = _sqlite_backup(
            sqlite_path(database_url), target / DATABASE_FILE, busy_timeout_ms
        )
        database_file = target / DATABASE_FILE
    else:
        kind = "postgresql"
        _pg_dump(database_url, target / DUMP_FILE)
        revision = None  # in the dump; read back at restore
        database_file = target / DUMP_FILE
    report = Report(target, kind, revision)
    for name in FOLDERS:
        _copy_folder(data_dir / name, target / name, report)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "database_file": database_file.name,
        "database_sha256": _sha256(database_file),
        "revision": revision,
        "folders": list(FOLDERS),
        "files": report.files,
        "bytes": report.bytes,
    }
    # Last, through a rename: a folder with a manifest is a finished backup.
    partial = target / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    os.replace(partial, target / MANIFEST)
    return report


def _sqlite_backup(source: Path, destination: Path, busy_timeout_ms: int) -> str | None:
    if not source.exists():
        raise BackupError(f"La base {source} n'existe pas.")
    partial = destination.with_name(destination.name + ".part")
    origin = sqlite3.connect(source, timeout=busy_timeout_ms / 1000)
    try:
        copy = sqlite3.connect(partial)
        try:
            # All pages in one step: one read transaction, so one instant of the database, while
            # writers go on in the WAL (a stepped backup would restart at every write).
            origin.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            problems = copy.execute("PRAGMA integrity_check").fetchall()
            if problems != [("ok",)]:
                raise BackupError(f"La copie de la base est invalide : {problems[:5]}")
            revision = _revision(copy)
        finally:
            copy.close()
    finally:
        origin.close()
    os.replace(partial, destination)
    return revision


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _copy_folder(source: Path, destination: Path, report: Report) -> None:
    if not source.is_dir():
        return
    for root, _dirs, files in os.walk(source):
        relative = Path(root).relative_to(source)
        (destination / relative).mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            if name.startswith(".") or name.endswith((".part", ".tmp")):
                continue  # a file still being written (uploads are renamed into place)
            try:
                shutil.copy2(Path(root) / name, destination / relative / name)
            except FileNotFoundError:  # deleted since the listing
                report.missing.append(str(relative / name))
                continue
            report.files += 1
            report.bytes += (destination / relative / name).stat().st_size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- PostgreSQL: pg_dump / pg_restore --------------------------------------------------------------
def pg_program(name: str) -> str | None:
    """``pg_dump`` or ``pg_restore``: Debian's newest server binaries first (they read older
    servers too), else the one on PATH."""
    found = sorted(
        glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return found[-1] if found else shutil.which(name)


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, without its password (passed in PGPASSWORD, not on argv)."""
    url: URL = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_dump(database_url: str, destination: Path) -> None:
    program = pg_program("pg_dump")
    if program is None:
        raise BackupError(
            "pg_dump est introuvable : installez le client PostgreSQL (apt-get install "
            "postgresql-client), ou sauvegardez la base vous-même avec `pg_dump --format=custom "
            "--file portal.pgdump <base>` et copiez le dossier pieces/ du dossier de données."
        )
    url, env = _libpq(database_url)
    partial = destination.with_name(destination.name + ".part")
    result = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [program, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", url],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump a échoué : {result.stderr.strip()}")
    os.replace(partial, destination)


async def _pg_is_empty(database_url: str) -> bool:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            )
    finally:
        await engine.dispose()
    return count == 0


# -- restore ----------------------------------------------------------------------------------------
def read_manifest(source: Path) -> dict[str, object]:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{source} n'est pas une sauvegarde complète du portail ({MANIFEST} manque)."
        )
    manifest: dict[str, object] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')!r}.")
    return manifest


def restore(source: Path, database_url: str, data_dir: Path) -> Report:
    """Fill an empty data folder (and an empty database on PostgreSQL) from the backup."""
    import asyncio

    manifest = read_manifest(source)
    kind = str(manifest["database"])
    database_file = source / str(manifest["database_file"])
    if _sha256(database_file) != manifest["database_sha256"]:
        raise BackupError(
            f"{database_file.name} ne correspond pas à la sauvegarde (somme SHA-256)."
        )
    if not _empty_or_absent(data_dir, IGNORED_IN_EMPTY):
        raise BackupError(
            f"Le dossier de données {data_dir} n'est pas vide : la restauration remplit un dossier "
            "vide (PORTAL_DATA_DIR), elle n'écrase rien."
        )
    target_kind = "sqlite" if is_sqlite(database_url) else "postgresql"
    if target_kind != kind:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {kind} ; PORTAL_DATABASE_URL désigne une base "
            f"{target_kind}. Pour passer de SQLite à PostgreSQL, restaurez dans SQLite puis "
            "utilisez `portal db copy`."
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    report = Report(data_dir, kind, manifest.get("revision"))  # type: ignore[arg-type]
    if kind == "sqlite":
        path = sqlite_path(database_url)
        if path.exists():
            raise BackupError(f"La base {path} existe déjà : la restauration n'écrase rien.")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        shutil.copyfile(database_file, partial)
        with sqlite3.connect(partial) as connection:
            problems = connection.execute("PRAGMA integrity_check").fetchall()
        connection.close()
        if problems != [("ok",)]:
            partial.unlink()
            raise BackupError(f"La base sauvegardée est invalide : {problems[:5]}")
        os.replace(partial, path)
    else:
        if not asyncio.run(_pg_is_empty(database_url)):
            raise BackupError(
                "La base PostgreSQL cible n'est pas vide : créez une base vide (createdb) "
                "et désignez-la par PORTAL_DATABASE_URL."
            )
        _pg_restore(database_file, database_url)
    for name in manifest.get("folders", FOLDERS):  # type: ignore[union-attr]
        _copy_folder(source / str(name), data_dir / str(name), report)
    return report


def _pg_restore(dump: Path, database_url: str) -> None:
    program = pg_program("pg_restore")
    if program is None:
        raise BackupError(
            "pg_restore est introuvable : installez le client PostgreSQL (apt-get install "
            "postgresql-client)."
        )
    url, env = _libpq(database_url)
    command = [program, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    result = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [*command, f"--dbname={url}", str(dump)],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore a échoué : {result.stderr.strip()}")
