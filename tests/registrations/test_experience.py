"""Issue 9 over HTTP: what htmx gets (one answer per step, helpers that never become pages,
errors it can show, a session that ended) and what a plain form gets (Enter in a search)."""

from __future__ import annotations

from tests.registrations.conftest import (
    IDENTIFICATION,
    SITUATION,
    form_values,
    location,
    period_id,
)
from tests.registrations.test_pages import _draft

HTMX = {"HX-Request": "true"}


async def _to_situation(client, app) -> str:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    page = await client.get(f"{base}/qualification")
    await client.submit(f"{base}/qualification", form_values(page.text))
    return base


async def test_helper_fragment_urls_loaded_directly_answer_the_whole_tab(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    base = await _to_situation(client, app)
    for helper, tab in (
        ("etablissements?work_department=078&establishment_query=lycee", "situation"),
        ("secteurs?qualification=1", "qualification"),
    ):
        direct = await client.get(f"{base}/{helper}", follow_redirects=False)
        assert direct.status_code == 303 and direct.headers["location"] == f"{base}/{tab}"
        assert "HX-Request" in direct.headers["vary"]
        page = await client.get(f"{base}/{helper}", follow_redirects=True)
        assert page.text.lstrip().startswith("<!doctype html>") and "<title>" in page.text
        fragment = await client.htmx_get(f"{base}/{helper}")
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert "hx-push-url" not in fragment.headers  # a helper never reaches the address bar


async def test_wizard_form_pushes_nothing_itself(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    base = await _to_situation(client, app)
    page = await client.get(f"{base}/identification")
    form = page.text[page.text.index("<form") :]
    form = form[: form.index(">")]
    assert "hx-push-url" not in form  # the server names the tab's URL; helpers inherit nothing


async def test_enter_in_the_establishment_search_searches_without_javascript(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    base = await _to_situation(client, app)
    typed = {**SITUATION, "establishment": "", "establishment_query": "0783371R"}
    # Enter presses the form's first (hidden) button, whose value is "entree".
    response = await client.submit(f"{base}/situation", {**typed, "action": "entree"})
    assert response.status_code == 200, response.status_code
    assert "0783371R" in response.text and 'name="establishment"' in response.text
    assert 'class="error-summary"' not in response.text  # a search, not "Suivant"
    # Enter once the establishment is chosen from that search: "Suivant".
    chosen = {**typed, "establishment": "0783371R", "action": "entree"}
    assert location(await client.submit(f"{base}/situation", chosen)).endswith("/epreuves")
    # "Suivant" pressed with a search typed is still "Suivant" (errors if nothing chosen).
    again = {**typed, "establishment_query": "lycee", "action": "suivant"}
    response = await client.submit(f"{base}/situation", again)
    assert response.status_code == 200 and 'class="error-summary"' in response.text


async def test_error_summary_of_an_empty_establishment_points_to_the_search(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    base = await _to_situation(client, app)
    response = await client.submit(f"{base}/situation", {**SITUATION, "establishment": ""})
    assert 'href="#champ-establishment"' in response.text
    assert 'data-error-focus="champ-establishment-query"' in response.text


async def test_stale_form_token_under_htmx_gets_a_fresh_one_and_french_words(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    token = client.csrf_token()
    response = await client.post(
        f"{base}/identification",
        data={**IDENTIFICATION, "_csrf_token": "x" * 128},
        headers={**HTMX, "x-csrftoken": "x" * 128},
    )
    assert response.status_code == 403
    assert response.headers["x-portal-csrf-token"] == token
    assert "<html" not in response.text and "envoyez-le à nouveau" in response.text
    again = await client.post(
        f"{base}/identification", data=IDENTIFICATION, headers={**HTMX, "x-csrftoken": token}
    )
    assert again.status_code == 200 and again.headers["hx-push-url"] == f"{base}/qualification"
    # Without htmx, the page says what happened; no token travels in a header.
    plain = await client.post(f"{base}/identification", data={"_csrf_token": "x" * 128})
    assert plain.status_code == 403 and "x-portal-csrf-token" not in plain.headers


async def test_session_ended_during_an_htmx_request_is_a_200_client_redirect(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    base = await _to_situation(client, app)
    await client.submit("/deconnexion")
    for request in (
        client.htmx_get(f"{base}/etablissements?establishment_query=lycee", follow_redirects=False),
        client.htmx_get("/m-inscrire?domaine=G01", follow_redirects=False),
    ):
        response = await request
        assert response.status_code == 200, response.status_code  # not a 303 the XHR follows
        assert "location" not in response.headers
        assert response.headers["hx-redirect"].startswith("/connexion?suivant=")


async def test_long_lists_are_options_fragments_kept_by_the_browser(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    fragment = await client.htmx_get(f"{base}/identification")
    assert fragment.text.count("<option") < 10  # the chosen ones and placeholders only
    url = fragment.text.split('data-options-url="', 1)[1].split('"', 1)[0]
    options = await client.get(url.replace("&amp;", "&"))
    assert options.status_code == 200 and options.text.count("<option") > 150
    assert options.headers["cache-control"].startswith("private, max-age=")
    page = await client.get(f"{base}/identification")  # without JavaScript: the whole lists
    assert page.text.count("<option") > 300 and "data-options-url" not in page.text


async def test_period_closed_during_a_modification_says_so_on_the_page(
    client, app, candidate, clock
) -> None:  # type: ignore[no-untyped-def]
    from html import unescape

    from tests.registrations.conftest import log_in
    from tests.registrations.test_wizard import fill_certification, start, submit_as_shown

    await log_in(client)
    base = await start(client, app)
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    draft = location(await client.submit("/mes-inscriptions/001/modifier")).rsplit("/", 1)[0]
    for slug in ("identification", "qualification", "situation", "epreuves"):
        await submit_as_shown(client, draft, slug)
    clock.advance(days=40)
    await log_in(client)
    response = await client.submit(
        f"{draft}/recapitulatif", {"action": "enregistrer"}, headers=HTMX
    )
    assert response.status_code == 200 and response.headers["hx-redirect"] == "/mes-inscriptions"
    page = unescape((await client.get("/mes-inscriptions")).text)
    assert "Le service d'inscription est fermé depuis le " in page and "(heure de Paris)" in page
    assert "Page introuvable" not in page
    # Pressed again from the page left open (the draft is gone, as the periodic job drops the
    # drafts of closed periods): the closing again, not "Page introuvable".
    form = {
        "action": "enregistrer",
        "periode": str(await period_id(app.state.db, "CCPE1D", "versailles", "ACA")),
    }
    plain = await client.submit(f"{draft}/recapitulatif", form)
    assert location(plain) == "/mes-inscriptions"
    page = unescape((await client.get("/mes-inscriptions")).text)
    assert "Le service d'inscription est fermé depuis le " in page
    # Without the period, or for an open one, an unknown draft is still simply unknown.
    assert (
        await client.submit(f"{draft}/recapitulatif", {"action": "enregistrer"})
    ).status_code == 404


async def test_a_draft_can_be_abandoned_to_start_the_right_one(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    from html import unescape

    from portal.registrations.models import RegistrationDraft
    from tests.registrations.conftest import log_in
    from tests.registrations.test_wizard import start

    await log_in(client)
    wrong = await start(client, app, qualification="BIA", academy="lyon", specialty=None)
    await client.submit(f"{wrong}/identification", IDENTIFICATION)
    listed = unescape((await client.get("/mes-inscriptions")).text)
    assert f'href="{wrong}/abandonner"' in listed  # from "Mes inscriptions"
    tab = unescape((await client.get(f"{wrong}/identification")).text)
    assert f'href="{wrong}/abandonner"' in tab  # and from the wizard
    page = unescape((await client.get(f"{wrong}/abandonner")).text)
    assert "<h1>Abandonner cette inscription</h1>" in page and "sera supprimé" in page
    response = await client.submit(f"{wrong}/abandonner")
    assert location(response) == "/mes-inscriptions"
    # Pressed twice (a double click without JavaScript): the same place, said once.
    again = await client.submit(f"{wrong}/abandonner")
    assert location(again) == "/mes-inscriptions"
    listed = unescape((await client.get("/mes-inscriptions")).text)
    assert listed.count("a été abandonnée") == 1
    assert (await client.get(f"{wrong}/identification")).status_code == 404
    async with app.state.db.read() as session:
        from sqlmodel import select

        left = (await session.exec(select(RegistrationDraft))).all()
    assert [d for d in left if d.key == wrong.rsplit("/", 1)[1]] == []
    right = await start(client, app, qualification="BIA", academy="versailles", specialty=None)
    assert (await client.get(f"{right}/identification")).status_code == 200
    # Another candidate's draft cannot be abandoned: as unknown as a wrong key.
    assert (await client.submit(f"{right}x/abandonner")).status_code == 404


async def test_closing_times_say_paris_time_and_local_time_overseas(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    import re
    from html import unescape

    from tests.registrations.conftest import log_in
    from tests.registrations.test_wizard import fill_certification, start

    await log_in(client)
    await start(client, app, qualification="BIA", academy="reunion", specialty=None)
    listed = unescape((await client.get("/mes-inscriptions")).text)
    reunion = re.search(
        r"à terminer avant le (\S+ à \S+) \(heure de Paris\), soit le (\S+ à \S+) heure locale",
        listed,
    )
    assert reunion is not None, listed
    paris_time, local_time = reunion.groups()
    assert paris_time != local_time  # La Réunion is 2 or 3 hours ahead of Paris
    base = await start(client, app)  # Versailles: Paris time only
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    number = unescape((await client.get("/mes-inscriptions/001/numero")).text)
    assert re.search(r"a bien été prise en compte le \S+ à \d\d:\d\d \(heure de Paris\)\.", number)
    assert "(heure de Paris)." in number and "heure locale" not in number
    listed = unescape((await client.get("/mes-inscriptions")).text)
    assert re.search(r"Modifiable jusqu'au \S+ à \S+ \(heure de Paris\)\.", listed)


async def test_titles_say_the_step_and_which_registration_is_modified(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    from tests.registrations.conftest import log_in
    from tests.registrations.test_wizard import fill_certification, start

    await log_in(client)
    base = await start(client, app)
    page = await client.get(f"{base}/identification")
    assert "<title>Étape 1 sur 6 : Identification - M&#39;inscrire - Portail Candidat</title>" in (
        page.text
    )
    await fill_certification(client, base)
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    number = await client.get("/mes-inscriptions/001/numero")
    assert (
        "<title>Étape 6 sur 6 : N° Inscription - M&#39;inscrire - Portail Candidat" in number.text
    )
    draft = location(await client.submit("/mes-inscriptions/001/modifier")).rsplit("/", 1)[0]
    tab = await client.htmx_get(f"{draft}/identification")
    expected = "Étape 1 sur 6 : Identification - Modification de l&#39;inscription 001"
    assert f"<title>{expected} - Portail Candidat</title>" in tab.text
    # "Enregistrer" and "Précédent" inactive say why, in words tied to them.
    assert 'disabled aria-describedby="boutons-inactifs"' in tab.text
    assert "« Précédent » est inactif : vous êtes sur le premier onglet." in tab.text.replace(
        "&#39;", "'"
    )
