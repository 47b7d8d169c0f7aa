"""Issue 17, item 2: "Enregistrer" is limited per account, never per address. A burst of saves
from one account is cut with the shared French 429 (Retry-After, what to do), and nothing is
changed by a refused save; the limit is the account's own, so a school's single address does
not stop its other candidates."""

from __future__ import annotations

from dataclasses import replace
from html import unescape

import pytest
from sqlmodel import col, func, select

from portal.accounts.models import RateLimit
from portal.registrations.models import Registration
from tests.registrations.conftest import location
from tests.registrations.test_wizard import fill_certification, start

SAVE = {"action": "enregistrer"}


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """Two saves at once, then one a minute."""
    return replace(settings, rate_limit_burst=2, rate_limit_refill_seconds=60)


async def _registrations(app) -> int:  # type: ignore[no-untyped-def]
    async with app.state.db.read() as session:
        return (await session.exec(select(func.count()).select_from(Registration))).one()


async def test_a_burst_of_saves_from_one_account_is_cut_and_changes_nothing(
    logged_in_client, app, clock
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in_client
    base = await start(client, app)
    await fill_certification(client, base)
    saved = await client.submit(f"{base}/recapitulatif", SAVE)
    assert location(saved) == "/mes-inscriptions/001/numero"
    again = await client.submit(f"{base}/recapitulatif", SAVE)  # a double click: same number
    assert again.status_code in (200, 303)
    refused = await client.submit(f"{base}/recapitulatif", SAVE)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    text = unescape(refused.text)
    assert "Trop d'enregistrements en peu de temps" in text and "réessayez dans 1 minute" in text
    assert await _registrations(app) == 1
    # The bucket is the account's, not the address's.
    async with app.state.db.read() as session:
        keys = (
            await session.exec(select(RateLimit.key).where(col(RateLimit.key).like("save:%")))
        ).all()
    assert len(keys) == 1 and keys[0].startswith("save:account-")
    # A minute later a token is back.
    clock.advance(seconds=61)
    later = await client.submit(f"{base}/recapitulatif", SAVE)
    assert later.status_code != 429


async def test_moving_between_tabs_is_never_limited(logged_in_client, app) -> None:  # type: ignore[no-untyped-def]
    client = logged_in_client
    base = await start(client, app)
    for _ in range(6):
        response = await client.submit(f"{base}/identification", {"action": "suivant"})
        assert response.status_code != 429
