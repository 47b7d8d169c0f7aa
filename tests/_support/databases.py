"""Database templates built once per session and copied per test (SQLite files, or PostgreSQL
template databases: see tests/_support/postgres.py).

Migrating and loading the reference data (and the demo catalog) costs far more than copying a
file, so each kind of starting database is built once, checkpointed and closed, and every test
gets its own plain copy: tests stay isolated (one SQLite file each) and cheap to set up.

The demo catalog's dates are relative to the load day (Paris), so demo templates are kept per
day: a test whose clock reads another day gets a template loaded on that day, exactly what
loading the demo at the test's clock would give.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from pathlib import Path

from portal.dates import PARIS
from portal.db import Database
from portal.migrate import upgrade
from portal.settings import Settings
from tests._support.postgres import Admin

TEST_SECRET = "test-secret-key-that-is-long-enough-for-itsdangerous-0123456789"


class Content(Enum):
    """What a template holds beyond the migrated schema."""

    EMPTY = "empty"  # the schema only
    REFERENCE = "reference"  # + reference data (domains, académies, countries, HR options …)
    DEMO = "demo"  # + the demo catalog and the demo account, as `portal demo load` gives


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def test_settings(data_dir: Path, database: Path | str) -> Settings:
    """Settings on ``data_dir`` and a database: a SQLite file, or a database URL."""
    url = database if isinstance(database, str) else sqlite_url(database)
    return Settings.from_env({}, data_dir=data_dir, database_url=url, secret_key=TEST_SECRET)


async def load(db: Database, settings: Settings, now: datetime, content: Content) -> None:
    """The real loaders, as `portal demo load` runs them (the composition's lists)."""
    from portal.composition import DEMO_LOADERS, REFERENCE_LOADERS

    if content is Content.EMPTY:
        return
    for loader in REFERENCE_LOADERS:
        await loader(db, settings, now)
    if content is Content.DEMO:
        for loader in DEMO_LOADERS:
            await loader(db, settings, now)


def _in_thread(function: Callable[[], object]) -> None:
    """Run ``function`` in a thread of its own: it may start an event loop (Alembic's, ours) while
    the caller is inside a running one (an async fixture's, or Playwright's)."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            function()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so that a plain copy of the file is complete."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for suffix in ("-wal", "-shm"):
        wal = path.with_name(path.name + suffix)
        if wal.exists() and wal.stat().st_size:
            raise RuntimeError(f"{wal} is not empty after a checkpoint")


class Templates:
    """Lazily built template files, one per (content, Paris day for the demo)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._built: dict[tuple[Content, object], Path] = {}
        self._lock = threading.RLock()

    def path(self, content: Content, now: datetime) -> Path:
        day = now.astimezone(PARIS).date() if content is Content.DEMO else None
        key = (content, day)
        with self._lock:
            if key not in self._built:
                self._built[key] = self._build(content, now, day)
            return self._built[key]

    def _build(self, content: Content, now: datetime, day: object) -> Path:
        folder = self.root / (content.value if day is None else f"{content.value}-{day}")
        folder.mkdir(parents=True)
        path = folder / "portal.sqlite3"
        if content is Content.EMPTY:
            _in_thread(lambda: upgrade(sqlite_url(path)))
        else:
            shutil.copyfile(self.path(Content.EMPTY, now), path)
            _in_thread(lambda: asyncio.run(_fill(sqlite_url(path), folder, now, content)))
        checkpoint(path)
        return path

    def copy_to(self, content: Content, now: datetime, database: Path) -> None:
        shutil.copyfile(self.path(content, now), database)


async def _fill(url: str, folder: Path, now: datetime, content: Content) -> None:
    settings = test_settings(folder, url)
    db = Database(settings.database_url)
    try:
        await load(db, settings, now, content)
    finally:
        await db.dispose()


class PostgresTemplates:
    """The same kinds of templates as databases of a throw-away PostgreSQL cluster; each test
    gets ``CREATE DATABASE … TEMPLATE`` of one (cheap), dropped when the test ends."""

    def __init__(self, admin: Admin, root: Path) -> None:
        self.admin = admin
        self.root = root
        self._built: dict[tuple[Content, object], str] = {}
        self._lock = threading.RLock()

    def name(self, content: Content, now: datetime) -> str:
        day = now.astimezone(PARIS).date() if content is Content.DEMO else None
        key = (content, day)
        with self._lock:
            if key not in self._built:
                self._built[key] = self._build(content, now, day)
            return self._built[key]

    def _build(self, content: Content, now: datetime, day: object) -> str:
        name = f"tmpl_{content.value}" + ("" if day is None else f"_{day:%Y%m%d}")
        url = self.admin.cluster.url(name)
        self.admin.drop(name)  # what a failed build may have left
        if content is Content.EMPTY:
            self.admin.create(name)
            _in_thread(lambda: upgrade(url))
        else:
            self.admin.create(name, template=self.name(Content.EMPTY, now))
            folder = self.root / name
            folder.mkdir(parents=True)
            _in_thread(lambda: asyncio.run(_fill(url, folder, now, content)))
        return name

    def create(self, content: Content, now: datetime) -> tuple[str, str]:
        """A new database holding ``content``: its name and its URL."""
        template = self.name(content, now)
        name = self.admin.new_name("test")
        self.admin.create(name, template=template)
        return name, self.admin.cluster.url(name)
