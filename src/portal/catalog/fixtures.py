"""Loads the tracked reference data (data/reference/*.csv) idempotently: upsert by official code.

Rows that disappear from a file are kept (registrations may point at them); a changed label is
updated. Registered with portal.fixtures, so `portal serve` and `portal demo load` both run it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal import fixtures
from portal.catalog.models import (
    Academy,
    Country,
    Department,
    Domain,
    Establishment,
    HrOption,
    Nationality,
)
from portal.db import Database
from portal.settings import Settings

DOMAINS = [
    {
        "code": "G01",
        "label": "Autres examens",
        "qualification_label": "Examen",
        "summary_label": "Confirmation d'inscription",
    },
    {
        "code": "G02",
        "label": "Autres certifications",
        "qualification_label": "Certification",
        "summary_label": "Récapitulatif d'inscription",
    },
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def upsert(
    session: AsyncSession,
    model: type[SQLModel],
    key: tuple[str, ...],
    rows: Iterable[dict[str, Any]],
) -> int:
    """Insert new rows and update changed ones, matching on ``key``; returns rows written."""
    existing = {
        tuple(getattr(obj, k) for k in key): obj
        for obj in (await session.exec(select(model))).all()
    }
    written = 0
    for row in rows:
        obj = existing.get(tuple(row[k] for k in key))
        if obj is None:
            session.add(model(**row))
            written += 1
        elif any(getattr(obj, name) != value for name, value in row.items()):
            for name, value in row.items():
                setattr(obj, name, value)
            written += 1
    await session.flush()
    return written


async def load_reference(db: Database, settings: Settings, now: datetime) -> dict[str, int]:
    ref = settings.reference_dir
    counts: dict[str, int] = {}
    async with db.write() as session:
        counts["domaines"] = await upsert(session, Domain, ("code",), DOMAINS)
        counts["académies"] = await upsert(
            session, Academy, ("code",), read_csv(ref / "academies.csv")
        )
        counts["départements"] = await upsert(
            session, Department, ("code",), read_csv(ref / "departements.csv")
        )
        counts["pays"] = await upsert(
            session,
            Country,
            ("code",),
            ({**row, "position": i} for i, row in enumerate(read_csv(ref / "countries.csv"))),
        )
        counts["nationalités"] = await upsert(
            session,
            Nationality,
            ("code",),
            ({**row, "position": i} for i, row in enumerate(read_csv(ref / "nationalities.csv"))),
        )
        hr_rows = [
            {**row, "kind": kind, "position": i}
            for kind, name in (
                ("corps", "hr_corps"),
                ("status", "hr_statuses"),
                ("position", "hr_positions"),
            )
            for i, row in enumerate(read_csv(ref / f"{name}.csv"))
        ]
        counts["situation actuelle"] = await upsert(session, HrOption, ("kind", "code"), hr_rows)
        counts["établissements"] = await upsert(
            session,
            Establishment,
            ("uai",),
            (
                {
                    "uai": row["uai"],
                    "name": row["name"],
                    "kind": row["kind"],
                    "department_code": row["departement_code"],
                    "postal_code": row["postal_code"],
                    "locality": row["locality"],
                }
                for row in read_csv(ref / "establishments.csv")
            ),
        )
    return counts


fixtures.REFERENCE_LOADERS.append(load_reference)
