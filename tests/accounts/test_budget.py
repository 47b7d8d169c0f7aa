"""Page weight of the account pages: HTML ≤ 8 KB compressed, the inline-check fragment ≤ 2 KB."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import VALID, log_in, sign_up_and_activate
from tests.web.test_budget import FRAGMENT_BUDGET, PAGE_BUDGET, wire_size

PUBLIC = [
    "/compte/creer",
    "/compte/merci",
    "/connexion",
    "/compte/renvoyer-lien",
    "/mot-de-passe/oublie",
]
CANDIDATE = ["/espace", "/compte/modifier", "/formulaires"]


@pytest.mark.parametrize("path", PUBLIC)
async def test_public_account_pages_within_budget(client, path: str) -> None:  # type: ignore[no-untyped-def]
    size = await wire_size(client, path)
    assert 0 < size <= PAGE_BUDGET, f"{path}: {size} bytes compressed"


async def test_candidate_pages_and_error_states_within_budget(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    await log_in(client)
    for path in CANDIDATE:
        size = await wire_size(client, path)
        assert 0 < size <= PAGE_BUDGET, f"{path}: {size} bytes compressed"
    await client.submit("/deconnexion")
    # the sign-up form with every field in error is the heaviest page of this issue
    errors = await client.submit(
        "/compte/creer", {name: "" for name in VALID}, headers={"Accept-Encoding": "gzip"}
    )
    assert errors.num_bytes_downloaded <= PAGE_BUDGET, errors.num_bytes_downloaded


async def test_inline_check_fragment_within_budget(client) -> None:  # type: ignore[no-untyped-def]
    page = (await client.get("/compte/creer")).text
    # the country list is too long to come back on each change: it is checked on submit
    assert 'hx-post="/compte/verifier/birth_country' not in page
    for name in ("birth_department", "civility", "password"):
        response = await client.submit(
            f"/compte/verifier/{name}",
            {**VALID, name: "x"},
            headers={"HX-Request": "true", "Accept-Encoding": "gzip"},
        )
        assert response.num_bytes_downloaded <= FRAGMENT_BUDGET, (
            name,
            response.num_bytes_downloaded,
        )
