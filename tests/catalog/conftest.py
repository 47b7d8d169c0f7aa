"""Catalog helpers: the catalog's own loaders, run again by the tests that reload the demo."""

from __future__ import annotations

from portal.catalog.fixtures import load_demo_catalog, load_reference


async def load_catalog(db, settings, now):  # type: ignore[no-untyped-def]
    """Reference data and the demo catalog, by the same loaders as `portal demo load`."""
    counts = await load_reference(db, settings, now)
    counts.update(await load_demo_catalog(db, settings, now))
    return counts
