"""Mes inscriptions: the list, a registration's recap, its N° Inscription tab, "Modifier",
the print page and how to withdraw (guide §7, §11)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Response, Template

from portal.accounts.models import Account
from portal.catalog import service as catalog
from portal.db import Database
from portal.registrations import flow, reading, steps, summary
from portal.registrations.controllers.responses import (
    WIZARD_PAGE,
    already_saved,
    respond,
    route_url,
    tab_title,
    where_label,
)
from portal.registrations.errors import DraftAlreadySaved
from portal.registrations.models import Registration
from portal.registrations.steps import StepList, WizardState
from portal.registrations.wizard import reference_lists
from portal.web.auth import current_account_id, requires_account
from portal.web.htmx import see_other


class MyRegistrationsController(Controller):
    include_in_schema = False
    guards = [requires_account]
    exception_handlers = {DraftAlreadySaved: already_saved}

    # -- Mes inscriptions --------------------------------------------------------------------
    @get("/mes-inscriptions", name="registrations:list")
    async def list(
        self, request: HTMXRequest, db: NamedDependency[Database], now: NamedDependency[datetime]
    ) -> Template:
        account_id = current_account_id(request)
        async with db.read() as session:
            cards = await reading.cards(session, account_id, now)
            begun = await reading.open_drafts(session, account_id, now)
        return Template(
            template_name="registrations/list.html.j2",
            context={"cards": cards, "drafts": begun, "now": now, "first": steps.STEPS[0]},
        )

    @staticmethod
    async def _registration(
        request: HTMXRequest, db: Database, number: str
    ) -> tuple[Registration, catalog.PeriodView]:
        account_id = current_account_id(request)
        async with db.read() as session:
            registration = await reading.get_registration(session, account_id, number)
            if registration is None or registration.withdrawn_at is not None:
                raise NotFoundException()
            view = await catalog.get_period(session, registration.opening_period_id)
        if view is None:
            raise NotFoundException()
        return registration, view

    @get("/mes-inscriptions/{number:str}", name="registrations:show")
    async def show(
        self,
        request: HTMXRequest,
        number: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Template:
        registration, view = await self._registration(request, db, number)
        async with db.read() as session:
            office = await reading.office_of(session, registration)
        return Template(
            template_name="registrations/show.html.j2",
            context={
                "registration": registration,
                "summary": summary.saved(registration),
                "open": view.is_open(now),
                "now": now,
                "view": view,
                "office": office,
            },
        )

    @get("/mes-inscriptions/{number:str}/numero", name="registrations:number")
    async def number(
        self,
        request: HTMXRequest,
        number: FromPath[str],
        db: NamedDependency[Database],
    ) -> Template:
        """Tab 6, N° Inscription: the wizard's shell around the saved registration's number."""
        registration, view = await self._registration(request, db, number)
        async with db.read() as session:
            account = await session.get(Account, registration.account_id)
            domain = (await reference_lists(session))["domains"][view.domain_code]
        assert account is not None
        state = WizardState(asks_situation=view.qualification.asks_situation, saved=True)
        steps_ = StepList(steps.STEPS, state)
        return Template(
            template_name=WIZARD_PAGE,
            context={
                "registration": registration,
                "wizard": {"period": view},
                "steps": steps_,
                "step": steps.NUMBER,
                "tabs": steps_.tabs(steps.NUMBER),
                "view": view,
                "candidate_number": account.candidate_number,
                "documents": [domain.summary_label],
                "modifying": registration.version > 1,
                "title": tab_title(
                    steps_,
                    steps.NUMBER,
                    where_label(registration if registration.version > 1 else None),
                ),
                "errors": {},
            },
        )

    @get("/mes-inscriptions/{number:str}/modifier", name="registrations:modify_page")
    async def modify_page(
        self, request: HTMXRequest, number: FromPath[str], db: NamedDependency[Database]
    ) -> Redirect:
        """ "Modifier" is a button (POST); a GET lands on the recap, where that button is."""
        await self._registration(request, db, number)
        return see_other(request, route_url(request, "registrations:show", number=number))

    @post("/mes-inscriptions/{number:str}/modifier", name="registrations:modify", status_code=200)
    async def modify(
        self,
        request: HTMXRequest,
        number: FromPath[str],
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
    ) -> Response[Any]:
        registration, view = await self._registration(request, db, number)
        return respond(request, await flow.modify(db, registration, view.is_open(now), now))

    @get("/mes-inscriptions/{number:str}/imprimer", name="registrations:print")
    async def print_view(
        self, request: HTMXRequest, number: FromPath[str], db: NamedDependency[Database]
    ) -> Template:
        registration, view = await self._registration(request, db, number)
        async with db.read() as session:
            office = await reading.office_of(session, registration)
        return Template(
            template_name="registrations/print.html.j2",
            context={
                "registration": registration,
                "summary": summary.saved(registration),
                "view": view,
                "office": office,
            },
        )

    @get("/mes-inscriptions/{number:str}/se-desinscrire", name="registrations:withdraw")
    async def withdraw(
        self, request: HTMXRequest, number: FromPath[str], db: NamedDependency[Database]
    ) -> Template:
        registration, view = await self._registration(request, db, number)
        async with db.read() as session:
            office = await reading.office_of(session, registration)
        return Template(
            template_name="registrations/withdraw.html.j2",
            context={"registration": registration, "view": view, "office": office},
        )
