"""The demo pieces (data/demo/pieces.json), loaded by `portal demo load` after the demo catalog:
upserted by (session, académie, code), windows relative to the load day in Paris time."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import select

from portal.catalog.fixtures import demo_session_year, upsert
from portal.catalog.models import Qualification, Session
from portal.catalog.periods import PARIS, wall_to_utc
from portal.db import Database
from portal.pieces.models import DepositMode, Piece
from portal.settings import Settings


def _instant(today: date, offset: list[Any] | None) -> datetime | None:
    if offset is None:
        return None
    days, clock_time = offset
    return wall_to_utc(
        datetime.combine(today + timedelta(days=int(days)), time.fromisoformat(clock_time))
    )


async def load_demo_pieces(db: Database, settings: Settings, now: datetime) -> dict[str, int]:
    data = json.loads((settings.demo_dir / "pieces.json").read_text(encoding="utf-8"))
    today = now.astimezone(PARIS).date()
    year = demo_session_year(today)
    async with db.write() as session:
        sessions = {
            code: session_id
            for code, session_id in (
                await session.exec(
                    select(Qualification.code, Session.id)
                    .join(Session, Session.qualification_id == Qualification.id)
                    .where(Session.year == year)
                )
            ).all()
        }
        rows = [
            {
                "session_id": sessions[p["qualification"]],
                "academy_code": p["academy"],
                "specialty_id": None,
                "code": p["code"],
                "label": p["label"],
                "description": p["description"],
                "group_label": p["group"],
                "deposit_mode": DepositMode(p["mode"]).value,
                "opens_at": _instant(today, p["opens"]),
                "closes_at": _instant(today, p["closes"]),
                "formats": p["formats"],
                "max_bytes": p["max_bytes"],
                "max_files": p["max_files"],
                "required": p["required"],
                "position": i,
            }
            for i, p in enumerate(data["pieces"])
        ]
        written = await upsert(session, Piece, ("session_id", "academy_code", "code"), rows)
    return {"pièces justificatives": written}
