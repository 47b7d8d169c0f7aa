"""Issue 15 (6): every lookup of the places reads an index, never the whole table: the SQL each
lookup runs is replayed under SQLite's EXPLAIN QUERY PLAN."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.catalog import places, snapshot


@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans follow its statistics")
async def test_every_lookup_reads_an_index(db, demo) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    await snapshot.current(db)  # the catalog in memory, as when serving (its reads are scans)
    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.read() as session:
            assert await places.communes_of_postal_code(session, "78270")
            assert await places.commune_exists(session, "062", "Beuvry")
            assert await places.suggest_communes(session, "062", "beu")
            assert await places.localities(session, "078", "versa")
            assert await places.academy_of_residence(session, "13780", "83105")
            assert await places.academy_of_residence(session, "78270")
            assert await places.search_establishments(session, "078", "hoche")
            assert await places.establishment_in_department(session, "078", "0782562L")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert len(seen) >= 7  # the académie of an INSEE code needs none: départements are in memory
    async with db.read() as session:
        connection = await session.connection()
        for statement, parameters in seen:
            plan = (
                await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ).all()
            details = " | ".join(str(row[-1]) for row in plan)
            scans = [
                d
                for d in details.split(" | ")
                if d.startswith("SCAN") and "USING" not in d and "CONSTANT ROW" not in d
            ]
            assert not scans, (statement, details)
