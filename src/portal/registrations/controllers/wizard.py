"""The registration wizard's handlers: start, a tab (GET and POST), abandon, preview and the
helpers htmx asks for (establishments, specialties, the long lists)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Response, Template

from portal.catalog import places
from portal.catalog import service as catalog
from portal.catalog.models import Establishment
from portal.catalog.places import search_establishments
from portal.db import Database
from portal.registrations import drafts, flow, reading, steps, summary
from portal.registrations.controllers.responses import (
    COMMUNES_LIST,
    LAZY_LISTS,
    LIST_CACHE,
    already_saved,
    answer,
    helper_page,
    limit_saves,
    respond,
    step_url,
)
from portal.registrations.drafts import Loaded
from portal.registrations.errors import DraftAlreadySaved
from portal.registrations.flow import Action
from portal.registrations.saving import OnSaved
from portal.registrations.wizard import reference_lists
from portal.settings import Settings
from portal.web.auth import current_account_id, requires_account
from portal.web.htmx import wants_fragment
from portal.web.sessions import get_session

# The key of the draft this browser abandoned last (session).
ABANDONED_DRAFT = "abandoned_draft"


class RegistrationsController(Controller):
    include_in_schema = False
    guards = [requires_account]
    exception_handlers = {DraftAlreadySaved: already_saved}

    # -- start -------------------------------------------------------------------------------
    @get("/inscriptions/nouvelle/{period_id:int}", name="registrations:start")
    async def start_page(
        self,
        request: HTMXRequest,
        period_id: FromPath[int],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        """The chosen period and its "Valider" button (a draft is begun by POST only)."""
        found = await flow.startable(db, period_id, now)
        if not isinstance(found, catalog.PeriodView):
            return respond(request, found)
        return Template(template_name="registrations/start.html.j2", context={"view": found})

    @post("/inscriptions/nouvelle/{period_id:int}", name="registrations:new", status_code=200)
    async def new(
        self,
        request: HTMXRequest,
        period_id: FromPath[int],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        account_id = current_account_id(request)
        return respond(request, await flow.start(db, account_id, period_id, now))

    # -- a tab -------------------------------------------------------------------------------
    @get("/inscriptions/brouillon/{key:str}/{slug:str}", name="registrations:step")
    async def step(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        slug: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        account_id = current_account_id(request)
        return await answer(request, db, await flow.show_step(db, account_id, key, slug, now), now)

    @post(
        "/inscriptions/brouillon/{key:str}/{slug:str}",
        name="registrations:step_submit",
        status_code=200,
    )
    async def submit(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        slug: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        on_saved: NamedDependency[tuple[OnSaved, ...]],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        form = await request.form()
        account_id = current_account_id(request)
        if form.get("action") == Action.save:
            await limit_saves(db, settings, account_id, now)
        outcome = await flow.submit_step(
            db,
            account_id=account_id,
            key=key,
            segment=slug,
            form=form,
            now=now,
            back_to_summary=request.query_params.get("retour") == steps.SUMMARY.segment,
            on_saved=on_saved,
        )
        return await answer(request, db, outcome, now)

    @get("/inscriptions/brouillon/{key:str}/abandonner", name="registrations:abandon_page")
    async def abandon_page(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Template:
        """ "Abandonner cette inscription": what it does, then a button (POST) to confirm."""
        loaded = await self._loaded(request, db, key, now)
        return Template(
            template_name="registrations/abandon.html.j2",
            context={
                "draft": loaded.draft,
                "view": loaded.wizard.period,
                "registration": loaded.registration,
                "back_url": step_url(request, key, loaded.wizard.steps.first_incomplete()),
            },
        )

    @post("/inscriptions/brouillon/{key:str}/abandonner", name="registrations:abandon")
    async def abandon(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        account_id = current_account_id(request)
        outcome = await flow.abandon(db, account_id, key, now)
        session = get_session(request)
        if isinstance(outcome, flow.Leave):
            session[ABANDONED_DRAFT] = key
        elif session.get(ABANDONED_DRAFT) == key:
            # "Abandonner" pressed twice (a double click without JavaScript): the first press
            # did it, and its message is still to be shown on "Mes inscriptions".
            outcome = flow.Leave(flow.Place.list)
        return respond(request, outcome)

    @get("/inscriptions/brouillon/{key:str}/apercu", name="registrations:preview")
    async def preview(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Template:
        """Visualiser/imprimer before saving: the recap, marked as not saved."""
        loaded = await self._loaded(request, db, key, now)
        async with db.read() as session:
            office = await reading.office_of_period(session, loaded.wizard.period.id)
        return Template(
            template_name="registrations/print.html.j2",
            context={
                "registration": loaded.registration,
                "summary": summary.build(loaded.wizard),
                "view": loaded.wizard.period,
                "office": office,
                "unsaved": True,
            },
        )

    @staticmethod
    async def _loaded(request: HTMXRequest, db: Database, key: str, now: datetime) -> Loaded:
        async with db.read() as session:
            loaded = await drafts.load(session, current_account_id(request), key, now)
        if loaded is None:
            raise NotFoundException()
        return loaded

    # -- helpers for htmx --------------------------------------------------------------------
    @get("/inscriptions/brouillon/{key:str}/etablissements", name="registrations:establishments")
    async def establishments(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        work_department: FromQuery[str] = "",
        establishment_query: FromQuery[str] = "",
        establishment: FromQuery[str] = "",
    ) -> Response[Any]:
        """Suggestions while typing (htmx); the same list a plain "Rechercher" shows. Loaded
        directly (a reload, a bookmark), it is the tab itself, a whole page."""
        await self._loaded(request, db, key, now)  # the draft must be the candidate's own
        if not wants_fragment(request):
            return helper_page(request, key, steps.SITUATION)
        async with db.read() as session:
            results = await search_establishments(session, work_department, establishment_query)
            selected = (
                await session.get(Establishment, establishment.upper()) if establishment else None
            )
        return Template(
            template_name="registrations/partials/_establishments.html.j2",
            context={
                "results": results,
                "values": {
                    "establishment": establishment,
                    "establishment_query": establishment_query,
                },
                "searched": bool(establishment_query.strip()),
                "selected": selected,
                "errors": {},
            },
            headers={"Vary": "HX-Request"},
        )

    @get("/inscriptions/brouillon/{key:str}/secteurs", name="registrations:specialties")
    async def specialties(
        self,
        request: HTMXRequest,
        key: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        qualification: FromQuery[str] = "",
    ) -> Response[Any]:
        """The "Secteur Disciplinaire" list for the certification just chosen (htmx); loaded
        directly, the tab itself."""
        loaded = await self._loaded(request, db, key, now)
        if not wants_fragment(request):
            return helper_page(request, key, steps.QUALIFICATION)
        return Template(
            template_name="registrations/partials/_specialty_select.html.j2",
            context={
                "wizard": loaded.wizard,
                "values": {"qualification": qualification, "period": ""},
                "errors": {},
            },
            headers={"Vary": "HX-Request"},
        )

    @get("/inscriptions/listes/{list_name:str}", name="registrations:options")
    async def options(
        self,
        request: HTMXRequest,
        list_name: FromPath[str],
        db: NamedDependency[Database],
        code: FromQuery[str] = "",
    ) -> Template:
        """A long reference list's options, for the selects of a swapped-in tab; "communes":
        those of the postal code ``code``."""
        attribute = LAZY_LISTS.get(list_name)
        if attribute is None and list_name != COMMUNES_LIST:
            raise NotFoundException()
        async with db.read() as session:
            if attribute is None:
                communes = await places.communes_of_postal_code(session, code)
                options = [(c.value, c.label) for c in communes]
            else:
                options = (await reference_lists(session))[attribute]
        return Template(
            template_name="registrations/partials/_options.html.j2",
            context={"options": options, "list_name": list_name},
            headers={"Cache-Control": LIST_CACHE},
        )
