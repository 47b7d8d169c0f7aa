"""The database promises of DECISIONS.md 3: pragmas on every pooled connection, BEGIN IMMEDIATE."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from portal.db import Database, UTCDateTime
from portal.migrate import upgrade


@pytest.mark.sqlite_only("SQLite's pragmas")
async def test_pragmas_hold_on_every_pooled_connection(db: Database) -> None:
    seen: list[tuple[str, int, int, int]] = []

    async def probe() -> None:
        async with db.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT (SELECT journal_mode FROM pragma_journal_mode),"
                        " (SELECT synchronous FROM pragma_synchronous),"
                        " (SELECT foreign_keys FROM pragma_foreign_keys),"
                        " (SELECT timeout FROM pragma_busy_timeout)"
                    )
                )
            ).one()
            seen.append(tuple(row))  # type: ignore[arg-type]
            await asyncio.sleep(0.05)  # hold it, so the pool must open others

    await asyncio.gather(*(probe() for _ in range(6)))
    assert len(seen) == 6
    for journal, synchronous, foreign_keys, busy in seen:
        assert journal == "wal"
        assert synchronous == 2  # FULL
        assert foreign_keys == 1
        assert busy >= 5000


async def test_write_transactions_begin_immediate(db: Database) -> None:
    statements: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.write() as session:
            await session.exec(text("SELECT 1"))
        async with db.read() as session:
            await session.exec(text("SELECT 2"))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    if db.is_sqlite:
        assert statements[0] == "BEGIN IMMEDIATE"
        assert "BEGIN" in statements[2:] and "BEGIN IMMEDIATE" not in statements[2:]
    else:  # PostgreSQL: the write transaction takes the advisory write lock first, reads do not
        assert "pg_advisory_xact_lock" in statements[0]
        assert not any("pg_advisory" in statement for statement in statements[1:])


@pytest.mark.sqlite_only("aiosqlite's thread is SQLite's")
async def test_only_begin_immediate_and_commit_leave_the_loop_thread(db: Database) -> None:
    """issue 12: statements run where they are asked (no hand-off to aiosqlite's thread),
    except a write's BEGIN IMMEDIATE and COMMIT, the two that may wait (for the write lock, for
    the file's sync): those run in aiosqlite's thread, so the loop never waits for either."""
    import threading

    seen: list[tuple[str, bool]] = []
    loop_thread = threading.get_ident()

    async def trace(session) -> None:  # type: ignore[no-untyped-def]
        raw = await (await session.connection()).get_raw_connection()
        raw.driver_connection._conn.set_trace_callback(
            lambda sql: seen.append((sql.split()[0].upper(), threading.get_ident() == loop_thread))
        )

    async with db.read() as session:
        await trace(session)
        await session.exec(text("SELECT 2"))
    reads, seen[:] = list(seen), []
    async with db.engine.connect() as connection:  # BEGIN IMMEDIATE is traced from the start
        raw = await connection.get_raw_connection()
        raw.driver_connection._conn.set_trace_callback(
            lambda sql: seen.append((sql.split()[0].upper(), threading.get_ident() == loop_thread))
        )
    async with db.write() as session:
        await session.exec(text("SELECT 1"))
        await session.exec(text("CREATE TABLE probe_thread (id INTEGER PRIMARY KEY)"))
    writes = list(seen)
    async with db.read() as session:  # the same pooled connection reads inline again
        await trace(session)
        await session.exec(text("SELECT 3"))
    again = seen[len(writes) :]
    assert ("SELECT", True) in reads and all(on_loop for _, on_loop in reads)
    assert ("BEGIN", False) in writes and ("COMMIT", False) in writes
    assert ("SELECT", True) in writes and ("CREATE", True) in writes
    assert [sql for sql, on_loop in writes if not on_loop] == ["BEGIN", "COMMIT"]
    assert ("SELECT", True) in again


async def test_concurrent_read_then_write_never_fails_with_locked(db: Database) -> None:
    async with db.write() as session:
        await session.exec(
            text("CREATE TABLE probe_counter (id INTEGER PRIMARY KEY, value INTEGER)")
        )
        await session.exec(text("INSERT INTO probe_counter VALUES (1, 0)"))

    async def increment() -> None:
        async with db.write() as session:
            value = (
                await session.exec(text("SELECT value FROM probe_counter WHERE id = 1"))
            ).scalar_one()
            await asyncio.sleep(0)  # let the others try to interleave
            await session.exec(
                text("UPDATE probe_counter SET value = :v WHERE id = 1"), params={"v": value + 1}
            )

    await asyncio.gather(*(increment() for _ in range(40)))
    async with db.read() as session:
        assert (await session.exec(text("SELECT value FROM probe_counter"))).scalar_one() == 40


async def test_two_workers_never_lose_an_increment(settings) -> None:  # type: ignore[no-untyped-def]
    """Two Database objects, as two worker processes have: their read-then-write transactions
    still run one at a time (BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL), so no
    increment is lost (under PostgreSQL's READ COMMITTED alone, some would be)."""
    workers = [Database(settings.database_url) for _ in range(2)]
    try:
        async with workers[0].write() as session:
            await session.exec(text("CREATE TABLE probe (id INTEGER PRIMARY KEY, value INTEGER)"))
            await session.exec(text("INSERT INTO probe VALUES (1, 0)"))

        async def increment(db: Database) -> None:
            async with db.write() as session:
                value = (await session.exec(text("SELECT value FROM probe"))).scalar_one()
                await asyncio.sleep(0.001)  # let the other worker try to interleave
                await session.exec(text("UPDATE probe SET value = :v"), params={"v": value + 1})

        await asyncio.gather(*(increment(workers[i % 2]) for i in range(40)))
        async with workers[1].read() as session:
            assert (await session.exec(text("SELECT value FROM probe"))).scalar_one() == 40
    finally:
        for db in workers:
            await db.dispose()


async def test_write_rolls_back_on_error(db: Database) -> None:
    async with db.write() as session:
        await session.exec(text("CREATE TABLE t (x INTEGER)"))
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            await session.exec(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("boom")
    async with db.read() as session:
        assert (await session.exec(text("SELECT count(*) FROM t"))).scalar_one() == 0


def test_utc_datetime_refuses_naive_and_returns_aware() -> None:
    column = UTCDateTime()
    sqlite = type("D", (), {"name": "sqlite"})()
    with pytest.raises(ValueError):
        column.process_bind_param(datetime(2026, 1, 1), sqlite)
    paris_summer = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    stored = column.process_bind_param(paris_summer, sqlite)
    assert stored == datetime(2026, 7, 1, 10, 0)
    assert column.process_result_value(stored, sqlite) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


def test_alembic_upgrade_head_from_empty_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "empty.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    upgrade(url)  # a second run is a no-op, not an error
    tables = {
        r[0]
        for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"alembic_version", "web_session"} <= tables


async def test_migrations_match_the_models_on_postgresql(postgres_templates) -> None:  # type: ignore[no-untyped-def]
    """The same on PostgreSQL: types, partial indexes and constraints come out as the models say."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from portal.models import load_all_models, metadata
    from tests._support.databases import Content

    load_all_models()
    name, url = postgres_templates.create(Content.EMPTY, datetime.now(UTC))
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await db.dispose()
        postgres_templates.admin.drop(name)
    assert diff == []


def test_migrations_match_the_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Autogenerate against a migrated database finds nothing to do: migrations are complete."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from portal.models import load_all_models, metadata

    path = tmp_path / "cmp.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    load_all_models()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False}), metadata
        )
    engine.dispose()
    assert diff == []


@pytest.mark.sqlite_only("the busy timeout is a SQLite pragma")
async def test_the_busy_timeout_comes_from_the_settings(settings) -> None:  # type: ignore[no-untyped-def]
    db = Database(settings.database_url, busy_timeout_ms=1_234)
    try:
        async with db.engine.connect() as conn:
            timeout = (await conn.execute(text("SELECT timeout FROM pragma_busy_timeout"))).one()
        assert timeout[0] == 1_234
    finally:
        await db.dispose()


def test_only_lock_and_full_disk_count_as_unavailable() -> None:
    from portal.db import database_unavailable

    assert database_unavailable(sqlite3.OperationalError("database is locked"))
    assert database_unavailable(sqlite3.OperationalError("database or disk is full"))
    assert not database_unavailable(sqlite3.OperationalError("no such table: account"))
