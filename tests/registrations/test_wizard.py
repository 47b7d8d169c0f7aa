"""The wizard over HTTP: every tab, its validation in French, drafts, saving, numbers."""

from __future__ import annotations

from html import unescape

from sqlmodel import select

from portal.registrations.models import Registration, RegistrationDraft, RegistrationVersion
from tests.conftest import field_error
from tests.registrations.conftest import (
    IDENTIFICATION,
    SITUATION,
    form_values,
    location,
    log_in,
    period_id,
)


async def start(client, app, qualification="CCPE1D", academy="versailles", specialty="ACA") -> str:  # type: ignore[no-untyped-def]
    pid = await period_id(app.state.db, qualification, academy, specialty)
    response = await client.submit(f"/inscriptions/nouvelle/{pid}")
    url = location(response)
    assert url.startswith("/inscriptions/brouillon/"), url
    return url.rsplit("/", 1)[0]  # /inscriptions/brouillon/<key>


async def fill_certification(client, base: str) -> None:  # type: ignore[no-untyped-def]
    assert location(await client.submit(f"{base}/identification", IDENTIFICATION)).endswith(
        "/qualification"
    )
    assert location(await submit_as_shown(client, base, "qualification")).endswith("/situation")
    assert location(await client.submit(f"{base}/situation", SITUATION)).endswith("/epreuves")
    assert location(await submit_as_shown(client, base, "epreuves")).endswith("/recapitulatif")


async def submit_as_shown(client, base: str, step: str, **changes: str):  # type: ignore[no-untyped-def]
    """Press Suivant on a tab without changing what it shows (plus ``changes``)."""
    page = await client.get(f"{base}/{step}")
    assert page.status_code == 200, unescape(page.text)[:500]
    return await client.submit(f"{base}/{step}", {**form_values(unescape(page.text)), **changes})


async def test_start_requires_login(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    pid = await period_id(app.state.db, "CCPE1D", "versailles", "ACA")
    response = await client.get(f"/inscriptions/nouvelle/{pid}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/connexion?suivant=")


async def test_full_journey_to_number(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    page = await client.get(f"{base}/identification")
    html = unescape(page.text)
    assert "1 - Identification" in html and 'aria-current="step"' in html
    assert "TALU" in html and "readonly" in html  # the account's data, greyed
    assert "Modifier mon compte" in html
    assert "loi informatique et libertés" in html
    for label in ("Précédent", "Suivant", "Enregistrer", "Visualiser/imprimer", "Quitter"):
        assert label in html
    await fill_certification(client, base)
    recap = unescape((await client.get(f"{base}/recapitulatif")).text)
    assert "Attention ! A ce stade, la candidature n'est pas encore enregistrée" in recap
    for text in (
        "CERTIFICATION COMPLEMENTAIRE PERSONNELS ENSEIGNANTS DU 1ER DEGRE",
        "ARTS CINEMA et AUDIOVISUEL",
        "Rue de la pluie",
        "78270 BLARU",
        "0123456789",
        "AGENT CONTRACTUEL 1ER DEGRE",
        "Titulaire",
        "Activité",
        "ETABLISSEMENT PENITENTIAIRE (0783371R)",
        "78000-VERSAILLES (078)",
        "010 - EPREUVE 1",
        "Orale",
        "Français",
    ):
        assert text in recap, text
    saved = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    number_url = location(saved)
    assert number_url == "/mes-inscriptions/001/numero"
    page = unescape((await client.get(number_url)).text)
    assert "Votre inscription a bien été prise en compte le" in page
    assert "Votre numéro d'inscription : <strong>001</strong>" in page
    assert "fermeture du service fixée le" in page
    assert "Récapitulatif d'inscription" in page  # G02's document
    async with app.state.db.read() as session:
        registration = (await session.exec(select(Registration))).one()
        versions = (await session.exec(select(RegistrationVersion))).all()
        drafts = (await session.exec(select(RegistrationDraft))).all()
    assert registration.registration_number == "001" and registration.version == 1
    assert [v.version for v in versions] == [1]
    assert drafts == []
    assert registration.establishment_uai == "0783371R"


async def test_identification_errors_are_french_and_keep_input(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    bad = {
        **IDENTIFICATION,
        "address1": "",
        "postal_code": "7827",
        "nationality": "",
        "phone": "12",
        "locality": "Blaru",
    }
    response = await client.submit(f"{base}/identification", bad)
    assert response.status_code == 200
    html = unescape(response.text)
    assert "<title>Erreur : " in html
    assert 'class="error-summary"' in html
    assert field_error(html, "address1") == "Saisissez votre adresse (numéro et voie)."
    assert field_error(html, "postal_code") == (
        "Le code postal doit comporter 5 chiffres, par exemple 78270."
    )
    assert field_error(html, "nationality") == "Choisissez votre nationalité."
    assert "Le numéro de téléphone doit comporter 10 chiffres" in field_error(html, "phone")
    assert 'value="Blaru"' in html  # nothing typed is lost
    # The tab is not complete: later tabs send back to it.
    assert location(await client.get(f"{base}/epreuves")).endswith("/identification")


async def test_unknown_postal_code_and_long_address(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    response = await client.submit(
        f"{base}/identification",
        {**IDENTIFICATION, "postal_code": "00000", "address2": "x" * 39},
    )
    assert field_error(unescape(response.text), "postal_code") == (
        "Le code postal 00000 ne correspond à aucun département."
    )
    assert field_error(unescape(response.text), "address2") == (
        "L'adresse 2 ne doit pas dépasser 38 caractères."
    )


async def test_situation_rules(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    await submit_as_shown(client, base, "qualification")
    response = await client.submit(
        f"{base}/situation",
        {**SITUATION, "corps": "", "establishment": "0130001F", "work_locality": ""},
    )
    html = unescape(response.text)
    assert field_error(html, "corps") == "Choisissez votre corps."
    assert field_error(html, "work_locality") == "Saisissez la localité de votre lieu d'exercice."
    assert "Cet établissement n'est pas dans le département choisi" in html


async def test_establishment_search_without_javascript(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    await submit_as_shown(client, base, "qualification")
    values = {**SITUATION, "establishment": "", "establishment_query": "hoche versailles"}
    response = await client.submit(f"{base}/situation", {**values, "action": "rechercher"})
    assert response.status_code == 200
    assert "HOCHE" in unescape(response.text) and 'name="establishment"' in unescape(response.text)
    assert (
        field_error(unescape(response.text), "establishment") is None
    )  # a search is not a judgement
    by_uai = await client.submit(
        f"{base}/situation", {**values, "establishment_query": "0783371r", "action": "rechercher"}
    )
    assert "0783371R" in unescape(by_uai.text)
    nothing = await client.submit(
        f"{base}/situation", {**values, "establishment_query": "zzzz", "action": "rechercher"}
    )
    assert "Aucun établissement ne correspond à votre recherche" in unescape(nothing.text)


async def test_establishment_suggestions_fragment(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    response = await client.htmx_get(
        f"{base}/etablissements?work_department=078&establishment_query=lycee%20hoche"
    )
    assert response.status_code == 200
    assert "<html" not in unescape(response.text) and "HOCHE" in unescape(response.text)
    assert len(response.content) < 2048


async def test_specialties_follow_the_qualification(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    response = await client.htmx_get(f"{base}/secteurs?qualification=999999")
    assert "Choisissez d'abord la certification" in unescape(response.text)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    refused = await client.submit(f"{base}/qualification", {"qualification": "1", "period": "x"})
    assert refused.status_code == 200
    assert field_error(unescape(refused.text), "qualification") or field_error(
        unescape(refused.text), "period"
    )


async def test_quit_keeps_the_draft_and_coming_back_resumes(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    typed = {**SITUATION, "work_locality": "78000-VERSAILLES", "corps": ""}
    await submit_as_shown(client, base, "qualification")
    quit_response = await client.submit(f"{base}/situation", {**typed, "action": "quitter"})
    assert location(quit_response) == "/mes-inscriptions"
    listing = unescape((await client.get("/mes-inscriptions")).text)
    assert "Reprendre mon inscription" in listing
    # log out and back in: the draft is attached to the account, not to the session
    await client.submit("/deconnexion")
    await log_in(client)
    again = await start(client, app)
    assert again == base
    page = unescape((await client.get(f"{base}/situation")).text)
    assert 'value="78000-VERSAILLES"' in page


async def test_previous_keeps_what_was_typed(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    response = await client.submit(
        f"{base}/qualification", {"action": "precedent", "qualification": "", "period": ""}
    )
    assert location(response).endswith("/identification")
    page = unescape((await client.get(f"{base}/identification")).text)
    assert 'value="Rue de la pluie"' in page


async def test_double_click_creates_exactly_one_registration(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    first = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    second = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    assert location(first) == "/mes-inscriptions/001/numero"
    assert location(second) == "/mes-inscriptions/001"  # the replay finds what the first made
    async with app.state.db.read() as session:
        assert len((await session.exec(select(Registration))).all()) == 1


async def test_extra_fields_are_ignored(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    forged = {
        "action": "enregistrer",
        "registration_number": "999",
        "version": "7",
        "account_id": "42",
        "withdrawn_at": "2020-01-01",
        "candidate_number": "00000000000",
    }
    assert location(await client.submit(f"{base}/recapitulatif", forged)).endswith("/001/numero")
    async with app.state.db.read() as session:
        registration = (await session.exec(select(Registration))).one()
    assert registration.registration_number == "001"
    assert registration.version == 1 and registration.withdrawn_at is None


async def test_modification_makes_version_02(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    modify = location(await client.submit("/mes-inscriptions/001/modifier"))
    assert modify.endswith("/identification")
    mbase = modify.rsplit("/", 1)[0]
    page = unescape((await client.get(modify)).text)
    assert 'value="Rue de la pluie"' in page  # prefilled
    await client.submit(f"{mbase}/identification", {**IDENTIFICATION, "address1": "Rue du soleil"})
    recap = unescape((await client.get(f"{mbase}/recapitulatif")).text)
    assert "Rue du soleil" in recap
    saved = await client.submit(f"{mbase}/recapitulatif", {"action": "enregistrer"})
    assert location(saved) == "/mes-inscriptions/001/numero"
    number = unescape((await client.get("/mes-inscriptions/001/numero")).text)
    assert "Version : <strong>02</strong>" in number
    assert "Votre modification a bien été prise en compte" in number
    listing = unescape((await client.get("/mes-inscriptions")).text)
    assert "Version 02" in listing


async def test_second_tab_save_is_refused_and_nothing_lost(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    mbase = location(await client.submit("/mes-inscriptions/001/modifier")).rsplit("/", 1)[0]
    # Tab A and tab B both show the identification tab; A saves first.
    await client.submit(f"{mbase}/identification", {**IDENTIFICATION, "address1": "Rue A"})
    assert location(await client.submit(f"{mbase}/recapitulatif", {"action": "enregistrer"}))
    # Tab B still has the old page and posts its own change to the old draft's tab.
    response = await client.submit(
        f"{mbase}/identification", {**IDENTIFICATION, "address1": "Rue B"}
    )
    assert response.status_code == 200
    assert "modifiée entre-temps" in unescape(response.text)
    assert 'value="Rue B"' in unescape(response.text)
    # B reviews and saves on purpose: version 03 holds B's address.
    await client.submit(f"{mbase}/identification", {**IDENTIFICATION, "address1": "Rue B"})
    assert location(await client.submit(f"{mbase}/recapitulatif", {"action": "enregistrer"}))
    async with app.state.db.read() as session:
        registration = (await session.exec(select(Registration))).one()
    assert registration.version == 3
    assert registration.answers["identification"]["address1"] == "Rue B"


async def test_another_candidates_registration_is_404_everywhere(  # type: ignore[no-untyped-def]
    client, app, candidate, password_hash, clock
) -> None:
    from tests.registrations.conftest import make_account

    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    await client.submit("/deconnexion")
    await make_account(app.state.db, clock, password_hash, "autre@example.fr", first_names="Anne")
    await log_in(client, "autre@example.fr")
    for url in (
        "/mes-inscriptions/001",
        "/mes-inscriptions/001/numero",
        "/mes-inscriptions/001/modifier",
        "/mes-inscriptions/001/imprimer",
        "/mes-inscriptions/001/se-desinscrire",
        f"{base}/identification",
        f"{base}/recapitulatif",
        f"{base}/apercu",
        f"{base}/etablissements?work_department=078&establishment_query=hoche",
    ):
        assert (await client.get(url)).status_code == 404, url
    assert (await client.submit(f"{base}/identification", IDENTIFICATION)).status_code == 404
    assert (await client.submit("/mes-inscriptions/001/modifier")).status_code == 404
    listing = unescape((await client.get("/mes-inscriptions")).text)
    assert "Vous n'avez aucune inscription en cours" in listing


async def test_bia_residence_rule_at_identification(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    """Issue 9 (10) and 15 (4): the académie of residence is checked on the Identification tab,
    from the commune when it is known, naming the right académie there."""
    await log_in(client)
    base = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    rennes = {**IDENTIFICATION, "postal_code": "35000", "locality": "Rennes"}
    page = unescape((await client.get(f"{base}/identification")).text)
    assert "académie de votre lieu de résidence" in page  # the Nota ! is shown up front
    refused = await client.submit(f"{base}/identification", rennes)
    assert refused.status_code == 200
    problem = field_error(unescape(refused.text), "commune")
    assert "ACADÉMIE DE RENNES" in problem and "35000-RENNES (035 - ILLE ET VILAINE)" in problem
    assert location(await client.get(f"{base}/epreuves")).endswith("/identification")
    async with app.state.db.read() as session:
        assert (await session.exec(select(Registration))).all() == []
    await client.submit(f"{base}/identification", {**IDENTIFICATION, "action": "suivant"})
    await submit_as_shown(client, base, "qualification")
    assert location(await submit_as_shown(client, base, "epreuves")).endswith("/recapitulatif")
    saved = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    assert location(saved) == "/mes-inscriptions/001/numero"
    number = unescape((await client.get("/mes-inscriptions/001/numero")).text)
    assert "Confirmation d'inscription" in number  # G01's document


async def test_bia_has_no_situation_tab(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    page = unescape((await client.get(f"{base}/identification")).text)
    assert "Situation actuelle" not in page
    assert "3 - Epreuves" in page
    assert (await client.get(f"{base}/situation")).status_code == 404


async def test_registering_twice_to_a_session_is_refused(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    pid = await period_id(app.state.db, "CCPE1D", "versailles", "DNL-AV")
    response = await client.submit(f"/inscriptions/nouvelle/{pid}")
    assert location(response) == "/mes-inscriptions/001"
    page = unescape((await client.get("/mes-inscriptions/001")).text)
    assert "Vous êtes déjà inscrit(e) à cette session" in page


async def test_closed_period_drops_the_draft_and_locks_the_registration(  # type: ignore[no-untyped-def]
    client, app, candidate, clock
) -> None:
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    other = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    clock.advance(days=40)
    await log_in(client)
    gone = await client.get(f"{other}/identification")
    assert location(gone) == "/mes-inscriptions"
    assert "fermé" in unescape((await client.get("/mes-inscriptions")).text)
    show = unescape((await client.get("/mes-inscriptions/001")).text)
    assert "n'est plus modifiable" in show and "ce.dec4@ac-versailles.fr" in show
    assert (
        location(await client.submit("/mes-inscriptions/001/modifier")) == "/mes-inscriptions/001"
    )


async def test_withdrawal_page_gives_the_office_contact(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    page = unescape((await client.get("/mes-inscriptions/001/se-desinscrire")).text)
    assert "vous ne pouvez pas vous désinscrire par vos propres moyens" in page
    assert "Rectorat de Versailles - DEC 4" in page and "mailto:ce.dec4@ac-versailles.fr" in page
    assert "<form" not in page.split("<main")[1].split("</main>")[0]


async def test_registration_locks_the_account(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    page = unescape((await client.get("/compte/modifier")).text)
    assert "ne sont pas modifiables car vous avez au moins une inscription en cours" in page
    assert "Rectorat de Versailles - DEC 4 - 0130834444 - ce.dec4@ac-versailles.fr" in page


async def test_period_boundaries(client, app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    """Open from opens_at included to closes_at excluded, for starting and for saving."""
    from datetime import timedelta

    from portal.catalog.models import OpeningPeriod

    await log_in(client)
    pid = await period_id(app.state.db, "CCPE1D", "versailles", "ACA")
    async with app.state.db.read() as session:
        period = await session.get(OpeningPeriod, pid)
    clock.now = period.opens_at - timedelta(seconds=1)
    await log_in(client)
    for request in (client.get, client.submit):
        assert location(await request(f"/inscriptions/nouvelle/{pid}")) == (
            f"/m-inscrire/periode/{pid}"
        )
    clock.now = period.opens_at
    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    clock.now = period.closes_at - timedelta(seconds=1)
    await log_in(client)
    assert (await client.get(f"{base}/recapitulatif")).status_code == 200  # still open
    saved = await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    assert location(saved) == "/mes-inscriptions/001/numero"
    clock.now = period.closes_at
    await log_in(client)
    assert (
        location(await client.submit("/mes-inscriptions/001/modifier")) == "/mes-inscriptions/001"
    )
