"""The wizard's pages and fragments: one URL, two representations, within the weight budgets."""

from __future__ import annotations

import gzip

import pytest

from tests._support.web import count_template_modules
from tests.registrations.conftest import IDENTIFICATION, SITUATION, location, log_in, period_id

PAGE_BUDGET = 8 * 1024
FRAGMENT_BUDGET = 2 * 1024
TAB_FRAGMENT_BUDGET = 8 * 1024  # a whole tab swapped in place weighs what its page's main does


async def _draft(client, app, qualification="CCPE1D", specialty="ACA") -> str:  # type: ignore[no-untyped-def]
    await log_in(client)
    pid = await period_id(app.state.db, qualification, "versailles", specialty)
    return location(await client.submit(f"/inscriptions/nouvelle/{pid}")).rsplit("/", 1)[0]


def compressed(body: bytes) -> int:
    return len(gzip.compress(body, 6))


async def test_tab_page_and_fragment(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    page = await client.get(f"{base}/identification")
    fragment = await client.htmx_get(f"{base}/identification")
    assert "HX-Request" in page.headers["vary"] and "HX-Request" in fragment.headers["vary"]
    assert page.text.lstrip().startswith("<!doctype html>")
    assert "<html" not in fragment.text and '<div id="wizard"' in fragment.text
    # htmx updates the title from it
    assert "<title>Étape 1 sur 6 : Identification - M&#39;inscrire - Portail Candidat</title>" in (
        fragment.text
    )
    assert fragment.headers["hx-push-url"] == f"{base}/identification"  # a tab's link: a new entry
    boosted = await client.htmx_get(f"{base}/identification", headers={"HX-Boosted": "true"})
    assert boosted.text.lstrip().startswith("<!doctype html>")
    assert compressed(page.content) <= PAGE_BUDGET, compressed(page.content)
    assert compressed(fragment.content) <= TAB_FRAGMENT_BUDGET


async def test_valid_next_under_htmx_answers_the_next_tab_at_once(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    """One round trip per step: the POST answers with the next tab and its URL to push."""
    base = await _draft(client, app)
    response = await client.submit(
        f"{base}/identification", IDENTIFICATION, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "location" not in response.headers
    assert response.headers["hx-push-url"] == f"{base}/qualification"
    assert "<html" not in response.text and '<div id="wizard"' in response.text
    assert 'aria-current="step">2 - Qualification présentée' in response.text
    assert "<title>Étape 2 sur 6 : Qualification présentée - M&#39;inscrire" in response.text
    # Without JavaScript, post-redirect-get stays.
    plain = await client.submit(f"{base}/qualification", {"action": "precedent"})
    assert plain.status_code == 303 and location(plain).endswith("/identification")


async def test_errors_under_htmx_come_back_as_the_tab_with_200(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    response = await client.submit(
        f"{base}/identification", {**IDENTIFICATION, "address1": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200  # htmx 2 does not swap 4xx
    assert "<html" not in response.text and '<div id="wizard"' in response.text
    assert "<title>Erreur : Étape 1 sur 6 : Identification" in response.text
    assert response.headers["hx-replace-url"] == f"{base}/identification"  # same entry
    assert 'class="error-summary"' in response.text and "autofocus" in response.text


@pytest.mark.parametrize("step", ["qualification", "situation", "epreuves", "recapitulatif"])
async def test_every_tab_page_within_budget(client, app, candidate, step) -> None:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    page = await client.get(f"{base}/qualification")
    from tests.registrations.conftest import form_values

    await client.submit(f"{base}/qualification", form_values(page.text))
    await client.submit(f"{base}/situation", SITUATION)
    await client.submit(f"{base}/epreuves", {})
    response = await client.get(f"{base}/{step}")
    assert response.status_code == 200
    assert compressed(response.content) <= PAGE_BUDGET, (step, compressed(response.content))


async def test_small_fragments_within_budget(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    for url in (
        f"{base}/secteurs?qualification=1",
        f"{base}/etablissements?work_department=078&establishment_query=lycee",
    ):
        response = await client.htmx_get(url)
        assert response.status_code == 200
        assert compressed(response.content) <= FRAGMENT_BUDGET, (url, compressed(response.content))


async def test_list_show_number_print_withdraw_pages(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    base = await _draft(client, app)
    empty = await client.get("/mes-inscriptions")
    assert (
        "Vous n&#39;avez aucune inscription en cours" in empty.text
        or "aucune inscription" in empty.text
    )
    await client.submit(f"{base}/identification", IDENTIFICATION)
    from tests.registrations.conftest import form_values

    page = await client.get(f"{base}/qualification")
    await client.submit(f"{base}/qualification", form_values(page.text))
    await client.submit(f"{base}/situation", SITUATION)
    await client.submit(f"{base}/epreuves", {})
    preview = await client.get(f"{base}/apercu")
    assert "pas encore enregistrée" in preview.text
    await client.submit(f"{base}/recapitulatif", {"action": "enregistrer"})
    for url, text in (
        ("/mes-inscriptions", "N° : 001"),
        ("/mes-inscriptions/001", "Récapitulatif (consultation)"),
        ("/mes-inscriptions/001/numero", "Votre numéro candidat"),
        ("/mes-inscriptions/001/imprimer", "Récapitulatif d&#39;inscription"),
        ("/mes-inscriptions/001/se-desinscrire", "Se désinscrire"),
        ("/mes-documents", "N° : 001"),
        ("/mes-documents/001", "Version n°1"),
        ("/mes-justificatifs", "N° : 001"),
    ):
        response = await client.get(url)
        assert response.status_code == 200, url
        assert text in response.text, url
        assert response.headers["cache-control"] == "no-store"
        assert compressed(response.content) <= PAGE_BUDGET, (url, compressed(response.content))
    assert (await client.get("/mes-inscriptions/002")).status_code == 404
    assert (await client.get("/mes-inscriptions/abc")).status_code == 404
    assert (await client.get("/inscriptions/brouillon/nope/identification")).status_code == 404
    assert (await client.get("/inscriptions/nouvelle/99999")).status_code == 404


async def test_every_step_under_htmx_is_one_request_within_2_kb(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    """Budget: "Suivant" and "Précédent" under htmx are one request each (no redirect to follow),
    and each answer — the next tab — weighs at most 2 KB once compressed."""
    from tests.registrations.conftest import form_values

    base = await _draft(client, app)
    htmx = {"HX-Request": "true"}
    sizes: dict[str, int] = {}

    async def step(slug: str, data: dict[str, str], expected: str) -> str:
        response = await client.submit(f"{base}/{slug}", data, headers=htmx)
        assert response.status_code == 200, (slug, response.status_code)
        assert response.headers["hx-push-url"] == f"{base}/{expected}", slug
        sizes[f"{slug}->{expected}"] = compressed(response.content)
        return response.text

    qualification = await step("identification", IDENTIFICATION, "qualification")
    await step(
        "qualification", {"action": "precedent", **form_values(qualification)}, "identification"
    )
    await step("identification", IDENTIFICATION, "qualification")
    await step("qualification", form_values(qualification), "situation")
    await step("situation", SITUATION, "epreuves")
    await step("epreuves", {}, "recapitulatif")
    await step("recapitulatif", {"action": "precedent"}, "epreuves")
    await step("epreuves", {"action": "precedent"}, "situation")  # every tab filled in
    await step("situation", {"action": "precedent", **SITUATION}, "qualification")
    # A tab's link once every tab is filled in (the bar then links them all).
    for slug in ("identification", "qualification", "situation", "epreuves", "recapitulatif"):
        response = await client.htmx_get(f"{base}/{slug}")
        assert response.headers["hx-push-url"] == f"{base}/{slug}", slug
        sizes[f"link {slug}"] = compressed(response.content)
    assert all(size <= FRAGMENT_BUDGET for size in sizes.values()), sizes


async def test_identification_tab_under_htmx_within_2_kb(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    """The densest tab: the account's data recalled stays on the page (only placeholders come),
    the legal notice sits outside the tab, the communes of the postal code come apart."""
    base = await _draft(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    response = await client.submit(
        f"{base}/qualification", {"action": "precedent"}, headers={"HX-Request": "true"}
    )
    assert response.headers["hx-push-url"] == f"{base}/identification"
    assert compressed(response.content) <= FRAGMENT_BUDGET, compressed(response.content)
    html = response.text
    assert '<div id="rappel-identite" data-hx-preserve></div>' in html
    assert "TALU" not in html and "loi informatique" not in html
    assert 'data-options-url="/inscriptions/listes/communes?code=78270&amp;v=' in html


async def test_the_communes_of_a_postal_code_come_apart_in_a_fragment(
    client, app, candidate
) -> None:  # type: ignore[no-untyped-def]
    """A tab's fragment draws "Localité" with the chosen commune only; the others come from the
    lists' cacheable URL (a postal code can have 46 communes); the whole page has them all."""
    from html import unescape

    base = await _draft(client, app)
    await client.submit(f"{base}/identification", IDENTIFICATION)
    fragment = unescape((await client.htmx_get(f"{base}/identification")).text)
    select = fragment[fragment.index('<select id="champ-commune"') :]
    select = select[: select.index("</select>")]
    assert '<option value="78068" selected>78270-BLARU</option>' in select
    assert "BENNECOURT" not in select
    url = select.split('data-options-url="', 1)[1].split('"', 1)[0]
    assert url.startswith("/inscriptions/listes/communes?code=78270&v=")
    options = await client.get(url)
    assert options.status_code == 200 and options.headers["cache-control"].startswith("private")
    assert '<option value="78057">78270-BENNECOURT</option>' in unescape(options.text)
    assert options.text.count("<option") == 13
    unknown = await client.get("/inscriptions/listes/communes?code=99999&v=x")
    assert unknown.status_code == 200 and "<option" not in unknown.text
    page = unescape((await client.get(f"{base}/identification")).text)
    assert "78270-BENNECOURT" in page and "listes/communes" not in page


async def test_a_tab_builds_no_template_module_per_render(
    client, app, candidate, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The form macros and the recalled account's parts are globals built once: a template that
    imported them (with context, or without) had Jinja build a module at every render (issue 12)."""
    base = await _draft(client, app)
    # the globals are built at their first use, not counted
    assert (await client.get(f"{base}/identification")).status_code == 200
    built = count_template_modules(monkeypatch)
    for _ in range(3):
        page = await client.get(f"{base}/identification")
        fragment = await client.htmx_get(f"{base}/identification")
        assert page.status_code == fragment.status_code == 200
    assert 'id="rappel-identite"' in page.text and 'href="/compte/modifier"' in page.text
    assert 'id="rappel-identite" data-hx-preserve></div>' in fragment.text  # its placeholder
    assert built == []
