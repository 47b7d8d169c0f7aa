"""The database: one async engine, SQLite pragmas on every pooled connection, write transactions.

Reads use ``Database.read()``; every write goes through ``Database.write()``, which on SQLite starts
with ``BEGIN IMMEDIATE`` so that a read-then-write transaction takes the write lock up front and
waits for it (busy timeout) instead of failing with "database is locked" (DECISIONS.md 3). On
PostgreSQL it takes a transaction-level advisory lock first: the same one-writer-at-a-time rule,
shared by every worker process.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_PRAGMAS = (
    ("journal_mode", "WAL"),
    ("synchronous", "FULL"),
    ("foreign_keys", "ON"),
)
# How long a write waits for another writer's lock before SQLite says "database is locked"
# (answered 503 with Retry-After, see portal.web.errors); PORTAL_DATABASE_BUSY_TIMEOUT_MS.
BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "portal_write"
# The one advisory lock key of write transactions on PostgreSQL ("portal" in ASCII, as an int).
PG_WRITE_LOCK_KEY = int.from_bytes(b"portal", "big")
_PG_WRITE_LOCK = text(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK_KEY})")


# What SQLite says when it cannot take a write now: the lock held past the busy timeout, a full
# disk; what PostgreSQL (asyncpg) says while the server stops, restarts or cannot be reached. Such
# a request is answered 503 with Retry-After (portal.web.errors): its transaction was rolled back
# or never began. Any other database error is a bug.
UNAVAILABLE_SIGNS = (
    "database is locked",
    "database or disk is full",
    "database table is locked",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "terminating connection due to administrator command",
    "connection was closed in the middle of operation",
    "connection is closed",
    "cannot perform operation: another operation is in progress",
    # asyncpg's protocol left mid-operation by a connection PostgreSQL terminated while shutting
    # down: the next statement on it fails so ("another operation (2) is in progress").
    "cannot switch to state",
    "connect call failed",
)


# The catalog version (migration 0013): bumped by triggers on every write to the catalog and
# reference tables; no row yet means nothing was ever written there.
_VERSION_SQL = "SELECT value FROM catalog_version WHERE id = 1"
# What the triggers run; said explicitly by writers of reference tables kept in memory without a
# trigger (the communes: a trigger per row would run 39,000 times a load).
_BUMP_SQL = (
    "INSERT INTO catalog_version (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = catalog_version.value + 1"
)
T = TypeVar("T")


def database_unavailable(exc: BaseException) -> bool:
    """The database refused for a while (locked past the busy timeout, disk full, PostgreSQL
    stopped or restarting, its connection cut)."""
    if isinstance(exc, ConnectionError):  # refused, reset: asyncpg lets them through unwrapped
        return True
    original = getattr(exc, "orig", None) or exc
    text = f"{type(original).__name__}: {original}".lower()
    return any(sign in text for sign in UNAVAILABLE_SIGNS) or "connectiondoesnotexist" in text


def utcnow() -> datetime:
    """Aware UTC now; the one clock of the portal (tests inject their own where time matters)."""
    return datetime.now(UTC)


class Database:
    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        kwargs: dict[str, object] = {"echo": echo}
        if self.is_sqlite:
            path = make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(self._sqlite_connect(url))
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        # Read-mostly data kept in memory (``cached``): name -> (catalog version, value).
        self._cache: dict[str, tuple[int, Any]] = {}
        self._version_path = _sqlite_file(url) if self.is_sqlite else None
        self._version_local = threading.local()
        self._version_connections: list[sqlite3.Connection] = []
        self._version_lock = threading.Lock()
        self._build(create_async_engine(url, **kwargs))

    async def unpooled(self) -> None:
        """Open a new connection for each session from now on. For callers that use one Database
        from several event loops (a test and the app under a test client, each on its own):
        asyncpg connections belong to the loop that opened them, so none may be pooled."""
        await self.engine.dispose()
        kwargs: dict[str, object] = {"poolclass": NullPool}
        if self.is_sqlite:
            kwargs.update(self._sqlite_connect(self.url))
        self._build(create_async_engine(self.url, **kwargs))

    def _sqlite_connect(self, url: str) -> dict[str, object]:
        """How the engine opens a SQLite connection: on a file, an ``InlineConnection``."""
        path = _sqlite_file(url)
        if path is None:  # in memory: aiosqlite as it is
            return {"connect_args": {"timeout": self.busy_timeout_ms / 1000}}
        return {"async_creator": partial(_inline_connection, path, self.busy_timeout_ms)}

    def _build(self, engine: AsyncEngine) -> None:
        self.engine: AsyncEngine = engine
        if self.is_sqlite:
            _install_sqlite_hooks(self.engine, self.busy_timeout_ms)
        # ``session.info["database"]``: what a session was opened from, for code that is handed a
        # session and wants the in-memory data of its Database (``cached``).
        self._reader = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            expire_on_commit=False,
            autoflush=False,
            info={"database": self},
        )
        self._writer = async_sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}),
            class_=AsyncSession,
            expire_on_commit=False,
            info={"database": self, "writes": True},
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; it never commits."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: commits when the block ends, rolls back on any exception.

        Write transactions run one at a time, as on SQLite: there BEGIN IMMEDIATE takes the
        database's write lock; on PostgreSQL a transaction-level advisory lock does the same
        across every worker, so the read-then-write logic written for SQLite holds unchanged
        (each statement after the lock sees what the writers before it committed)."""
        async with self._writer() as session, session.begin():
            if not self.is_sqlite:
                await (await session.connection()).execute(_PG_WRITE_LOCK)
            yield session

    # -- read-mostly data from memory (DECISIONS.md 11) -------------------------------------
    async def catalog_version(self) -> int:
        """The catalog's version as committed now. On a SQLite file: a plain ``sqlite3`` read on
        a connection of this thread, in microseconds and without leaving the event loop (WAL:
        readers never wait for the writer). On PostgreSQL: one statement, without the ORM."""
        if self._version_path is not None:
            return self._sqlite_version()
        async with self.engine.connect() as conn:
            return (await conn.exec_driver_sql(_VERSION_SQL)).scalar() or 0

    def _sqlite_version(self) -> int:
        row = self.read_inline(_VERSION_SQL, ())
        return row[0] if row else 0

    @property
    def reads_inline(self) -> bool:
        """Whether small reads can skip the engine (:meth:`read_inline`): a SQLite file."""
        return self._version_path is not None

    def read_inline(self, sql: str, parameters: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first row of a small read on a SQLite file, by a plain ``sqlite3`` connection of
        this thread: microseconds, no pool, no thread hop (WAL: readers never wait for the
        writer; what it sees is what was committed). Values come as SQLite stores them."""
        conn = getattr(self._version_local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self._version_path,
                timeout=self.busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,  # closed by dispose(), from whichever thread
            )
            conn.execute("PRAGMA query_only=ON")
            self._version_local.conn = conn
            with self._version_lock:
                self._version_connections.append(conn)
        row: tuple[Any, ...] | None = conn.execute(sql, parameters).fetchone()
        return row

    async def cached(
        self,
        name: str,
        build: Callable[[AsyncSession], Awaitable[T]],
        session: AsyncSession | None = None,
    ) -> T:
        """``build(session)``'s value, kept in memory while the catalog version stays the same.

        The check costs one tiny read per call; a write to the catalog by any process shows on
        the very next call. On a miss the value is built in one read transaction that reads the
        version first: what is kept is never older than the version it is kept under.

        Called with the caller's ``session``, nothing else is taken from the pool (a writer
        holding the write lock must never wait for a connection that writers queued behind it
        hold): the version is checked through that session on PostgreSQL, and a miss is built
        through it. What a write transaction builds is returned but not kept: it may include
        its own uncommitted writes."""
        if session is not None and self._version_path is None:
            version = await _version_of(session)
        else:
            version = await self.catalog_version()
        hit = self._cache.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
        if session is not None:
            version = await _version_of(session)
            value = await build(session)
            if not session.info.get("writes"):
                self._cache[name] = (version, value)
            return value
        async with self.read() as session:
            version = await _version_of(session)
            value = await build(session)
        self._cache[name] = (version, value)
        return value

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            return (await conn.execute(text("SELECT 1"))).scalar_one() == 1

    async def dispose(self) -> None:
        await self.engine.dispose()
        with self._version_lock:
            for conn in self._version_connections:
                conn.close()
            self._version_connections.clear()
        self._version_local = threading.local()
        self._cache.clear()


async def bump_catalog_version(session: AsyncSession) -> None:
    """Say, in the caller's write transaction, that what is kept in memory is out of date."""
    await (await session.connection()).exec_driver_sql(_BUMP_SQL)


async def _version_of(session: AsyncSession) -> int:
    connection = await session.connection()
    return (await connection.exec_driver_sql(_VERSION_SQL)).scalar() or 0


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, whose statements run on the event loop's own thread, except the
    two that may wait: a write's BEGIN IMMEDIATE (for the write lock, up to the busy timeout)
    and its COMMIT (which syncs the file), which run in aiosqlite's thread as before.

    Each statement handed to aiosqlite's thread costs about five hand-offs between threads
    (cursor, execute, fetch, close, each a queue put and a ``call_soon_threadsafe`` back): a
    third of a logged-in wizard tab's CPU for its two reads, half of a save's for its 14
    statements (bench/RESULTS.md, issue 12). A statement runs no faster in another thread. In
    WAL mode a reader never waits for the writer; and once BEGIN IMMEDIATE has taken the write
    lock, a write statement only changes pages in memory and appends to the WAL, nothing it
    waits for: so the loop never waits for a lock or a sync, and a save costs two hand-offs.
    ``inline`` is turned off around those two statements (the engine's "begin" hook, commit)."""

    inline = False  # until connected: the pragmas (journal_mode=WAL) may wait for a lock

    async def _execute(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self.inline:
            return await super()._execute(fn, *args, **kwargs)
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def commit(self) -> None:
        """In aiosqlite's thread: COMMIT syncs the file (synchronous=FULL)."""
        self.inline = False
        try:
            await super().commit()
        finally:
            self.inline = True


async def _inline_connection(path: str, busy_timeout_ms: int) -> aiosqlite.Connection:
    # Opened in aiosqlite's thread and used from the loop's too: check_same_thread=False.
    connector = partial(
        sqlite3.connect, path, timeout=busy_timeout_ms / 1000, check_same_thread=False
    )
    connection = InlineConnection(connector, iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
    return await connection


def _sqlite_file(url: str) -> str | None:
    path = make_url(url).database
    return path if path and path != ":memory:" else None


def _install_sqlite_hooks(engine: AsyncEngine, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let us emit BEGIN ourselves (pysqlite's own transaction handling is bypassed).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for name, value in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {name}={value}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        driver = getattr(dbapi_connection, "_connection", None)
        if isinstance(driver, InlineConnection):
            driver.inline = True  # connected: reads from now on run on the loop's thread

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        driver = conn.connection.driver_connection
        if write and isinstance(driver, InlineConnection):
            # BEGIN IMMEDIATE may wait for the write lock: in aiosqlite's thread.
            driver.inline = False
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                driver.inline = True
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def sqlite_null_pool_engine(url: str) -> AsyncEngine:
    """An engine without pooling, for one-off tools (Alembic) that must not keep files open."""
    engine = create_async_engine(url, poolclass=NullPool)
    if make_url(url).get_backend_name() == "sqlite":
        _install_sqlite_hooks(engine)
    return engine


class UTCDateTime(TypeDecorator):
    """Instants are stored in UTC and always come back timezone-aware (DECISIONS.md 9)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Constraint names that Alembic can rely on, on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
