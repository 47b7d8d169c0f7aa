"""The registration wizard and "Mes inscriptions" (guide §5, §7, §11): thin handlers.

A new registration starts from an opening period and becomes a draft whose tabs live under
``/inscriptions/brouillon/<key>/<tab>``; a saved one is found by the candidate's own
registration number under ``/mes-inscriptions/<number>``, so another candidate's registration is
never reachable (404), whatever id or number is typed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from portal.catalog import service as catalog
from portal.catalog.models import Establishment, OpeningPeriod
from portal.db import Database
from portal.registrations import service
from portal.registrations.models import Registration, RegistrationDraft
from portal.registrations.wizard import Wizard, load_wizard, search_establishments
from portal.web.auth import current_account_id, requires_account
from portal.web.htmx import render, see_other, wants_fragment
from portal.web.sessions import get_session

LIST_PATH = "/mes-inscriptions"
DRAFT_PATH = "/inscriptions/brouillon/{key}/{step}"
WIZARD_PAGE = "registrations/wizard.html.j2"
WIZARD_FRAGMENT = "registrations/partials/_wizard.html.j2"
ACTIONS = {"precedent", "suivant", "enregistrer", "quitter", "rechercher", "actualiser"}


class DraftAlreadySaved(Exception):
    """A tab of a draft that another tab (or a double click) has already saved."""

    def __init__(self, registration_number: str) -> None:
        super().__init__(registration_number)
        self.registration_number = registration_number


def _already_saved(request: Request, exc: DraftAlreadySaved) -> Response[Any]:
    return see_other(
        request,
        registration_url(exc.registration_number),
        flash="Cette inscription a déjà été enregistrée : la voici.",
    )


def _db(request: Request) -> Database:
    return request.app.state.db


def _now(request: Request) -> datetime:
    return request.app.state.clock()


def draft_url(key: str, step: str, **query: str) -> str:
    url = DRAFT_PATH.format(key=key, step=step)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def registration_url(number: str, tail: str = "") -> str:
    return f"{LIST_PATH}/{number}{tail}"


def _go(request: Request, url: str, *, flash: str | None = None) -> Response[Any]:
    """303 after a POST. Between tabs htmx follows it and swaps the next tab in place; a
    destination outside the wizard is a whole page, so htmx is told to load it as one."""
    if wants_fragment(request) and not url.startswith("/inscriptions/brouillon/"):
        if flash:
            get_session(request).flash(flash)
        return Response(content=b"", status_code=200, headers={"HX-Redirect": url})
    return see_other(request, url, flash=flash)


async def _draft_and_wizard(
    request: Request, key: str
) -> tuple[RegistrationDraft, Wizard, Registration | None]:
    account_id = current_account_id(request)
    now = _now(request)
    async with _db(request).read() as session:
        draft = await service.get_draft(session, account_id, key)
        if draft is None:
            saved = await service.saved_from_draft(session, account_id, key)
            if saved is not None:
                raise DraftAlreadySaved(saved.registration_number)
            raise NotFoundException()
        registration = (
            await session.get(Registration, draft.registration_id)
            if draft.registration_id
            else None
        )
        wizard = await load_wizard(
            session,
            account_id=account_id,
            entry_period_id=draft.opening_period_id,
            data=service.draft_data(draft),
            now=now,
        )
    if wizard is None:
        raise NotFoundException()
    return draft, wizard, registration


def _closed_message(wizard: Wizard) -> str:
    closes = wizard.period.closes_at
    from portal.web.templating import paris

    return (
        "Le service d'inscription est fermé depuis le "
        f"{paris(closes, 'dd/MM/yyyy à HH:mm')} (heure de Paris) : votre saisie non enregistrée "
        "a été supprimée."
    )


def _page(
    request: Request,
    draft: RegistrationDraft,
    wizard: Wizard,
    step_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    results: list[Any] | None = None,
    status_code: int = 200,
    push: bool = False,
) -> Template:
    steps = wizard.steps
    step = steps.get(step_id)
    assert step is not None
    context = {
        "draft": draft,
        "wizard": wizard,
        "steps": steps,
        "step": step,
        "tabs": steps.tabs(step),
        "values": values if values is not None else wizard.values(step.id),
        "errors": errors or {},
        "notice": notice,
        "results": results,
        "previous": steps.previous(step),
        "next": steps.next(step),
        "return_to_recap": request.query_params.get("retour") == "recapitulatif",
        "action_url": draft_url(draft.key, step.id),
        "summary": wizard.summary() if step.id == "recapitulatif" else None,
        "eligibility": wizard.eligibility_problem() if step.id == "recapitulatif" else None,
        "problems": wizard.revalidate() if step.id == "recapitulatif" else {},
        "modifying": draft.registration_id is not None,
        "is_fragment": wants_fragment(request),
    }
    headers = {"HX-Push-Url": draft_url(draft.key, step.id)} if push else None
    return render(
        request,
        WIZARD_PAGE,
        context,
        fragment=WIZARD_FRAGMENT,
        status_code=status_code,
        headers=headers,
    )


class RegistrationsController(Controller):
    include_in_schema = False
    guards = [requires_account]
    exception_handlers = {DraftAlreadySaved: _already_saved}

    # -- start -------------------------------------------------------------------------------
    @get("/inscriptions/nouvelle/{period_id:int}", name="registrations:new")
    async def new(self, request: Request, period_id: FromPath[int]) -> Response[Any]:
        account_id = current_account_id(request)
        now = _now(request)
        async with _db(request).read() as session:
            view = await catalog.get_period(session, period_id)
            period = await session.get(OpeningPeriod, period_id)
        if view is None or period is None:
            raise NotFoundException()
        refusal = catalog.enrolment_refusal(view, now)
        if refusal is not None:
            return _go(request, f"/m-inscrire/periode/{period_id}")
        try:
            draft = await service.open_new_draft(_db(request), account_id, period, now)
        except service.AlreadyRegistered as exc:
            return _go(request, registration_url(exc.registration_number), flash=exc.message)
        async with _db(request).read() as session:
            wizard = await load_wizard(
                session,
                account_id=account_id,
                entry_period_id=draft.opening_period_id,
                data=service.draft_data(draft),
                now=now,
            )
        assert wizard is not None
        return _go(request, draft_url(draft.key, wizard.steps.first_incomplete().id))

    # -- a tab -------------------------------------------------------------------------------
    @get("/inscriptions/brouillon/{key:str}/{step:str}", name="registrations:step")
    async def step(
        self, request: Request, key: FromPath[str], step: FromPath[str]
    ) -> Response[Any]:
        draft, wizard, _registration = await _draft_and_wizard(request, key)
        if not wizard.period.is_open(_now(request)):
            await service.drop_draft(_db(request), draft)
            return _go(request, LIST_PATH, flash=_closed_message(wizard))
        resolved = wizard.steps.resolve(step)
        if resolved is None or resolved.id == "numero":
            raise NotFoundException()
        if resolved.id != step:
            return _go(request, draft_url(key, resolved.id))
        return _page(request, draft, wizard, step)

    @post(
        "/inscriptions/brouillon/{key:str}/{step:str}",
        name="registrations:step_submit",
        status_code=200,
    )
    async def submit(
        self, request: Request, key: FromPath[str], step: FromPath[str]
    ) -> Response[Any]:
        form = await request.form()
        action = form.get("action", "suivant")
        if action not in ACTIONS:
            action = "suivant"
        optional = form.getall("optional") if "optional" in form else []
        values: dict[str, Any] = {
            k: v for k, v in form.items() if k not in {"_csrf_token", "action", "optional"}
        }
        if step == "epreuves":
            values["optional"] = optional
        draft, wizard, registration = await _draft_and_wizard(request, key)
        now = _now(request)
        if not wizard.period.is_open(now):
            await service.drop_draft(_db(request), draft)
            return _go(request, LIST_PATH, flash=_closed_message(wizard))
        current = wizard.steps.resolve(step)
        if current is None or current.id != step or current.id == "numero":
            raise NotFoundException()
        if registration is not None and registration.version != draft.base_version:
            # Saved meanwhile from another tab: keep what was typed here, on the current version.
            draft = await service.rebase_draft(_db(request), draft, registration, now)
            wizard.data = service.draft_data(draft)
            conflict = service.ModifiedMeanwhile(registration.version).message
            if current.editable:
                draft = await service.update_draft(
                    _db(request), draft, now, step=step, values=values, valid=False
                )
                wizard.data = service.draft_data(draft)
            return _page(request, draft, wizard, step, notice=conflict, push=True)

        if action == "quitter":
            if current.editable:
                await service.update_draft(
                    _db(request), draft, now, step=step, values=values, valid=False
                )
            return _go(
                request,
                LIST_PATH,
                flash="Votre saisie est conservée : vous pourrez reprendre votre inscription "
                "depuis « M'inscrire » tant que le service est ouvert. Elle n'est pas encore "
                "enregistrée.",
            )
        if action == "enregistrer":
            return await self._save(request, draft, wizard, current.id)
        if not current.editable:  # the recap: Précédent / Suivant only move
            target = wizard.steps.previous(current) if action == "precedent" else current
            return _go(request, draft_url(key, (target or current).id))

        async with _db(request).read() as session:
            await wizard.prepare(session, values)
        result = wizard.validate(step, values, optional)
        if action in {"rechercher", "actualiser"}:
            # Establishment search or a list to refresh without JavaScript: keep, don't judge.
            draft = await service.update_draft(
                _db(request), draft, now, step=step, values=values, valid=False
            )
            wizard.data = service.draft_data(draft)
            results = None
            if action == "rechercher":
                async with _db(request).read() as session:
                    results = await search_establishments(
                        session,
                        str(values.get("work_department", "")),
                        str(values.get("establishment_query", "")),
                    )
            return _page(request, draft, wizard, step, values=values, results=results)
        if action == "precedent":
            await service.update_draft(
                _db(request),
                draft,
                now,
                step=step,
                values=result.clean if result.valid else values,
                valid=result.valid,
            )
            previous = wizard.steps.previous(current) or current
            return self._move(request, key, previous.id)
        if not result.valid:
            draft = await service.update_draft(
                _db(request), draft, now, step=step, values=values, valid=False
            )
            wizard.data = service.draft_data(draft)
            return _page(request, draft, wizard, step, values=values, errors=result.errors)
        draft = await service.update_draft(
            _db(request), draft, now, step=step, values=result.clean, valid=True
        )
        if request.query_params.get("retour") == "recapitulatif":
            return self._move(request, key, "recapitulatif")
        wizard.data = service.draft_data(draft)
        following = wizard.steps.next(current)
        return self._move(request, key, following.id if following else current.id)

    @staticmethod
    def _move(request: Request, key: str, step_id: str) -> Response[Any]:
        return _go(request, draft_url(key, step_id))

    async def _save(
        self, request: Request, draft: RegistrationDraft, wizard: Wizard, step_id: str
    ) -> Response[Any]:
        now = _now(request)
        if step_id != "recapitulatif":
            return _go(request, draft_url(draft.key, "recapitulatif"))
        problems = wizard.revalidate()
        eligibility = wizard.eligibility_problem()
        if problems or eligibility:
            return _page(request, draft, wizard, "recapitulatif", status_code=200)
        snapshot = {
            **{k: v for k, v in wizard.data["clean"].items()},
            "summary": wizard.summary(),
        }
        try:
            registration = await service.save(
                _db(request), draft, period_id=wizard.period.id, snapshot=snapshot, now=now
            )
        except service.ModifiedMeanwhile as exc:
            async with _db(request).read() as session:
                current = await session.get(Registration, draft.registration_id)
            assert current is not None
            draft = await service.rebase_draft(_db(request), draft, current, now)
            wizard.data = service.draft_data(draft)
            return _page(request, draft, wizard, "recapitulatif", notice=exc.message)
        except service.AlreadyRegistered as exc:
            return _go(request, registration_url(exc.registration_number), flash=exc.message)
        except service.RegistrationError as exc:
            return _go(request, LIST_PATH, flash=exc.message)
        return _go(request, registration_url(registration.registration_number, "/numero"))

    @get("/inscriptions/brouillon/{key:str}/apercu", name="registrations:preview")
    async def preview(self, request: Request, key: FromPath[str]) -> Template:
        """Visualiser/imprimer before saving: the recap, marked as not saved."""
        _draft, wizard, registration = await _draft_and_wizard(request, key)
        return Template(
            template_name="registrations/print.html.j2",
            context={
                "registration": registration,
                "summary": wizard.summary(),
                "view": wizard.period,
                "office": wizard.office,
                "unsaved": True,
            },
        )

    # -- helpers for htmx --------------------------------------------------------------------
    @get("/inscriptions/brouillon/{key:str}/etablissements", name="registrations:establishments")
    async def establishments(
        self,
        request: Request,
        key: FromPath[str],
        work_department: FromQuery[str] = "",
        establishment_query: FromQuery[str] = "",
        establishment: FromQuery[str] = "",
    ) -> Template:
        """Suggestions while typing (htmx); the same list a plain "Rechercher" shows."""
        await _draft_and_wizard(request, key)  # the draft must be the candidate's own
        async with _db(request).read() as session:
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
        self, request: Request, key: FromPath[str], qualification: FromQuery[str] = ""
    ) -> Template:
        """The "Secteur Disciplinaire" list for the certification just chosen (htmx)."""
        _draft, wizard, _registration = await _draft_and_wizard(request, key)
        return Template(
            template_name="registrations/partials/_specialty_select.html.j2",
            context={
                "wizard": wizard,
                "values": {"qualification": qualification, "period": ""},
                "errors": {},
            },
            headers={"Vary": "HX-Request"},
        )

    # -- Mes inscriptions --------------------------------------------------------------------
    @get(LIST_PATH, name="registrations:list")
    async def list(self, request: Request) -> Template:
        account_id = current_account_id(request)
        now = _now(request)
        async with _db(request).read() as session:
            cards = await service.cards(session, account_id, now)
            drafts = await service.open_drafts(session, account_id, now)
        return Template(
            template_name="registrations/list.html.j2",
            context={"cards": cards, "drafts": drafts, "now": now},
        )

    async def _registration(self, request: Request, number: str) -> tuple[Registration, Any]:
        account_id = current_account_id(request)
        async with _db(request).read() as session:
            registration = await service.get_registration(session, account_id, number)
            if registration is None or registration.withdrawn_at is not None:
                raise NotFoundException()
            view = await catalog.get_period(session, registration.opening_period_id)
            office = await service.office_of(session, registration)
        if view is None:
            raise NotFoundException()
        return registration, {"view": view, "office": office}

    @get(f"{LIST_PATH}/{{number:str}}", name="registrations:show")
    async def show(self, request: Request, number: FromPath[str]) -> Template:
        registration, extra = await self._registration(request, number)
        now = _now(request)
        return Template(
            template_name="registrations/show.html.j2",
            context={
                "registration": registration,
                "summary": json.loads(registration.data).get("summary", {}),
                "open": extra["view"].is_open(now),
                "now": now,
                **extra,
            },
        )

    @get(f"{LIST_PATH}/{{number:str}}/numero", name="registrations:number")
    async def number(self, request: Request, number: FromPath[str]) -> Template:
        registration, extra = await self._registration(request, number)
        async with _db(request).read() as session:
            wizard = await load_wizard(
                session,
                account_id=registration.account_id,
                entry_period_id=registration.opening_period_id,
                data={"clean": json.loads(registration.data), "raw": {}},
                now=_now(request),
                saved=True,
            )
            account_candidate = wizard.account.candidate_number if wizard else None
        assert wizard is not None
        steps = wizard.steps
        step = steps.get("numero")
        assert step is not None
        return Template(
            template_name="registrations/number.html.j2",
            context={
                "registration": registration,
                "wizard": wizard,
                "steps": steps,
                "step": step,
                "tabs": steps.tabs(step),
                "candidate_number": account_candidate,
                "documents": [wizard.domain.summary_label],
                **extra,
            },
        )

    @get(f"{LIST_PATH}/{{number:str}}/modifier", name="registrations:modify")
    async def modify(self, request: Request, number: FromPath[str]) -> Response[Any]:
        registration, extra = await self._registration(request, number)
        now = _now(request)
        if not extra["view"].is_open(now):
            return _go(request, registration_url(number))
        draft = await service.open_modification_draft(
            _db(request), registration.account_id, registration, now
        )
        return _go(request, draft_url(draft.key, "identification"))

    @get(f"{LIST_PATH}/{{number:str}}/imprimer", name="registrations:print")
    async def print_view(self, request: Request, number: FromPath[str]) -> Template:
        registration, extra = await self._registration(request, number)
        return Template(
            template_name="registrations/print.html.j2",
            context={
                "registration": registration,
                "summary": json.loads(registration.data).get("summary", {}),
                **extra,
            },
        )

    @get(f"{LIST_PATH}/{{number:str}}/se-desinscrire", name="registrations:withdraw")
    async def withdraw(self, request: Request, number: FromPath[str]) -> Template:
        registration, extra = await self._registration(request, number)
        return Template(
            template_name="registrations/withdraw.html.j2",
            context={"registration": registration, **extra},
        )
