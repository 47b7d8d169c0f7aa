"""Reference and demo data, loaded by `portal demo load` (and reference data by `serve`).

The loaders are listed in ``portal.composition``; each is idempotent (upserts by natural key),
so running them again updates the data instead of duplicating it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.composition import DEMO_LOADERS, REFERENCE_LOADERS
from portal.db import Database
from portal.settings import Settings


async def load(db: Database, settings: Settings, now: datetime, *, demo: bool) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for loader in [*REFERENCE_LOADERS, *(DEMO_LOADERS if demo else [])]:
        counts.update(await loader(db, settings, now))
    return counts
