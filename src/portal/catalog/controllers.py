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
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog import CatalogError, opendata, places, service
from portal.catalog.models import Academy as AcademyRow
from portal.catalog.models import Department
from portal.catalog.residence import Residence, residence_problem
from portal.db import Database
from portal.forms import FRANCE
from portal.web.auth import requires_account
from portal.web.htmx import render
from portal.web.links import Links
from portal.web.page_cache import PAGE_KEY
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
    catalog = await service.current_catalog(db)
    selector = service.select_from(catalog, params, now)
    query = selector.query()
    context = {
        PAGE_KEY: catalog.epoch(now),  # portal.web.page_cache
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


class PlacesController(Controller):
    """Lookups in the reference data (public, read-only): the communes of a postal code, commune
    names as a candidate types them. An htmx request gets the fragment its field swaps in (never
    pushed to the address bar); the same URL loaded directly answers a whole page."""

    include_in_schema = False

    @get("/communes", name="catalog:communes")
    async def communes(
        self,
        request: Request,
        db: NamedDependency[Database],
        postal_code: Annotated[str, QueryParameter(max_length=10)] = "",
        commune: Annotated[str, QueryParameter(max_length=10)] = "",
        locality: Annotated[str, QueryParameter(max_length=80)] = "",
        address_country: Annotated[str, QueryParameter(max_length=3)] = FRANCE,
        period_id: Annotated[int | None, QueryParameter(name="periode", ge=1, le=2**31 - 1)] = None,
    ) -> Template:
        """ "Localité" for a postal code: its communes ("78270-BLARU"), and for a qualification
        that requires it (BIA) whether that commune is in the period's académie."""
        postal = postal_code.replace(" ", "")
        address: places.AddressLocality | None = None
        notice = None
        if address_country == FRANCE:
            async with db.read() as session:
                options = await places.communes_of_postal_code(session, postal)
                if len(postal) == 5 and postal.isdigit():
                    address = places.address_locality(postal, options, commune, locality)
                else:
                    address = places.AddressLocality(postal, [], None)
                if period_id is not None and (address.chosen or address.typed):
                    notice = await _residence_notice(session, period_id, address)
        values = {"locality": locality, "postal_code": postal}
        context = {
            "address": address,
            "values": values,
            "errors": {},
            "notice": notice,
            "lookup_url": request.url.path + (f"?periode={period_id}" if period_id else ""),
        }
        return render(
            request,
            "catalog/communes.html.j2",
            context,
            fragment="catalog/partials/_address_locality.html.j2",
        )

    @get("/communes/naissance", name="catalog:birthplaces")
    async def birthplaces(
        self,
        request: Request,
        db: NamedDependency[Database],
        birth_department: Annotated[str, QueryParameter(max_length=3)] = "",
        birth_city: Annotated[str, QueryParameter(max_length=80)] = "",
    ) -> Template:
        """Commune names of the birth département starting with what was typed ("BEU")."""
        async with db.read() as session:
            names = await places.suggest_communes(session, birth_department, birth_city)
        return _suggestions(request, names, birth_city, birth_department)

    @get("/communes/localites", name="catalog:localities")
    async def localities(
        self,
        request: Request,
        db: NamedDependency[Database],
        work_department: Annotated[str, QueryParameter(max_length=3)] = "",
        work_locality: Annotated[str, QueryParameter(max_length=80)] = "",
    ) -> Template:
        """Communes of a département as "78000-VERSAILLES", starting with what was typed."""
        async with db.read() as session:
            found = await places.localities(session, work_department, work_locality)
        return _suggestions(request, [o.label for o in found], work_locality, work_department)


async def _residence_notice(
    session: AsyncSession, period_id: int, address: places.AddressLocality
) -> str | None:
    """The académie-of-residence rule for the period, as the Identification tab states it."""
    view = await service.get_period(session, period_id)
    if view is None or not view.qualification.requires_residence_academy:
        return None
    insee = address.chosen.value if address.chosen else None
    found = await places.academy_of_residence(session, address.postal_code, insee)
    if found is None:
        return None
    department = await session.get(Department, found.department_code)
    names = {a.code: a.name for a in (await session.exec(select(AcademyRow))).all()}
    return residence_problem(
        qualification_name=view.qualification.name,
        period_academy_code=view.academy.code,
        academy_names=names,
        country_code=FRANCE,
        postal_code=address.postal_code,
        departments=[],
        residence=Residence(
            found.department_code, department.name if department else "", found.academy_code
        ),
        place=address.chosen.label if address.chosen else "",
    )


def _suggestions(request: Request, names: list[str], typed: str, department: str) -> Template:
    """A datalist's options for htmx; loaded as a page, the same list with a small search form."""
    return render(
        request,
        "catalog/suggestions.html.j2",
        {"suggestions": names, "typed": typed, "department": department},
        fragment="catalog/partials/_suggestions.html.j2",
    )
