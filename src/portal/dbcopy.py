"""`portal db copy --to postgresql+asyncpg://…`: move an académie from SQLite to PostgreSQL.

Every table of the current (SQLite) database is copied to an empty PostgreSQL database in one
consistent pass: one read transaction on the source (a snapshot: a serving portal may keep
writing, the copy sees one instant), one write transaction on the target (all or nothing). The
target is migrated first (Alembic, as `portal db upgrade`); both must be at the same revision.
Rows go through the models' own column types (instants stay aware UTC, JSON stays JSON). Then the
identity sequences are moved past the highest ids, and row counts are compared table by table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from portal.db import Database
from portal.models import load_all_models, metadata

BATCH = 1000
VERSION_TABLE = "alembic_version"


class CopyError(Exception):
    """The copy cannot be done; the message says why (in French, for the operator)."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table → rows copied
    sequences: dict[str, int] = field(default_factory=dict)  # table → next id


# Kept by the target's own triggers while the catalog is copied (migration 0013), not copied.
DERIVED = frozenset({"catalog_version"})


def tables() -> list[Table]:
    """Every table of the portal, parents before children."""
    load_all_models()
    return [table for table in metadata.sorted_tables if table.name not in DERIVED]


async def _revision(connection: AsyncConnection) -> str | None:
    result = await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # noqa: S608
    return result.scalar_one_or_none()


async def copy_database(source_url: str, target_url: str) -> CopyReport:
    """Copy every row of ``source_url`` (SQLite) into ``target_url`` (empty, migrated PostgreSQL)."""
    if make_url(target_url).get_backend_name() != "postgresql":
        raise CopyError("La cible doit être une base PostgreSQL (postgresql+asyncpg://…).")
    if make_url(source_url).get_backend_name() != "sqlite":
        raise CopyError("La base actuelle (PORTAL_DATABASE_URL) doit être la base SQLite à copier.")
    report = CopyReport()
    source, target = Database(source_url), Database(target_url)
    try:
        async with source.engine.connect() as reading, target.engine.connect() as writing:
            await reading.begin()  # one snapshot of the source for the whole pass
            await writing.begin()
            if await _revision(reading) != await _revision(writing):
                raise CopyError(
                    "Les deux bases ne sont pas au même niveau de migration : lancez"
                    " `portal db upgrade` sur chacune d'abord."
                )
            await writing.execute(text("SET CONSTRAINTS ALL DEFERRED"))
            for table in tables():
                if (await writing.execute(select(func.count()).select_from(table))).scalar_one():
                    raise CopyError(f"La base cible n'est pas vide (table {table.name}).")
            for table in tables():
                report.rows[table.name] = await _copy_table(reading, writing, table)
            for table in tables():
                counted = await writing.execute(select(func.count()).select_from(table))
                if counted.scalar_one() != report.rows[table.name]:
                    raise CopyError(f"Nombre de lignes différent dans la table {table.name}.")
                next_id = await _move_sequence(writing, table)
                if next_id is not None:
                    report.sequences[table.name] = next_id
            await writing.commit()
            await reading.rollback()
    finally:
        await source.dispose()
        await target.dispose()
    return report


async def _copy_table(reading: AsyncConnection, writing: AsyncConnection, table: Table) -> int:
    copied = 0
    result = await reading.stream(select(table).order_by(*table.primary_key.columns))
    async for rows in result.mappings().partitions(BATCH):
        await writing.execute(table.insert(), [dict(row) for row in rows])
        copied += len(rows)
    return copied


async def _move_sequence(writing: AsyncConnection, table: Table) -> int | None:
    """Set the table's id sequence past its highest id; the next id it will give, if it has one."""
    columns = list(table.primary_key.columns)
    if len(columns) != 1 or not columns[0].autoincrement or columns[0].type.python_type is not int:
        return None
    name = columns[0].name
    sequence = (
        await writing.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": name},
        )
    ).scalar_one_or_none()
    if sequence is None:
        return None
    highest = (await writing.execute(select(func.max(columns[0])))).scalar_one()
    await writing.execute(
        text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
        {"sequence": sequence, "value": highest or 1, "called": highest is not None},
    )
    return (highest or 0) + 1
