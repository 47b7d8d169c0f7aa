"""Catalog pages: "Ouverture des services" (public), the "M'inscrire" selector (logged in), and the
opening periods as open data. Thin: the rules live in portal.catalog.service."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.catalog import CatalogError, opendata, service
from portal.db import Database
from portal.web.auth import requires_account
from portal.web.htmx import render, wants_fragment

OPENINGS_PATH = "/ouverture-des-services"
ENROL_PATH = "/m-inscrire"
# The registration wizard (a later issue) starts here for an open period.
WIZARD_START = "/inscriptions/nouvelle/{period_id}"
SELECTOR_FRAGMENT = "catalog/partials/_selector.html.j2"
FEED_CACHE = CacheControlHeader(max_age=300, public=True)


async def _selector_page(request: Request, page: str, base: str, *, enrol: bool) -> Template:
    db: Database = request.app.state.db
    now = request.app.state.clock()
    params = {name: request.query_params.get(name) for name in service.LEVELS}
    async with db.read() as session:
        selector = await service.build_selector(session, params, now)
    query = selector.query()
    canonical = f"{base}?{query}" if query else base
    headers = {"HX-Push-Url": canonical} if wants_fragment(request) else {}
    context = {
        "selector": selector,
        "base": base,
        "enrol": enrol,
        "now": now,
        "errors": selector.errors,  # base.html.j2 prefixes the <title> with "Erreur :"
    }
    return render(request, page, context, fragment=SELECTOR_FRAGMENT, headers=headers)


class CatalogController(Controller):
    include_in_schema = False

    @get(OPENINGS_PATH, name="catalog:openings")
    async def openings(self, request: Request) -> Template:
        return await _selector_page(request, "catalog/openings.html.j2", OPENINGS_PATH, enrol=False)

    @get(f"{OPENINGS_PATH}.json", name="catalog:openings_json", cache_control=FEED_CACHE)
    async def openings_json(self, request: Request) -> Response[dict[str, object]]:
        try:
            periods = await self._feed(request)
        except CatalogError as error:
            return Response({"erreur": str(error)}, status_code=400)
        body = opendata.as_json(periods, request.app.state.clock(), self._base(request))
        return Response(body, media_type="application/json")

    @get(f"{OPENINGS_PATH}.ics", name="catalog:openings_ics", cache_control=FEED_CACHE)
    async def openings_ics(self, request: Request) -> Response[bytes]:
        try:
            periods = await self._feed(request)
        except CatalogError as error:
            return Response(
                str(error).encode(), status_code=400, media_type="text/plain; charset=utf-8"
            )
        body = opendata.as_icalendar(periods, request.app.state.clock(), self._base(request))
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": 'inline; filename="ouverture-des-services.ics"'},
        )

    @staticmethod
    def _base(request: Request) -> str:
        return request.app.state.settings.base_url

    @staticmethod
    async def _feed(request: Request) -> list[service.PeriodView]:
        db: Database = request.app.state.db
        async with db.read() as session:
            return await service.open_data_periods(
                session,
                academy=request.query_params.get("academie"),
                qualification=request.query_params.get("qualification"),
            )


class EnrolController(Controller):
    """M'inscrire: the same selector, then "Valider" leads to the chosen period."""

    include_in_schema = False
    guards = [requires_account]

    @get(ENROL_PATH, name="catalog:enrol")
    async def enrol(self, request: Request) -> Template:
        return await _selector_page(request, "catalog/enrol.html.j2", ENROL_PATH, enrol=True)

    @get(f"{ENROL_PATH}/periode/{{period_id:int}}", name="catalog:enrol_period")
    async def enrol_period(self, request: Request, period_id: FromPath[int]) -> Template | Redirect:
        db: Database = request.app.state.db
        now = request.app.state.clock()
        async with db.read() as session:
            view = await service.get_period(session, period_id)
        if view is None:
            raise NotFoundException()
        refusal = service.enrolment_refusal(view, now)
        if refusal is None:
            return Redirect(path=WIZARD_START.format(period_id=view.id), status_code=303)
        back = opendata.selector_url("", view).replace(OPENINGS_PATH, ENROL_PATH, 1)
        return Template(
            template_name="catalog/enrol_closed.html.j2",
            context={"view": view, "refusal": refusal, "now": now, "back": back},
        )
