"""A saved registration made with the wizard's own objects, without HTTP: the draft with its
answers, then the saving transaction with the composition's hooks (the summary document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.catalog.models import OpeningPeriod
from portal.composition import ON_REGISTRATION_SAVED
from portal.db import Database
from portal.registrations import drafts, saving, summary
from portal.registrations.models import Registration


async def save_registration(
    db: Database, account_id: int, period: OpeningPeriod, clean: dict[str, Any], now: datetime
) -> Registration:
    draft = await drafts.open_new_draft(db, account_id, period, now)
    await drafts.write(db, draft, {"clean": clean, "raw": {}}, now)
    async with db.read() as session:
        loaded = await drafts.load(session, account_id, draft.key, now)
    assert loaded is not None
    return await saving.save(
        db,
        loaded.draft,
        period_id=loaded.wizard.period.id,
        record=loaded.wizard.record(),
        summary=summary.build(loaded.wizard),
        now=now,
        on_saved=ON_REGISTRATION_SAVED,
    )
