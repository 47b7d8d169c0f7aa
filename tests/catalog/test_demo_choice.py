"""The demo catalog exercises the third kind of paper: for CCPE1D `DNL-AV`, a paper "au choix"
(group "Langue de l'entretien"). Through the wizard over HTTP: the papers tab shows the group as
radios, refuses to go on without a choice, and the choice reaches the Récapitulatif."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import field_error
from tests.registrations.conftest import IDENTIFICATION, SITUATION, location, log_in
from tests.registrations.test_wizard import start, submit_as_shown

GROUP = "Langue de l'entretien"
FIELD = "choice_langue-de-l-entretien"


async def test_the_dnl_papers_tab_asks_one_language_and_keeps_it(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app, specialty="DNL-AV")
    assert location(await client.submit(f"{base}/identification", IDENTIFICATION)).endswith(
        "/qualification"
    )
    assert location(await submit_as_shown(client, base, "qualification")).endswith("/situation")
    assert location(await client.submit(f"{base}/situation", SITUATION)).endswith("/epreuves")
    page = unescape((await client.get(f"{base}/epreuves")).text)
    assert GROUP in page
    # one radio per language: <input type="radio" name=... value=id ...> then its label
    radios = {
        label.strip(): value
        for value, label in re.findall(
            rf'name="{FIELD}"[^>]*value="(\d+)".*?<label[^>]*>([^<]*)</label>', page, re.S
        )
    }
    assert len(radios) == 3, page[page.find(GROUP) - 200 : page.find(GROUP) + 1500]
    german = next(value for label, value in radios.items() if "allemand" in label)
    refused = await submit_as_shown(client, base, "epreuves")
    assert refused.status_code == 200
    assert unescape(field_error(refused.text, FIELD) or "") == f"Choisissez une épreuve : {GROUP}."
    chosen = await submit_as_shown(client, base, "epreuves", **{FIELD: german})
    assert location(chosen).endswith("/recapitulatif")
    recap = unescape((await client.get(f"{base}/recapitulatif")).text)
    assert "022 - Entretien en allemand" in recap and "Entretien en anglais" not in recap
    saved = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    assert location(saved) == "/mes-inscriptions/001/numero"


async def test_the_other_specialties_have_no_choice(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app, specialty="ACA")
    await client.submit(f"{base}/identification", IDENTIFICATION)
    await submit_as_shown(client, base, "qualification")
    await client.submit(f"{base}/situation", SITUATION)
    page = unescape((await client.get(f"{base}/epreuves")).text)
    assert "010 - EPREUVE 1" in page or "EPREUVE 1" in page
    assert GROUP not in page and FIELD not in page
