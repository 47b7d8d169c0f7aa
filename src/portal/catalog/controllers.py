"""Catalog pages: "Ouverture des services" (public), the "M'inscrire" selector (logged in), and the
opening periods as open data. Thin: the rules live in portal.catalog.service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Response, Template

from portal.catalog import CatalogError, opendata, service
from portal.db import Database
from portal.web.auth import requires_account
from portal.web.htmx import render
from portal.web.links import Links
from portal.web.sessions import PUBLIC_PAGE

OPENINGS_PATH = "/ouverture-des-services"
REGISTER_PATH = "/m-inscrire"
# The registration wizard starts here for an open period.
WIZARD_START = "registrations:new"
SELECTOR_FRAGMENT = "catalog/partials/_selector.html.j2"
FEED_CACHE = CacheControlHeader(max_age=300, public=True)

# The open-data filters, as the URL names them.
Academy = Annotated[str | None, QueryParameter(name="academie")]
Qualification = Annotated[str | None, QueryParameter(name="qualification")]


async def _selector_page(
    request: Request,
    db: Database,
    now: datetime,
    links: Links,
    page: str,
    route: str,
    *,
    registering: bool,
) -> Template:
    base = links.path(route)
    params = {name: request.query_params.get(name) for name in service.LEVELS}
    selector = service.select_from(await service.current_catalog(db), params, now)
    query = selector.query()
    context = {
        "selector": selector,
        "base": base,
        "registering": registering,
        "now": now,
        "errors": selector.errors,  # base.html.j2 prefixes the <title> with "Erreur :"
    }
    canonical = f"{base}?{query}" if query else base
    return render(request, page, context, fragment=SELECTOR_FRAGMENT, push_url=canonical)


async def _feed(
    db: Database, academy: str | None, qualification: str | None
) -> list[service.PeriodView]:
    catalog = await service.current_catalog(db)
    return catalog.open_data_periods(academy=academy, qualification=qualification)


class CatalogController(Controller):
    include_in_schema = False
    opt = {PUBLIC_PAGE: True}  # never writes the session (portal.web.sessions)

    @get(OPENINGS_PATH, name="catalog:openings")
    async def openings(
        self,
        request: Request,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Template:
        return await _selector_page(
            request,
            db,
            now,
            links,
            "catalog/openings.html.j2",
            "catalog:openings",
            registering=False,
        )

    @get(f"{OPENINGS_PATH}.json", name="catalog:openings_json", cache_control=FEED_CACHE)
    async def openings_json(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        academy: Academy = None,
        qualification: Qualification = None,
    ) -> Response[dict[str, object]]:
        try:
            periods = await _feed(db, academy, qualification)
        except CatalogError as error:
            return Response({"erreur": str(error)}, status_code=400)
        body = opendata.as_json(periods, now, links.absolute("catalog:openings"))
        return Response(body, media_type="application/json")

    @get(f"{OPENINGS_PATH}.ics", name="catalog:openings_ics", cache_control=FEED_CACHE)
    async def openings_ics(
        self,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        academy: Academy = None,
        qualification: Qualification = None,
    ) -> Response[bytes]:
        try:
            periods = await _feed(db, academy, qualification)
        except CatalogError as error:
            return Response(str(error).encode(), status_code=400, media_type="text/plain")
        body = opendata.as_icalendar(periods, now, links.absolute("catalog:openings"))
        return Response(
            body,
            # Litestar adds "; charset=utf-8" to text/* media types: say it once.
            media_type="text/calendar",
            headers={"Content-Disposition": 'inline; filename="ouverture-des-services.ics"'},
        )


class RegisterController(Controller):
    """M'inscrire: the same selector, then "Valider" leads to the chosen period."""

    include_in_schema = False
    guards = [requires_account]

    @get(REGISTER_PATH, name="catalog:register")
    async def register(
        self,
        request: Request,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Template:
        return await _selector_page(
            request,
            db,
            now,
            links,
            "catalog/register.html.j2",
            "catalog:register",
            registering=True,
        )

    @get(f"{REGISTER_PATH}/periode/{{period_id:int}}", name="catalog:register_period")
    async def register_period(
        self,
        period_id: FromPath[int],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Template | Redirect:
        view = (await service.current_catalog(db)).period(period_id)
        if view is None:
            raise NotFoundException()
        refusal = service.registration_refusal(view, now)
        if refusal is None:
            return Redirect(path=links.path(WIZARD_START, period_id=view.id), status_code=303)
        back = opendata.selector_url(links.path("catalog:register"), view)
        return Template(
            template_name="catalog/register_closed.html.j2",
            context={"view": view, "refusal": refusal, "now": now, "back": back},
        )
