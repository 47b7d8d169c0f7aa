"""Page-weight budgets for slow phone connections (bytes on the wire, deterministic).

A first visit (HTML + CSS + JS, compressed) ≤ 30 KB; any page's HTML ≤ 8 KB compressed; any htmx
fragment ≤ 2 KB compressed. Every page of every later issue joins PAGES (or its own domain test).
"""

from __future__ import annotations

import re

import pytest

FIRST_VISIT_BUDGET = 30 * 1024
PAGE_BUDGET = 8 * 1024
FRAGMENT_BUDGET = 2 * 1024

PAGES = [
    "/",
    "/accessibilite",
    "/mentions-legales",
    "/donnees-personnelles",
    "/page-inconnue",
    "/ouverture-des-services",  # with the demo catalog: tests/catalog/test_budget.py
]


async def wire_size(client, path: str, **headers: str) -> int:  # type: ignore[no-untyped-def]
    """Bytes of the body as sent, when the browser accepts gzip."""
    response = await client.get(path, headers={"Accept-Encoding": "gzip", **headers})
    assert response.status_code in (200, 404), path
    # Unrouted 404s skip the compression middleware; they stay small and are budgeted all the same.
    if response.status_code == 200 and len(response.content) > 256:
        assert response.headers.get("content-encoding") == "gzip", path
    return response.num_bytes_downloaded


@pytest.mark.parametrize("path", PAGES)
async def test_page_html_within_budget(client, path: str) -> None:  # type: ignore[no-untyped-def]
    size = await wire_size(client, path)
    assert 0 < size <= PAGE_BUDGET, f"{path}: {size} bytes compressed"


async def test_first_visit_within_budget(client) -> None:  # type: ignore[no-untyped-def]
    page = await client.get("/")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert any(a.endswith(".css") or ".css?" in a for a in assets)
    assert any(".js?" in a for a in assets)
    total = await wire_size(client, "/")
    for asset in assets:
        total += await wire_size(client, asset)
    assert total <= FIRST_VISIT_BUDGET, f"first visit: {total} bytes compressed"


async def test_compression_is_real(client) -> None:  # type: ignore[no-untyped-def]
    plain = await client.get(
        "/static/js/htmx-2.0.11.min.js", headers={"Accept-Encoding": "identity"}
    )
    compressed = await wire_size(client, "/static/js/htmx-2.0.11.min.js")
    assert compressed < len(plain.content) / 2
