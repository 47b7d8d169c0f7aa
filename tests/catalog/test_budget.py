"""Page weight of the catalog with the demo catalog loaded: pages ≤ 8 KB and fragments ≤ 2 KB
compressed, in every selector state (the budgets of tests/web/test_budget.py)."""

from __future__ import annotations

import pytest

from portal.catalog import service
from tests.web.test_budget import FRAGMENT_BUDGET, PAGE_BUDGET, wire_size

STATES = [
    "",
    "?domaine=G01",
    "?domaine=G02",
    "?domaine=G01&qualification=BIA",
    "?domaine=G02&qualification=CCPE1D",
    "?domaine=G02&qualification=CCPE1D&specialite=ACA",
    "?domaine=G02&qualification=CCPE1D&specialite=ACA&academie=versailles",
    "?domaine=G01&qualification=BIA&academie=rennes",
    "?domaine=G99",
]


@pytest.mark.parametrize("base", ["/ouverture-des-services", "/m-inscrire"])
@pytest.mark.parametrize("query", STATES)
async def test_selector_pages_and_fragments_within_budget(
    logged_in_client, demo, base: str, query: str
) -> None:  # type: ignore[no-untyped-def]
    page = await wire_size(logged_in_client, base + query)
    assert 0 < page <= PAGE_BUDGET, f"{base}{query}: {page} bytes compressed"
    fragment = await wire_size(logged_in_client, base + query, **{"HX-Request": "true"})
    assert 0 < fragment <= FRAGMENT_BUDGET, f"{base}{query} fragment: {fragment} bytes compressed"


async def test_other_catalog_pages_within_budget(logged_in_client, db, demo) -> None:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        views = await service.find_periods(session, qualification_code="BIA")
    closed = next(v for v in views if v.academy.code == "rennes")
    for path in ("/", f"/m-inscrire/periode/{closed.id}"):
        size = await wire_size(logged_in_client, path)
        assert 0 < size <= PAGE_BUDGET, f"{path}: {size} bytes compressed"
