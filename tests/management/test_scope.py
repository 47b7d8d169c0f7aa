"""Who reaches /gestion, and what a manager sees there: only their académies, on every route
(a Rennes registration answers 404 to a Versailles manager, the list and the CSV included)."""

from __future__ import annotations

import re

import pytest

from tests._support.candidates import EMAIL, log_in
from tests._support.candidates import log_in as candidate_login
from tests.management.conftest import (
    NATIONAL_MANAGER,
    RENNES_MANAGER,
    VERSAILLES_MANAGER,
    manager_login,
)


def registration_routes(app, registration_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET route of the back office about one registration, by name."""
    return [
        app.route_reverse(name, registration_id=registration_id)
        for name in (
            "management:registration",
            "management:registration_audit",
            "management:withdraw_form",
            "management:identity_form",
        )
    ]


def post_routes(app, registration_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        app.route_reverse(name, registration_id=registration_id)
        for name in ("management:withdraw", "management:identity")
    ]


def every_get_route(app, registration_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        app.route_reverse("management:home"),
        app.route_reverse("management:registrations_csv"),
        app.route_reverse("management:audit_csv"),
        *registration_routes(app, registration_id),
    ]


async def test_anonymous_visitors_get_404_everywhere(client, app, world) -> None:  # type: ignore[no-untyped-def]
    for url in every_get_route(app, world.versailles.id):
        response = await client.get(url)
        assert response.status_code == 404, url


async def test_candidates_get_404_everywhere(client, app, world, candidate) -> None:  # type: ignore[no-untyped-def]
    await candidate_login(client, EMAIL)
    for url in every_get_route(app, world.versailles.id):
        assert (await client.get(url)).status_code == 404, url
    for url in post_routes(app, world.versailles.id):
        assert (await client.submit(url, {"reason": "x"})).status_code == 404, url


async def test_a_manager_lands_on_the_back_office_after_login(client, app, world) -> None:  # type: ignore[no-untyped-def]
    response = await manager_login(client)
    assert response.headers["location"] == app.route_reverse("management:home")
    # even when the login page was asked to go to a candidate's page
    await client.submit(app.route_reverse("accounts:logout"))
    response = await log_in(client, VERSAILLES_MANAGER, suivant="/mes-inscriptions")
    assert response.headers["location"] == app.route_reverse("management:home")


async def test_versailles_manager_gets_404_for_rennes_on_every_route(client, app, world) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, VERSAILLES_MANAGER)
    for url in registration_routes(app, world.rennes.id):
        assert (await client.get(url)).status_code == 404, url
    for url in registration_routes(app, world.versailles.id):
        assert (await client.get(url)).status_code == 200, url
    for url in post_routes(app, world.rennes.id):
        assert (await client.submit(url, {"reason": "Demande"})).status_code == 404, url
    listing = await client.get(app.route_reverse("management:home"))
    assert "MARTIN" in listing.text and "LE GOFF" not in listing.text
    # asking for Rennes by the académie filter finds nothing rather than Rennes' rows
    rennes = await client.get(app.route_reverse("management:home") + "?academie=rennes")
    assert "LE GOFF" not in rennes.text and "0 inscription" in rennes.text
    csv = await client.get(app.route_reverse("management:registrations_csv") + "?academie=rennes")
    assert csv.status_code == 200 and "LE GOFF" not in csv.content.decode("utf-8-sig")
    csv = await client.get(app.route_reverse("management:registrations_csv"))
    text = csv.content.decode("utf-8-sig")
    assert "MARTIN" in text and "LE GOFF" not in text


@pytest.mark.parametrize(
    ("email", "sees"),
    [(RENNES_MANAGER, {"LE GOFF"}), (NATIONAL_MANAGER, {"LE GOFF", "MARTIN"})],
)
async def test_each_manager_sees_their_academies(client, app, world, email, sees) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, email)
    text = (await client.get(app.route_reverse("management:registrations_csv"))).content.decode(
        "utf-8-sig"
    )
    assert {name for name in ("LE GOFF", "MARTIN") if name in text} == sees


def named_routes(app, parameter: str) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Every back-office route whose path names ``parameter``: name -> its HTTP methods."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if (handler.name or "").startswith("management:") and f"{{{parameter}:" in route.path:
                found.setdefault(handler.name, set()).update(handler.http_methods)
    return found


def test_the_whole_back_office_lives_under_gestion(app) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: everything under /gestion (a proxy or a firewall can fence it by path)."""
    outside = {
        (handler.name, route.path)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if (handler.name or "").startswith("management:")
        and not (route.path == "/gestion" or route.path.startswith("/gestion/"))
    }
    assert outside == set()


def other_parameters(app, name: str, parameter: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The route's other integer path parameters (a piece, a file), set to 1."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.name == name:
                return {p: 1 for p in re.findall(r"{(\w+):int}", route.path) if p != parameter}
    return {}


async def test_every_route_naming_a_registration_is_scoped(client, app, world) -> None:  # type: ignore[no-untyped-def]
    """Found from the app's routes, so a route added later without its scope fails here."""
    routes = named_routes(app, "registration_id")
    assert len(routes) >= 6
    await manager_login(client, VERSAILLES_MANAGER)
    for name, methods in routes.items():
        others = other_parameters(app, name, "registration_id")
        url = app.route_reverse(name, registration_id=world.rennes.id, **others)
        if "GET" in methods:
            assert (await client.get(url)).status_code == 404, name
        if "POST" in methods:
            assert (await client.submit(url, {"reason": "Demande"})).status_code == 404, name
    publish = app.route_reverse("management:publish_form") + f"?inscription={world.rennes.id}"
    assert (await client.get(publish)).status_code == 404
