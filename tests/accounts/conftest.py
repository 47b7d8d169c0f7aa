"""Account tests: the app's SMTP points at the session's real aiosmtpd server, reference data
(countries, départements) is in every test's database, and helpers drive the journeys through
real HTTP."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from portal.mail.sender import deliver_pending
from portal.settings import Settings
from tests._support.candidates import EMAIL, PASSWORD, log_in  # noqa: F401 (re-exported)
from tests.conftest import Client, Mailbox, field_error  # noqa: F401 (re-exported)

VALID: dict[str, str] = {
    "civility": "M",
    "birth_name": "Talu",
    "birth_name_confirmation": "TALU",
    "usage_name": "",
    "first_names": "Jean",
    "birth_country": "100",
    "birth_date": "01/01/2002",
    "birth_date_confirmation": "01/01/2002",
    "birth_department": "062",
    "birth_city": "Beuvry",
    "email": "Jean_Talu@ac-rennes.fr",
    "email_confirmation": "jean_talu@ac-rennes.fr",
    "password": PASSWORD,
    "password_confirmation": PASSWORD,
}


@pytest.fixture
def settings(settings: Settings, smtp_server: Mailbox) -> Settings:
    return dataclasses.replace(settings, smtp_host=smtp_server.host, smtp_port=smtp_server.port)


@pytest.fixture(autouse=True)
def with_reference(reference) -> None:  # type: ignore[no-untyped-def]
    """Every account test starts with the reference data (the shared ``reference`` fixture)."""


async def deliver(app) -> int:  # type: ignore[no-untyped-def]
    """Run the background sender once, as the periodic job would."""
    state = app.state
    return await deliver_pending(state.db, state.settings, state.clock())


async def sign_up(client, **overrides: str):  # type: ignore[no-untyped-def]
    await client.get("/compte/creer")
    return await client.submit("/compte/creer", {**VALID, **overrides})


async def mail_link(app, mailbox: Mailbox, address: str, count: int = 1, path: str = "") -> str:  # type: ignore[no-untyped-def]
    await deliver(app)
    messages = await mailbox.wait_for(address, count=count)
    links = [link for link in Mailbox.links(messages[count - 1]) if path in link]
    assert links, Mailbox.text(messages[count - 1])
    return links[0]


async def sign_up_and_activate(client, app, mailbox: Mailbox, **overrides: str) -> str:  # type: ignore[no-untyped-def]
    response = await sign_up(client, **overrides)
    assert response.status_code == 303, response.text
    email = overrides.get("email", EMAIL).lower()
    link = await mail_link(app, mailbox, email, path="/compte/activer/")
    activated = await client.get(link)
    assert activated.status_code == 303
    return email


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


def values(form: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in form.items()}
