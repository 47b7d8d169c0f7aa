"""Loads the tracked reference data (data/reference/*.csv) idempotently: upsert by official code.

Rows that disappear from a file are kept (registrations may point at them); a changed label is
updated. Registered with portal.fixtures, so `portal serve` and `portal demo load` both run it.

The demo catalog (data/demo/catalog.json) is loaded by `portal demo load` only, upserted by natural
keys, with dates relative to the load day so that something is always open.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog import places_loading
from portal.catalog.models import (
    Academy,
    Announcement,
    Country,
    Department,
    Domain,
    HrOption,
    ManagingOffice,
    Nationality,
    OpeningPeriod,
    Paper,
    PaperKind,
    Qualification,
    Session,
    Specialty,
)
from portal.catalog.periods import PARIS, wall_to_utc
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
        # The sample's écoles, services, ... and the lycées of lycees.csv, each with its source.
        counts["établissements"] = await places_loading.load_establishments(session, ref)
    return counts


# -- demo catalog ----------------------------------------------------------------------------------
def demo_session_year(today: date) -> int:
    """The session candidates register for: next year's from September, this year's before."""
    return today.year + 1 if today.month >= 9 else today.year


def _relative(today: date, offset: list[Any]) -> datetime:
    """``[days, "HH:MM"]`` from the load day, Paris wall clock, as a UTC instant."""
    days, clock_time = offset
    wall = datetime.combine(today + timedelta(days=int(days)), time.fromisoformat(clock_time))
    return wall_to_utc(wall)


async def load_demo_catalog(db: Database, settings: Settings, now: datetime) -> dict[str, int]:
    """data/demo/catalog.json, upserted by natural keys; dates move with the load day."""
    data = json.loads((settings.demo_dir / "catalog.json").read_text(encoding="utf-8"))
    today = now.astimezone(PARIS).date()
    year = demo_session_year(today)
    counts = dict.fromkeys(
        (
            "qualifications",
            "spécialités",
            "sessions",
            "services gestionnaires",
            "épreuves",
            "périodes d'inscription",
            "annonces",
        ),
        0,
    )
    async with db.write() as session:
        counts["qualifications"] = await upsert(
            session,
            Qualification,
            ("code",),
            (
                {
                    "code": q["code"],
                    "domain_code": q["domain"],
                    "name": q["name"],
                    "asks_situation": q["asks_situation"],
                    "requires_residence_academy": q["requires_residence_academy"],
                }
                for q in data["qualifications"]
            ),
        )
        qualification_ids = {
            q.code: q.id for q in (await session.exec(select(Qualification))).all()
        }
        for q in data["qualifications"]:
            qid = qualification_ids[q["code"]]
            counts["spécialités"] += await upsert(
                session,
                Specialty,
                ("qualification_id", "code"),
                (
                    {"qualification_id": qid, "code": s["code"], "name": s["name"], "position": i}
                    for i, s in enumerate(q["specialties"])
                ),
            )
            counts["sessions"] += await upsert(
                session,
                Session,
                ("qualification_id", "year"),
                [{"qualification_id": qid, "year": year, "ends_on": date(year, 12, 31)}],
            )
            counts["services gestionnaires"] += await upsert(
                session,
                ManagingOffice,
                ("academy_code", "qualification_id"),
                (
                    {
                        "academy_code": o["academy"],
                        "qualification_id": qid,
                        "name": o["name"],
                        "phone": o["phone"],
                        "email": o["email"],
                        "postal_address": "\n".join(o["postal_address"]),
                    }
                    for o in q["offices"]
                ),
            )
            specialty_ids = {
                s.code: s.id
                for s in (
                    await session.exec(select(Specialty).where(Specialty.qualification_id == qid))
                ).all()
            }
            counts["épreuves"] += await upsert(
                session,
                Paper,
                ("qualification_id", "specialty_id", "code"),
                (
                    {
                        "qualification_id": qid,
                        # a paper of one specialty only (the DNL's language), else of all
                        "specialty_id": specialty_ids[p["specialty"]]
                        if p.get("specialty")
                        else None,
                        "code": p["code"],
                        "label": p["label"],
                        "kind": PaperKind(p["kind"]).value,
                        "choice_group": p.get("choice_group"),
                        "mode": p["mode"],
                        "position": i,
                    }
                    for i, p in enumerate(q["papers"])
                ),
            )
            session_id = (
                (
                    await session.exec(
                        select(Session).where(Session.qualification_id == qid, Session.year == year)
                    )
                )
                .one()
                .id
            )
            counts["périodes d'inscription"] += await upsert(
                session,
                OpeningPeriod,
                ("session_id", "specialty_id", "academy_code"),
                (
                    {
                        "session_id": session_id,
                        "specialty_id": specialty_ids[p["specialty"]],
                        "academy_code": p["academy"],
                        "opens_at": _relative(today, p["opens"]),
                        "closes_at": _relative(today, p["closes"]),
                    }
                    for p in q["periods"]
                ),
            )
        counts["annonces"] = await upsert(
            session,
            Announcement,
            ("message",),
            (
                {
                    "message": a["message"],
                    "shows_from": _relative(today, a["shows_from"]),
                    "shows_until": _relative(today, a["shows_until"]),
                }
                for a in data["announcements"]
            ),
        )
    return counts
