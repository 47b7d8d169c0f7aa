"""A password holding the person's own name, first name or email's local part is refused (case
and accents folded, name parts under 3 letters ignored), said next to the field; dates take only
ASCII digits. Through real HTTP: sign-up, "Modifier mon compte" (also once locked) and reset."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from portal.accounts.password_policy import Personal, personal_problem
from tests.accounts.conftest import (
    EMAIL,
    PASSWORD,
    field_error,
    log_in,
    mail_link,
    sign_up,
    sign_up_and_activate,
)
from tests.accounts.test_edit import LOCK_SENTENCE, add_registration, edit_values


def error(response, name: str) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(field_error(response.text, name) or "")


@pytest.mark.parametrize(
    ("overrides", "password", "why"),
    [
        # the case: Jean DUPONT, "Dupont.123!"
        (
            {"birth_name": "Dupont", "birth_name_confirmation": "DUPONT"},
            "Dupont.123!",
            "votre nom (« DUPONT »)",
        ),
        ({"first_names": "Hélène"}, "Ciel.HELENE9", "votre prénom (« Helene »)"),
        ({"usage_name": "Le Gall"}, "Ti.gall.2024", "votre nom (« GALL »)"),
        (
            {"email": "zorro73@example.fr", "email_confirmation": "zorro73@example.fr"},
            "Ab.ZORRO73x",
            "avant l'arobase (« zorro73 »)",
        ),
    ],
)
async def test_sign_up_refuses_a_password_holding_names_or_email(  # type: ignore[no-untyped-def]
    client, overrides, password, why
) -> None:
    response = await sign_up(client, **overrides, password=password, password_confirmation=password)
    assert response.status_code == 200
    message = error(response, "password")
    assert message.startswith("Le mot de passe ne doit pas contenir ") and why in message
    assert "trop facile à deviner" in message


def test_short_name_parts_are_ignored() -> None:
    personal = Personal(family_names=("LE GALL",), first_names="Yi")
    assert personal_problem("Lemon.Yield9", personal) is None
    assert personal_problem("Big.gall.9", personal) is not None


async def test_sign_up_refuses_arabic_indic_digits_in_the_birth_date(client) -> None:  # type: ignore[no-untyped-def]
    response = await sign_up(client, birth_date="٠١/٠١/٢٠٠٢", birth_date_confirmation="٠١/٠١/٢٠٠٢")
    assert response.status_code == 200
    assert "JJ/MM/AAAA" in error(response, "birth_date")


async def test_edit_refuses_names_in_the_new_password_and_foreign_digits(  # type: ignore[no-untyped-def]
    client, app, db, clock, mailbox
) -> None:
    await sign_up_and_activate(client, app, mailbox)
    await log_in(client)
    values = await edit_values(client)
    digits = await client.submit(
        "/compte/modifier",
        {**values, "birth_date": "٠١/٠١/٢٠٠٢", "birth_date_confirmation": "٠١/٠١/٢٠٠٢"},
    )
    assert "JJ/MM/AAAA" in error(digits, "birth_date")
    new = "Jean.Soleil9"
    named = await client.submit(
        "/compte/modifier",
        {**values, "password": new, "password_confirmation": new, "current_password": PASSWORD},
    )
    assert "votre prénom (« Jean »)" in error(named, "password")
    # once a registration locks the identity, the names are not posted: the account's count
    await add_registration(db, 1, clock())
    assert LOCK_SENTENCE in html.unescape((await client.get("/compte/modifier")).text)
    locked = await client.submit(
        "/compte/modifier",
        {
            "email": EMAIL,
            "email_confirmation": EMAIL,
            "password": "Ma.talu.2024",
            "password_confirmation": "Ma.talu.2024",
            "current_password": PASSWORD,
        },
    )
    assert "votre nom (« TALU »)" in error(locked, "password")


async def test_reset_refuses_a_password_holding_the_accounts_names(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    await client.get("/mot-de-passe/oublie")
    await client.submit("/mot-de-passe/oublie", {"email": EMAIL})
    link = await mail_link(app, mailbox, EMAIL, count=2, path="/mot-de-passe/reinitialiser/")
    await client.get(link)
    refused = await client.submit(
        link, {"password": "Jean_Talu.9", "password_confirmation": "Jean_Talu.9"}
    )
    assert refused.status_code == 200
    assert "Le mot de passe ne doit pas contenir" in error(refused, "password")
    accepted = await client.submit(
        link, {"password": "Vent.Du.Large9", "password_confirmation": "Vent.Du.Large9"}
    )
    assert accepted.status_code == 303


def test_the_documented_demo_password_follows_the_rule_it_shows() -> None:
    from portal.accounts.fixtures import DEMO_EMAIL, DEMO_PASSWORD, activated_account
    from portal.accounts.password_policy import Personal, password_problem, personal_problem
    from portal.settings import Settings

    demo = activated_account(DEMO_EMAIL, "x", datetime(2026, 1, 1, tzinfo=UTC))
    personal = Personal((demo.birth_name,), demo.first_names, DEMO_EMAIL)
    assert personal_problem(DEMO_PASSWORD, personal) is None
    assert password_problem(DEMO_PASSWORD, Settings.from_env({}, secret_key="x" * 40)) is None
    assert personal_problem("Demo.Talu!62", personal) is not None  # the old one held the name
