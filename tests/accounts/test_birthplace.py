"""Commune de naissance (issue 15, 3): looked up among the communes of the chosen département,
suggested as the candidate types, and a commune not found (merged or renamed since) accepted once
the candidate confirms it: never a dead end."""

from __future__ import annotations

from html import unescape

from sqlmodel import select

from portal.accounts.forms import BIRTH_CITY_NOT_FOUND
from portal.accounts.models import Account
from tests.accounts.conftest import sign_up
from tests.conftest import field_error


async def test_a_commune_of_the_department_is_accepted(client, app, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    response = await sign_up(client, birth_department="062", birth_city="beuvry")
    assert response.status_code == 303
    async with db.read() as session:
        account = (await session.exec(select(Account))).one()
    assert (account.birth_department_code, account.birth_city) == ("062", "BEUVRY")


async def test_a_commune_not_found_asks_to_check_then_can_be_confirmed(
    client, app, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    # Beuvry is in the Pas-de-Calais, not in the Nord.
    refused = await sign_up(client, birth_department="059", birth_city="Beuvry")
    assert refused.status_code == 200
    page = unescape(refused.text)
    assert field_error(page, "birth_city") == BIRTH_CITY_NOT_FOUND
    assert "vérifiez l'orthographe" in BIRTH_CITY_NOT_FOUND
    # What was typed is kept, the box to confirm it is there, and names of the Nord beginning
    # the same way are suggested (Beuvry-la-Forêt).
    assert 'name="birth_city" value="Beuvry"' in page
    assert (
        '<input type="checkbox" id="champ-birth-city-confirmed" name="birth_city_confirmed" value="BEUVRY">'
        in page
    )
    assert '<option value="BEUVRY-LA-FORET"></option>' in page
    async with db.read() as session:
        assert (await session.exec(select(Account))).all() == []
    # Confirming another name than the one typed does not count.
    again = await sign_up(
        client, birth_department="059", birth_city="Beuvryy", birth_city_confirmed="BEUVRY"
    )
    assert field_error(unescape(again.text), "birth_city") == BIRTH_CITY_NOT_FOUND
    # A commune merged since (Bellegarde-sur-Valserine, 01, part of Valserine since 2019): not in
    # today's list, so asked about, then accepted as typed once confirmed.
    merged = await sign_up(client, birth_department="001", birth_city="Bellegarde-sur-Valserine")
    assert field_error(unescape(merged.text), "birth_city") == BIRTH_CITY_NOT_FOUND
    confirmed = await sign_up(
        client,
        birth_department="001",
        birth_city="Bellegarde-sur-Valserine",
        birth_city_confirmed="BELLEGARDE-SUR-VALSERINE",
    )
    assert confirmed.status_code == 303, field_error(unescape(confirmed.text), "birth_city")
    async with db.read() as session:
        account = (await session.exec(select(Account))).one()
    assert account.birth_city == "BELLEGARDE-SUR-VALSERINE"


async def test_born_abroad_or_in_a_com_the_commune_is_not_looked_up(
    client, app, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    abroad = await sign_up(client, birth_country="131", birth_department="", birth_city="Bruxelles")
    assert abroad.status_code == 303
    gustavia = await sign_up(
        client,
        email="autre@example.fr",
        email_confirmation="autre@example.fr",
        birth_department="977",
        birth_city="Gustavia",
    )
    assert gustavia.status_code == 303


async def test_the_inline_check_and_the_suggestions(client, app) -> None:  # type: ignore[no-untyped-def]
    await client.get("/compte/creer")
    checked = await client.post(
        "/compte/verifier/birth_city?formulaire=creer",
        data={"birth_country": "100", "birth_department": "059", "birth_city": "Beuvry"},
        headers={"HX-Request": "true", "x-csrftoken": client.csrf_token()},
    )
    fragment = unescape(checked.text)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div class="birthplace">')
    assert BIRTH_CITY_NOT_FOUND in fragment and 'name="birth_city_confirmed"' in fragment
    # Suggestions while typing: the options of the <datalist>, never pushed, and a whole page
    # when the same address is loaded directly.
    suggested = await client.htmx_get(
        "/communes/naissance", params={"birth_department": "062", "birth_city": "beu"}
    )
    assert suggested.status_code == 200 and "HX-Request" in suggested.headers["vary"]
    assert '<option value="BEUVRY"></option>' in suggested.text
    assert "<html" not in suggested.text and "hx-push-url" not in suggested.headers
    page = await client.get(
        "/communes/naissance", params={"birth_department": "062", "birth_city": "beu"}
    )
    assert "<html" in page.text and "<title>" in page.text and "<li>BEUVRY</li>" in page.text
