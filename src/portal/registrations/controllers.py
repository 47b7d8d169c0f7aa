"""The registration wizard and "Mes inscriptions" (guide §5, §7, §11): thin handlers.

A new registration starts from an opening period (a POST) and becomes a draft whose tabs live
under ``/inscriptions/brouillon/<key>/<slug>``; a saved one is found by the candidate's own
registration number under ``/mes-inscriptions/<number>``, so another candidate's registration is
never reachable (404), whatever id or number is typed. What a tab's request leads to is decided
in ``flow``; here it becomes a response.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Response, Template

from portal.accounts import throttling
from portal.accounts.models import Account
from portal.catalog import service as catalog
from portal.catalog.models import Establishment
from portal.catalog.places import search_establishments
from portal.db import Database
from portal.registrations import drafts, flow, reading, steps, summary
from portal.registrations.drafts import Loaded
from portal.registrations.errors import DraftAlreadySaved
from portal.registrations.flow import Action, Leave, Missing, Move, Outcome, Place, Show
from portal.registrations.models import Registration
from portal.registrations.saving import OnSaved
from portal.registrations.steps import StepList, WizardState
from portal.registrations.wizard import reference_lists
from portal.settings import Settings
from portal.web.auth import current_account_id, requires_account
from portal.web.htmx import render, see_other, wants_fragment
from portal.web.sessions import get_session

# The long reference lists a tab's fragment does not resend: each is an options fragment of its
# own, kept by the browser (its URL changes with its content). French slug -> Choices attribute.
LAZY_LISTS = {
    "pays": "countries",
    "nationalites": "nationalities",
    "departements": "departments",
    "corps": "corps",
    "statuts": "statuses",
    "positions": "positions",
}
LIST_CACHE = "private, max-age=86400"
WIZARD_PAGE = "registrations/wizard.html.j2"
WIZARD_FRAGMENT = "registrations/partials/_wizard.html.j2"
BACK_TO_SUMMARY = {"retour": steps.SUMMARY.segment}  # "Modifier" from the recap comes back


def _url(request: HTMXRequest, name: str, **params: Any) -> str:
    return request.app.route_reverse(name, **params)


def step_url(request: HTMXRequest, key: str, step: steps.Step) -> str:
    return _url(request, "registrations:step", key=key, slug=step.segment)


def _place_url(request: HTMXRequest, leave: Leave) -> str:
    if leave.place is Place.list:
        return _url(request, "registrations:list")
    if leave.place is Place.period:
        return _url(request, "catalog:register_period", period_id=leave.period_id)
    name = "registrations:number" if leave.place is Place.number else "registrations:show"
    return _url(request, name, number=leave.number)


def _leave(request: HTMXRequest, leave: Leave) -> Response[Any]:
    """Out of the wizard: a whole page, so htmx is told to load it as one."""
    url = _place_url(request, leave)
    if request.htmx and not request.htmx.boosted:
        if leave.flash:
            get_session(request).flash(leave.flash)
        return ClientRedirect(redirect_to=url)
    return see_other(request, url, flash=leave.flash)


def _already_saved(request: HTMXRequest, exc: DraftAlreadySaved) -> Response[Any]:
    flash = "Cette inscription a déjà été enregistrée : la voici."
    return _leave(request, Leave(Place.registration, number=exc.registration_number, flash=flash))


def respond(request: HTMXRequest, outcome: Outcome, *, moved: bool = False) -> Response[Any]:
    """The response to a flow's outcome."""
    if isinstance(outcome, Missing):
        raise NotFoundException()
    if isinstance(outcome, Move):  # 303 (post-redirect-get): a reload never repeats a POST
        return see_other(request, step_url(request, outcome.key, outcome.step))
    if isinstance(outcome, Leave):
        return _leave(request, outcome)
    return _page(request, outcome, moved=moved)


async def answer(
    request: HTMXRequest, db: Database, outcome: Outcome, now: datetime
) -> Response[Any]:
    """Like ``respond``, but a move asked by htmx is answered at once with the next tab and
    its URL for the address bar: one round trip per step instead of POST, 303, GET."""
    moved = False
    for _ in range(len(steps.STEPS)):  # a move may land on an earlier incomplete tab
        if not (isinstance(outcome, Move) and wants_fragment(request)):
            break
        moved = True
        outcome = await flow.show_step(
            db, current_account_id(request), outcome.key, outcome.step.segment, now
        )
    return respond(request, outcome, moved=moved)


def _title(steps_: StepList, step: steps.Step, where: str) -> str:
    """ "Étape 2 sur 6 : Qualification présentée - M'inscrire" (the page adds " - Portail
    Candidat", the site's convention for every title)."""
    return f"Étape {steps_.number(step)} sur {len(steps_.steps)} : {step.label} - {where}"


def _where(registration: Registration | None) -> str:
    if registration is None:
        return "M'inscrire"
    return f"Modification de l'inscription {registration.registration_number}"


def _list_version(options: list[tuple[str, str]]) -> str:
    return hashlib.sha256(repr(options).encode()).hexdigest()[:12]


def _lazy_lists(request: HTMXRequest, choices: Any) -> list[tuple[list[tuple[str, str]], str]]:
    """For a fragment: each long list with the URL of its options (the select macro then
    draws only the chosen option, and the script fills in the rest from the browser's cache)."""
    lists = []
    for slug, attribute in LAZY_LISTS.items():
        options = getattr(choices, attribute)
        url = _url(request, "registrations:options", list_name=slug)
        lists.append((options, f"{url}?v={_list_version(options)}"))
    return lists


async def _limit_saves(db: Database, settings: Settings, account_id: int, now: datetime) -> None:
    """The "Enregistrer" button is limited per account, never per address (a whole class saves from its
    school's one address): the same token bucket as the limits per address, keyed by account.
    A refused save changes nothing and says when to try again."""
    wait = await throttling.take(db, settings, throttling.SAVE, f"account-{account_id}", now)
    if wait is not None:
        raise TooManyRequestsException(
            detail="Trop d'enregistrements en peu de temps. Votre saisie est conservée : "
            f"réessayez dans {throttling.minutes_label(wait)}.",
            headers={"Retry-After": str(throttling.retry_after(wait))},
        )


def _page(request: HTMXRequest, shown: Show, *, moved: bool = False) -> Template:
    draft, wizard = shown.loaded.draft, shown.loaded.wizard
    steps_ = wizard.steps
    step = shown.step
    action_url = step_url(request, draft.key, step)
    # After a move answered at once, the new tab's own URL (no "retour" carried over).
    back = not moved and request.query_params.get("retour") == steps.SUMMARY.segment
    recap = step.saves
    context = {
        "draft": draft,
        "wizard": wizard,
        "steps": steps_,
        "step": step,
        "tabs": steps_.tabs(step),
        "values": shown.values if shown.values is not None else wizard.values(step),
        "errors": shown.errors,
        "notice": shown.notice,
        "results": shown.results,
        "previous": steps_.previous(step),
        "actions": Action,
        "back_query": BACK_TO_SUMMARY,
        "form_url": action_url + ("?retour=" + steps.SUMMARY.segment if back else ""),
        "preview_url": _url(request, "registrations:preview", key=draft.key),
        "summary": summary.build(wizard) if recap else None,
        "eligibility": wizard.eligibility_problem() if recap else None,
        "problems": (
            {step_url(request, draft.key, s): m for s, m in wizard.problems().items()}
            if recap
            else {}
        ),
        "edit_links": (
            {s.id: step_url(request, draft.key, s) for s in steps_ if s.editable} if recap else {}
        ),
        "address_url": step_url(request, draft.key, steps.IDENTIFICATION),
        "modifying": draft.registration_id is not None,
        "title": _title(steps_, step, _where(shown.loaded.registration)),
        "is_fragment": wants_fragment(request),
        "lazy_lists": _lazy_lists(request, wizard.choices) if wants_fragment(request) else [],
    }
    headers = None
    if wants_fragment(request):
        # The address bar shows the tab's own URL: a new history entry when another tab comes
        # (a move, a tab's link), the same entry otherwise (errors, a search). Helper
        # fragments never touch it.
        pushed = moved or request.method == "GET"
        headers = {"HX-Push-Url" if pushed else "HX-Replace-Url": action_url}
    return render(request, WIZARD_PAGE, context, fragment=WIZARD_FRAGMENT, headers=headers)


def _helper_page(request: HTMXRequest, key: str, step: steps.Step) -> Redirect:
    """A helper fragment's URL outside htmx: never a bare fragment, the tab it belongs to."""
    redirect = see_other(request, step_url(request, key, step))
    redirect.headers["Vary"] = "HX-Request"
    return redirect


class RegistrationsController(Controller):
    include_in_schema = False
    guards = [requires_account]
    exception_handlers = {DraftAlreadySaved: _already_saved}

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
            await _limit_saves(db, settings, account_id, now)
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
        return respond(request, await flow.abandon(db, account_id, key, now))

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
            return _helper_page(request, key, steps.SITUATION)
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
            return _helper_page(request, key, steps.QUALIFICATION)
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
        self, request: HTMXRequest, list_name: FromPath[str], db: NamedDependency[Database]
    ) -> Template:
        """A long reference list's options, for the selects of a swapped-in tab."""
        attribute = LAZY_LISTS.get(list_name)
        if attribute is None:
            raise NotFoundException()
        async with db.read() as session:
            options = (await reference_lists(session))[attribute]
        return Template(
            template_name="registrations/partials/_options.html.j2",
            context={"options": options, "list_name": list_name},
            headers={"Cache-Control": LIST_CACHE},
        )

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
                "title": _title(
                    steps_, steps.NUMBER, _where(registration if registration.version > 1 else None)
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
        return see_other(request, _url(request, "registrations:show", number=number))

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
