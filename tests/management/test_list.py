"""The registrations list: filters, search by name or N° candidat, sort, pages, and the CSV of
the filtered list as a French spreadsheet opens it (UTF-8 with BOM, ";", dates in Paris time)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import Academy, OpeningPeriod, Specialty
from portal.management import listing
from portal.management.scope import load_scope
from tests._support.web import field_error
from tests.management.conftest import NATIONAL_MANAGER, VERSAILLES_MANAGER, manager_login

PARIS = ZoneInfo("Europe/Paris")


async def names(client, app, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """The candidates' names in the list's order, as the page shows them."""
    html = unescape((await client.get(app.route_reverse("management:home") + query)).text)
    return re.findall(r'<td><a href="/gestion/inscriptions/\d+">([^<]+)</a></td>', html)


async def test_filters_search_and_sort(client, app, world) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, NATIONAL_MANAGER)
    assert await names(client, app) == ["LE GOFF Bob", "MARTIN Alice"]  # newest first
    assert await names(client, app, "?tri=nom") == ["LE GOFF Bob", "MARTIN Alice"]
    assert await names(client, app, "?tri=qualification&academie=versailles") == ["MARTIN Alice"]
    assert await names(client, app, "?academie=rennes") == ["LE GOFF Bob"]
    assert await names(client, app, "?q=alice") == ["MARTIN Alice"]
    # whatever the case, first names first or last
    assert await names(client, app, "?q=Bob+Le+Goff") == ["LE GOFF Bob"]
    assert await names(client, app, "?q=le+goff+bob") == ["LE GOFF Bob"]
    assert await names(client, app, "?q=goff+alice") == []
    assert await names(client, app, "?q=%25") == []  # a LIKE wildcard is a plain character
    async with app.state.db.read() as session:
        number = (
            await session.exec(
                select(Account.candidate_number).where(Account.id == world.rennes_candidate)
            )
        ).one()
    assert await names(client, app, f"?q={number}") == ["LE GOFF Bob"]
    assert await names(client, app, f"?q={number[:5]}") == ["LE GOFF Bob", "MARTIN Alice"]
    year = world.versailles.created_at.year
    assert len(await names(client, app, f"?session={year + 5}")) == 0


async def test_dates_are_paris_days_and_a_bad_date_says_so(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, VERSAILLES_MANAGER)
    today = world.versailles.created_at.astimezone(PARIS).date()
    fmt = "%d/%m/%Y"
    assert await names(client, app, f"?du={today:{fmt}}&au={today:{fmt}}") == ["MARTIN Alice"]
    assert await names(client, app, f"?du={today + timedelta(days=1):{fmt}}") == []
    assert await names(client, app, f"?au={today - timedelta(days=1):{fmt}}") == []
    page = await client.get(app.route_reverse("management:home") + "?du=31/02/2026")
    assert page.status_code == 200 and "Erreur : " in page.text.split("</title>")[0]
    assert field_error(page.text, "du") == (
        "Saisissez une date au format JJ/MM/AAAA, par exemple 01/09/2026."
    )
    assert "MARTIN" in page.text  # the other filters still apply, nothing is lost
    backwards = await client.get(
        app.route_reverse("management:home")
        + f"?du={today:{fmt}}&au={today - timedelta(days=2):{fmt}}"
    )
    assert "postérieure ou égale" in unescape(field_error(backwards.text, "au") or "")


async def test_withdrawn_ones_have_their_own_filter(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse("management:withdraw", registration_id=world.versailles.id)
    await client.get(app.route_reverse("management:home"))
    assert (await client.submit(url, {"reason": "Demande du candidat"})).status_code == 303
    assert await names(client, app) == []
    assert await names(client, app, "?etat=desinscrites") == ["MARTIN Alice"]
    assert await names(client, app, "?etat=toutes") == ["MARTIN Alice"]


async def test_pages(app, world) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    async with db.read() as session:
        national = (
            await session.exec(select(Account.id).where(Account.email == NATIONAL_MANAGER))
        ).one()
        scope = await load_scope(session, national)
        first = await listing.page(session, scope, listing.Filters(sort="nom"), size=1)
        second = await listing.page(session, scope, listing.Filters(sort="nom", page=2), size=1)
        beyond = await listing.page(session, scope, listing.Filters(sort="nom", page=9), size=1)
    assert (first.total, first.pages, first.page) == (2, 2, 1)
    assert [r.birth_name for r in first.rows] == ["LE GOFF"]
    assert [r.birth_name for r in second.rows] == ["MARTIN"]
    assert beyond.page == 2 and [r.birth_name for r in beyond.rows] == ["MARTIN"]
    assert listing.Filters(sort="nom", page=2).query() == {"tri": "nom", "page": "2"}


async def test_htmx_gets_the_results_only(client, app, world) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, VERSAILLES_MANAGER)
    response = await client.htmx_get(
        app.route_reverse("management:home") + "?q=martin",
        headers={"HX-Target": "management-results"},
    )
    assert response.status_code == 200 and "HX-Request" in response.headers["vary"]
    assert response.text.lstrip().startswith('<section id="management-results"')
    assert "<html" not in response.text and "MARTIN" in response.text
    assert response.headers["hx-push-url"] == "/gestion?q=martin"


async def test_csv_bytes(client, app, world) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, NATIONAL_MANAGER)
    response = await client.get(app.route_reverse("management:registrations_csv") + "?tri=nom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="inscriptions-')
    assert response.headers["cache-control"] == "no-store"
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM, so a spreadsheet reads UTF-8
    lines = data[3:].decode("utf-8").split("\r\n")
    assert lines[0] == (
        "N° candidat;N° inscription;Nom de famille;Nom d'usage;Prénoms;Adresse mail;"
        "Examen ou certification;Secteur disciplinaire;Session;Académie;"
        "Date d'inscription (heure de Paris);Dernière modification (heure de Paris);Version;"
        "Désinscription (heure de Paris)"
    )
    assert lines[-1] == "" and len(lines) == 4  # header, two rows, the final CRLF
    cells = lines[1].split(";")
    bob = world.rennes
    async with app.state.db.read() as session:
        number = (
            await session.exec(
                select(Account.candidate_number).where(Account.id == world.rennes_candidate)
            )
        ).one()
    shown = bob.created_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    assert cells[:6] == [number, "001", "LE GOFF", "", "Bob", "bob.le-goff@example.fr"]
    async with app.state.db.read() as session:
        academy = await session.get(Academy, "rennes")
        period = await session.get(OpeningPeriod, bob.opening_period_id)
        specialty = await session.get(Specialty, period.specialty_id)  # type: ignore[union-attr]
    assert cells[6] == "BREVET D'INITIATION AERONAUTIQUE" and cells[7] == specialty.name  # type: ignore[union-attr]
    assert cells[9] == academy.name  # type: ignore[union-attr]
    assert cells[10] == shown and cells[11] == shown
    assert cells[12] == "01" and cells[13] == ""
    assert lines[2].split(";")[2] == "MARTIN"


def test_csv_cells_are_never_formulas() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # already the 7th in Paris
    row = listing.Row(
        1,
        "26000000011",
        "001",
        "=HYPERLIEN(1)",
        None,
        'Jean; "Jo"',
        "a@b.fr",
        "BIA",
        "-",
        2027,
        "ACADÉMIE DE VERSAILLES",
        now,
        now,
        3,
        None,
    )
    data = listing.to_csv([row]).decode("utf-8-sig")
    line = data.split("\r\n")[1]
    assert line.startswith('26000000011;001;\'=HYPERLIEN(1);;"Jean; ""Jo""";a@b.fr;BIA;\'-;2027;')
    assert ";07/12/2026 00:30;07/12/2026 00:30;03;" in line
