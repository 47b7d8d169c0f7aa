"""The places in the wizard (issue 15): "Localité" among the communes of the postal code, the BIA
rule from the commune at the Identification tab, the workplace's locality within its département
and the real lycées in the establishment search. Plain forms, as without JavaScript."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import select

from portal.registrations.models import RegistrationDraft
from tests.conftest import field_error
from tests.registrations.conftest import IDENTIFICATION, SITUATION, location, log_in
from tests.registrations.test_wizard import start, submit_as_shown

ADDRESS = {k: v for k, v in IDENTIFICATION.items() if k != "locality"}


async def draft_data(app) -> dict:  # type: ignore[no-untyped-def, type-arg]
    async with app.state.db.read() as session:
        return (await session.exec(select(RegistrationDraft))).one().data


async def test_78270_offers_blaru_with_the_form(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    page = unescape((await client.get(f"{base}/identification")).text)
    assert "Saisissez le code postal : les communes de ce code vous seront proposées." in page

    # The helpers' fragments are never pushed into the address bar: their fieldset says so for
    # every lookup inside it (htmx inherits it), and none says otherwise.
    def never_pushed(html: str, *names: str) -> None:
        fieldset = r'<fieldset[^>]*data-hx-push-url="false"[^>]*>.*?</fieldset>'
        address = re.search(fieldset, html, re.S)
        assert address, "the address fieldset does not forbid pushing"
        for name in names:
            tag = re.search(rf'<[^>]+name="{name}"[^>]*>', address.group(0))
            assert tag and "data-hx-get" in tag.group(0) and "push-url" not in tag.group(0), name

    never_pushed(page, "postal_code", "address_country")
    # Without JavaScript: the button brings the list back with the form, nothing lost.
    shown = await client.submit(f"{base}/identification", {**ADDRESS, "action": "actualiser"})
    html = unescape(shown.text)
    never_pushed(html, "commune")
    assert '<option value="78068">78270-BLARU</option>' in html
    assert 'value="Rue de la pluie"' in html
    # Suivant without choosing: asked to choose, the list still there.
    unchosen = await client.submit(f"{base}/identification", ADDRESS)
    html = unescape(unchosen.text)
    assert field_error(html, "commune") == (
        "Choisissez votre localité parmi les communes du code postal 78270."
    )
    assert '<option value="78068">78270-BLARU</option>' in html
    chosen = await client.submit(f"{base}/identification", {**ADDRESS, "commune": "78068"})
    assert location(chosen).endswith("/qualification")
    clean = (await draft_data(app))["clean"]["identification"]
    assert (clean["commune"], clean["locality"], clean["postal_code"]) == (
        "78068",
        "BLARU",
        "78270",
    )
    again = unescape((await client.get(f"{base}/identification")).text)
    assert '<option value="78068" selected>78270-BLARU</option>' in again


async def test_an_unknown_postal_code_is_refused_next_to_the_field(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    response = await client.submit(
        f"{base}/identification", {**ADDRESS, "postal_code": "78999", "locality": "Blaru"}
    )
    html = unescape(response.text)
    assert field_error(html, "postal_code") == (
        "Le code postal 78999 ne correspond à aucune commune : vérifiez-le."
    )
    assert 'value="Blaru"' in html  # what was typed is kept
    # Abroad, the locality stays free text.
    abroad = await client.submit(
        f"{base}/identification",
        {**ADDRESS, "address_country": "131", "postal_code": "1000", "locality": "Bruxelles"},
    )
    assert location(abroad).endswith("/qualification")


async def test_riboux_is_in_nice_and_cuges_les_pins_in_aix_marseille(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    riboux = await client.submit(
        f"{base}/identification", {**ADDRESS, "postal_code": "13780", "commune": "83105"}
    )
    problem = field_error(unescape(riboux.text), "commune")
    assert problem is not None
    assert "13780-RIBOUX (083 - VAR) relève de l'ACADÉMIE DE NICE" in problem
    assert "et non de l'ACADÉMIE DE VERSAILLES" in problem
    cuges = await client.submit(
        f"{base}/identification", {**ADDRESS, "postal_code": "13780", "commune": "13030"}
    )
    problem = field_error(unescape(cuges.text), "commune")
    assert problem is not None and "relève de l'ACADÉMIE D'AIX-MARSEILLE" in problem
    # Blaru is in Versailles: the tab is complete.
    blaru = await client.submit(f"{base}/identification", {**ADDRESS, "commune": "78068"})
    assert location(blaru).endswith("/qualification")


async def test_the_workplace_locality_and_a_real_lycee(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await client.submit(f"{base}/identification", {**ADDRESS, "commune": "78068"})
    assert location(await submit_as_shown(client, base, "qualification")).endswith("/situation")
    situation = {**SITUATION, "work_locality": "Versailles", "establishment": ""}
    # A real lycée found by its UAI in its département, marked with its source.
    found = await client.submit(
        f"{base}/situation",
        {**situation, "establishment_query": "0782562l", "action": "rechercher"},
    )
    html = unescape(found.text)
    assert "LYCEE HOCHE (0782562L) - 78000 VERSAILLES - source : annuaire des lycées" in html
    sample = await client.submit(
        f"{base}/situation",
        {**situation, "establishment_query": "0783371R", "action": "rechercher"},
    )
    assert "source : écoles et services du portail" in unescape(sample.text)
    # A locality not in the département: refused, with communes to choose from.
    wrong = await client.submit(
        f"{base}/situation", {**situation, "work_locality": "Brest", "establishment": "0782562L"}
    )
    assert field_error(unescape(wrong.text), "work_locality").startswith(  # type: ignore[union-attr]
        "Aucune commune de ce département ne correspond"
    )
    moved = await client.submit(f"{base}/situation", {**situation, "establishment": "0782562L"})
    assert location(moved).endswith("/epreuves")
    clean = (await draft_data(app))["clean"]["situation"]
    assert (clean["work_locality"], clean["establishment"]) == ("78000-VERSAILLES", "0782562L")


async def test_the_longest_commune_list_keeps_the_tab_within_budget(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    from tests.registrations.test_pages import PAGE_BUDGET, compressed

    await log_in(client)
    base = await start(client, app)
    shown = await client.submit(
        f"{base}/identification", {**ADDRESS, "postal_code": "51300", "action": "actualiser"}
    )
    assert unescape(shown.text).count('">51300-') == 46
    assert compressed(shown.content) <= PAGE_BUDGET, compressed(shown.content)
