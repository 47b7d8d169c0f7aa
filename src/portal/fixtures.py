"""Reference and demo data loaders, run by `portal demo load` (and reference data by `serve`).

Each domain registers its loaders here. Loaders are idempotent: they upsert by natural key, so
running them again updates the data instead of duplicating it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from portal.db import Database
from portal.settings import Settings

Loader = Callable[[Database, Settings, datetime], Awaitable[dict[str, int]]]
REFERENCE_LOADERS: list[Loader] = []
DEMO_LOADERS: list[Loader] = []


def _register_domains() -> None:
    """Import the domains that contribute loaders (they append themselves on import)."""
    import importlib

    for module in ("portal.catalog.fixtures", "portal.accounts.fixtures"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise


async def load(db: Database, settings: Settings, now: datetime, *, demo: bool) -> dict[str, Any]:
    _register_domains()
    counts: dict[str, Any] = {}
    for loader in [*REFERENCE_LOADERS, *(DEMO_LOADERS if demo else [])]:
        counts.update(await loader(db, settings, now))
    return counts
