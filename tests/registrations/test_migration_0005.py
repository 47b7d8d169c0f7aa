"""Migration 0005 on a database holding registrations saved in the old format (one Text JSON
snapshot): the papers become rows, the specialty, académie and UAI columns, the rest JSON."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import column, table, text

from portal import fixtures
from portal.accounts.fixtures import activated_account
from portal.accounts.models import Account
from portal.db import Database
from portal.migrate import upgrade
from portal.settings import Settings
from tests.conftest import TEST_SECRET

NOW = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
IDENTIFICATION = {"address_country": "100", "address1": "Rue de la pluie", "postal_code": "78270"}
SITUATION = {"corps": "AC1D", "work_department": "078", "establishment": "0783371R"}


def _copy_catalog(source: Path, target: Path) -> None:
    """The demo catalog as today's loaders write it, copied into an older schema: the columns
    both schemas share, table by table (today's loaders need today's tables)."""
    conn = sqlite3.connect(target)
    try:
        conn.execute("ATTACH DATABASE ? AS head", (str(source),))
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
            )
        ]
        for table in tables:
            old = [row[1] for row in conn.execute(f"PRAGMA main.table_info('{table}')")]
            new = {row[1] for row in conn.execute(f"PRAGMA head.table_info('{table}')")}
            shared = ", ".join(f'"{c}"' for c in old if c in new)
            if shared:
                conn.execute(
                    f"INSERT INTO main.{table} ({shared}) SELECT {shared} FROM head.{table}"  # noqa: S608 (names from the schema)
                )
        conn.commit()
    finally:
        conn.close()


async def _load_catalog(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await fixtures.load(db, settings, NOW, demo=True)
    finally:
        await db.dispose()


async def _old_rows(settings: Settings) -> dict[str, int]:
    db = Database(settings.database_url)
    try:
        async with db.write() as session:
            # Only the columns the old schema has (today's Account may have more).
            sql = await session.connection()
            account = activated_account("ancien@example.fr", "x", NOW)
            old_columns = {
                row[1] for row in await sql.execute(text("PRAGMA table_info('account')"))
            }
            names = sorted(old_columns - {"id"})
            types = Account.__table__.c  # type: ignore[attr-defined]
            old_account = table("account", *(column(c, types[c].type) for c in names))
            await sql.execute(old_account.insert().values({c: getattr(account, c) for c in names}))
            account.id = (
                await sql.execute(text("SELECT id FROM account WHERE email = 'ancien@example.fr'"))
            ).scalar_one()
            period_id, specialty_id, academy = (
                await sql.execute(
                    text(
                        "SELECT p.id, p.specialty_id, p.academy_code FROM opening_period p "
                        "JOIN specialty s ON s.id = p.specialty_id "
                        "JOIN qualification q ON q.id = s.qualification_id "
                        "WHERE q.code = 'BIA' AND p.academy_code = 'versailles'"
                    )
                )
            ).one()
            papers = (
                await sql.execute(
                    text(
                        "SELECT id, kind, choice_group FROM paper WHERE qualification_id = "
                        "(SELECT qualification_id FROM specialty WHERE id = :s) "
                        "AND (specialty_id IS NULL OR specialty_id = :s)"
                    ),
                    {"s": specialty_id},
                )
            ).all()
            optional = [str(pid) for pid, kind, _group in papers if kind == "optional"]
            snapshot = {
                "identification": IDENTIFICATION,
                "qualification": {"qualification": "1", "period": str(period_id)},
                "situation": SITUATION,
                "epreuves": {"optional": optional, "choice": {}},
                "summary": {"document_label": "Récapitulatif d'inscription", "sections": []},
            }
            stamp = NOW.replace(tzinfo=None).isoformat(sep=" ")
            await sql.execute(
                text(
                    "INSERT INTO registration (id, account_id, opening_period_id, "
                    "registration_number, version, created_at, updated_at, data) "
                    "VALUES (1, :a, :p, '001', 1, :t, :t, :d)"
                ),
                {"a": account.id, "p": period_id, "t": stamp, "d": json.dumps(snapshot)},
            )
            await sql.execute(
                text(
                    "INSERT INTO registration_version (registration_id, version, "
                    "opening_period_id, data, saved_at) VALUES (1, 1, :p, :d, :t)"
                ),
                {"p": period_id, "t": stamp, "d": json.dumps(snapshot)},
            )
            draft = {"clean": {"epreuves": {"optional": [], "choice": {}}}, "raw": {}}
            await sql.execute(
                text(
                    "INSERT INTO registration_draft (key, account_id, opening_period_id, "
                    "registration_id, base_version, data, created_at, updated_at) "
                    "VALUES ('k', :a, :p, 1, 1, :d, :t, :t)"
                ),
                {"a": account.id, "p": period_id, "t": stamp, "d": json.dumps(draft)},
            )
        return {
            "period": period_id,
            "specialty": specialty_id,
            "papers": len([p for p in papers if p[1] == "mandatory"]) + len(optional),
            "academy": academy,
        }
    finally:
        await db.dispose()


def test_0005_carries_old_registrations_over(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    settings = Settings.from_env({}, data_dir=tmp_path, database_url=url, secret_key=TEST_SECRET)
    upgrade(url, "0004_registrations")
    catalog = tmp_path / "catalog.sqlite3"
    catalog_url = f"sqlite+aiosqlite:///{catalog}"
    upgrade(catalog_url)
    asyncio.run(
        _load_catalog(
            Settings.from_env(
                {}, data_dir=tmp_path, database_url=catalog_url, secret_key=TEST_SECRET
            )
        )
    )
    _copy_catalog(catalog, path)
    expected = asyncio.run(_old_rows(settings))
    assert expected["papers"] >= 2  # at least one mandatory and one chosen (optional) paper

    upgrade(url)

    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    registration = conn.execute("SELECT * FROM registration").fetchone()
    columns = set(registration.keys())
    assert "data" not in columns and "answers" in columns
    assert registration["specialty_id"] == expected["specialty"]
    assert registration["academy_code"] == expected["academy"]
    assert registration["establishment_uai"] == "0783371R"
    answers = json.loads(registration["answers"])
    assert answers["identification"] == IDENTIFICATION
    assert answers["situation"] == {"corps": "AC1D", "work_department": "078"}
    assert "epreuves" not in answers and "summary" not in answers
    assert json.loads(registration["summary"])["document_label"] == "Récapitulatif d'inscription"
    version = conn.execute("SELECT * FROM registration_version").fetchone()
    assert version["establishment_uai"] == "0783371R"
    assert json.loads(version["answers"]) == answers
    papers = conn.execute(
        "SELECT registration_id, version, kind FROM registration_paper ORDER BY paper_id"
    ).fetchall()
    assert len(papers) == expected["papers"]
    assert {(p["registration_id"], p["version"]) for p in papers} == {(1, 1)}
    assert {p["kind"] for p in papers} == {"mandatory", "optional"}
    draft = json.loads(conn.execute("SELECT data FROM registration_draft").fetchone()["data"])
    assert draft == {"clean": {"papers": {"optional": [], "choice": {}}}, "raw": {}}
    conn.close()
