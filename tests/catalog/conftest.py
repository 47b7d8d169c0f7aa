"""Catalog fixtures: the real demo catalog loaded through the real loaders, and a logged-in client."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Request, post
from litestar.params import FromPath

from portal.catalog.fixtures import load_demo_catalog, load_reference
from portal.web.sessions import get_session


@post("/_test/login/{account_id:int}")
async def login(request: Request, account_id: FromPath[int]) -> str:
    get_session(request).login(account_id)
    return "ok"


@pytest.fixture
def extra_routes() -> list[Any]:
    return [login]


@pytest.fixture
async def demo(db, settings, clock):  # type: ignore[no-untyped-def]
    """Reference data and the demo catalog, loaded at the test clock's instant by the same loaders
    as `portal demo load` (only the catalog's: other domains' loaders are theirs to test)."""
    return await load_catalog(db, settings, clock())


async def load_catalog(db, settings, now):  # type: ignore[no-untyped-def]
    counts = await load_reference(db, settings, now)
    counts.update(await load_demo_catalog(db, settings, now))
    return counts


@pytest.fixture
async def candidate(client):  # type: ignore[no-untyped-def]
    """The client, logged in (the guard only asks the session for an account id)."""
    response = await client.submit("/_test/login/7")
    assert response.status_code == 201
    return client
