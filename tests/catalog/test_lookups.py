"""The public lookups of the places (issue 15): the communes of a postal code as the address's
"Localité" swaps them in, commune names as a candidate types, the académie of residence named as
soon as the commune is chosen. An htmx request gets a fragment that is never pushed into the
address bar; the same URL loaded directly answers a whole page."""

from __future__ import annotations

from html import unescape

from tests.registrations.conftest import period_id


def options(html: str) -> list[str]:
    import re

    return re.findall(r'<option value="[^"]*"(?: selected)?>([^<]*)</option>', html)


async def test_the_communes_of_a_postal_code(client, demo) -> None:  # type: ignore[no-untyped-def]
    response = await client.htmx_get("/communes", params={"postal_code": "78270"})
    assert response.status_code == 200 and "HX-Request" in response.headers["vary"]
    html = unescape(response.text)
    assert "<html" not in html and html.lstrip().startswith('<div id="adresse-localite"')
    assert "HX-Push-Url" not in response.headers
    assert {"78270-BLARU", "78270-BENNECOURT", "78270-BONNIERES-SUR-SEINE"} <= set(options(html))
    assert '<option value="78068">78270-BLARU</option>' in html  # its INSEE code is the value
    # One commune: chosen already, no empty choice.
    versailles = unescape((await client.htmx_get("/communes?postal_code=78000")).text)
    assert options(versailles) == ["78000-VERSAILLES"] and " selected>" in versailles
    # Loaded directly: a whole page with a form to look up another code.
    page = unescape((await client.get("/communes", params={"postal_code": "78270"})).text)
    assert "<html" in page and "<title>Communes d'un code postal" in page
    assert "<li>78270-BLARU</li>" in page


async def test_an_unknown_postal_code_says_so(client, demo) -> None:  # type: ignore[no-untyped-def]
    html = unescape((await client.htmx_get("/communes?postal_code=78999")).text)
    assert "Le code postal 78999 ne correspond à aucune commune : vérifiez-le." in html
    assert 'role="alert"' in html
    # Abroad, the locality is typed; in Saint-Barthélemy too (no commune list there).
    abroad = unescape(
        (await client.htmx_get("/communes?postal_code=1000&address_country=131")).text
    )
    assert 'name="locality"' in abroad and "<select" not in abroad
    barth = unescape((await client.htmx_get("/communes?postal_code=97133")).text)
    assert 'name="locality"' in barth and "aucune commune" not in barth


async def test_the_academy_of_residence_is_named_as_soon_as_the_commune_is_chosen(
    client, app, demo
) -> None:  # type: ignore[no-untyped-def]
    bia = await period_id(app.state.db, "BIA", "versailles")

    async def notice(postal: str, commune: str = "") -> str:
        params = {"postal_code": postal, "commune": commune, "periode": str(bia)}
        html = unescape((await client.htmx_get("/communes", params=params)).text)
        start = html.index('<div id="adresse-residence">')
        return html[start : html.index("</div>", start)]

    riboux = await notice("13780", "83105")
    assert "13780-RIBOUX (083 - VAR) relève de l'ACADÉMIE DE NICE" in riboux
    cuges = await notice("13780", "13030")
    assert (
        "13780-CUGES-LES-PINS (013 - BOUCHES DU RHONE) relève de l'ACADÉMIE D'AIX-MARSEILLE"
        in cuges
    )
    clapier = await notice("34260", "12067")
    assert "relève de l'ACADÉMIE DE TOULOUSE" in clapier
    assert "ACADÉMIE DE MONTPELLIER" in await notice("34260", "34019")  # Avène
    assert 'role="alert"' in riboux
    assert "relève" not in await notice("78270", "78068")  # Blaru is in Versailles: no notice
    assert "relève" not in await notice("13780")  # which commune is not known yet
    # A qualification without the rule says nothing.
    cert = await period_id(app.state.db, "CCPE1D", "versailles", "ACA")
    params = {"postal_code": "13780", "commune": "83105", "periode": str(cert)}
    assert "relève" not in unescape((await client.htmx_get("/communes", params=params)).text)


async def test_localities_of_a_department(client, demo) -> None:  # type: ignore[no-untyped-def]
    found = await client.htmx_get(
        "/communes/localites", params={"work_department": "078", "work_locality": "versa"}
    )
    assert '<option value="78000-VERSAILLES"></option>' in found.text
    by_code = await client.htmx_get(
        "/communes/localites", params={"work_department": "078", "work_locality": "78000"}
    )
    assert '<option value="78000-VERSAILLES"></option>' in by_code.text
    # Not another département's.
    other = await client.htmx_get(
        "/communes/localites", params={"work_department": "092", "work_locality": "versa"}
    )
    assert "VERSAILLES" not in other.text
    page = await client.get(
        "/communes/localites", params={"work_department": "078", "work_locality": "versa"}
    )
    assert "<html" in page.text and "<li>78000-VERSAILLES</li>" in page.text


async def test_bad_parameters_are_refused_not_crashed(client, demo) -> None:  # type: ignore[no-untyped-def]
    assert (await client.get("/communes?periode=abc")).status_code == 400
    assert (await client.get("/communes?postal_code=" + "7" * 50)).status_code == 400
    unknown_period = await client.htmx_get(
        "/communes?postal_code=13780&commune=83105&periode=999999"
    )
    assert unknown_period.status_code == 200 and "relève" not in unescape(unknown_period.text)


async def test_lookups_within_budget(client, demo) -> None:  # type: ignore[no-untyped-def]
    """The largest list (51300: 46 communes) swaps in within the fragment budget; each lookup's
    page within the page budget (tests/web/test_budget.py)."""
    from tests.web.test_budget import FRAGMENT_BUDGET, PAGE_BUDGET, wire_size

    largest = await client.htmx_get("/communes?postal_code=51300")
    assert html_options(largest.text) == 46
    for path in (
        "/communes?postal_code=51300&periode=1",
        "/communes/naissance?birth_department=062&birth_city=s",
        "/communes/localites?work_department=013&work_locality=ma",
    ):
        fragment = await wire_size(client, path, **{"HX-Request": "true"})
        assert 0 < fragment <= FRAGMENT_BUDGET, (path, fragment)
        page = await wire_size(client, path)
        assert 0 < page <= PAGE_BUDGET, (path, page)


def html_options(html: str) -> int:
    return len(options(unescape(html))) - 1  # the empty "Choisir..." first
