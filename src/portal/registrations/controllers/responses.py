"""How a wizard outcome becomes a response: the tab as a page or an htmx fragment (one round
trip per step, its URL in HX-Push-Url), the redirects out of the wizard, titles, the long lists
sent apart, the limit on "Enregistrer"."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import partial
from typing import Any

from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Response, Template

from portal.accounts import throttling
from portal.db import Database
from portal.registrations import flow, steps, summary
from portal.registrations.errors import DraftAlreadySaved
from portal.registrations.flow import Action, Leave, Missing, Move, Outcome, Place, Show
from portal.registrations.models import Registration
from portal.registrations.steps import StepList
from portal.settings import Settings
from portal.web.auth import current_account_id
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
COMMUNES_LIST = "communes"  # the communes of one postal code (?code=78270)
LIST_CACHE = "private, max-age=86400"
WIZARD_PAGE = "registrations/wizard.html.j2"
WIZARD_FRAGMENT = "registrations/partials/_wizard.html.j2"
BACK_TO_SUMMARY = {"retour": steps.SUMMARY.segment}  # "Modifier" from the recap comes back


def route_url(request: HTMXRequest, name: str, **params: Any) -> str:
    return request.app.route_reverse(name, **params)


def step_url(request: HTMXRequest, key: str, step: steps.Step) -> str:
    return route_url(request, "registrations:step", key=key, slug=step.segment)


def _place_url(request: HTMXRequest, leave: Leave) -> str:
    if leave.place is Place.list:
        return route_url(request, "registrations:list")
    if leave.place is Place.period:
        return route_url(request, "catalog:register_period", period_id=leave.period_id)
    name = "registrations:number" if leave.place is Place.number else "registrations:show"
    return route_url(request, name, number=leave.number)


def _leave(request: HTMXRequest, leave: Leave) -> Response[Any]:
    """Out of the wizard: a whole page, so htmx is told to load it as one."""
    url = _place_url(request, leave)
    if request.htmx and not request.htmx.boosted:
        if leave.flash:
            get_session(request).flash(leave.flash)
        return ClientRedirect(redirect_to=url)
    return see_other(request, url, flash=leave.flash)


def already_saved(request: HTMXRequest, exc: DraftAlreadySaved) -> Response[Any]:
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


def tab_title(steps_: StepList, step: steps.Step, where: str) -> str:
    """ "Étape 2 sur 6 : Qualification présentée - M'inscrire" (the page adds " - Portail
    Candidat", the site's convention for every title)."""
    return f"Étape {steps_.number(step)} sur {len(steps_.steps)} : {step.label} - {where}"


def where_label(registration: Registration | None) -> str:
    if registration is None:
        return "M'inscrire"
    return f"Modification de l'inscription {registration.registration_number}"


def _list_version(options: Any) -> str:
    return hashlib.sha256(repr(options).encode()).hexdigest()[:12]


def list_url(request: HTMXRequest, slug: str, options: Any, code: str = "") -> str:
    """The URL of a list's options: it changes with their content, so the browser keeps it."""
    url = route_url(request, "registrations:options", list_name=slug)
    return f"{url}?{f'code={code}&' if code else ''}v={_list_version(options)}"


def _lazy_lists(request: HTMXRequest, choices: Any) -> list[tuple[list[tuple[str, str]], str]]:
    """For a fragment: each long list with the URL of its options (the select macro then
    draws only the chosen option, and the script fills in the rest from the browser's cache).
    One version for them all (any list that changes renews every URL): a tab's fragment
    repeats it instead of carrying one hash per list."""
    lists = [getattr(choices, attribute) for attribute in LAZY_LISTS.values()]
    return [
        (options, list_url(request, slug, lists))
        for slug, options in zip(LAZY_LISTS, lists, strict=True)
    ]


async def limit_saves(db: Database, settings: Settings, account_id: int, now: datetime) -> None:
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
        "preview_url": route_url(request, "registrations:preview", key=draft.key),
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
        "title": tab_title(steps_, step, where_label(shown.loaded.registration)),
        "is_fragment": wants_fragment(request),
        "lazy_lists": _lazy_lists(request, wizard.choices) if wants_fragment(request) else [],
        # The communes of the postal code, sent apart in a fragment like the long lists.
        "communes_url": (
            partial(list_url, request, COMMUNES_LIST) if wants_fragment(request) else None
        ),
    }
    headers = None
    if wants_fragment(request):
        # The address bar shows the tab's own URL: a new history entry when another tab comes
        # (a move, a tab's link), the same entry otherwise (errors, a search). Helper
        # fragments never touch it.
        pushed = moved or request.method == "GET"
        headers = {"HX-Push-Url" if pushed else "HX-Replace-Url": action_url}
    return render(request, WIZARD_PAGE, context, fragment=WIZARD_FRAGMENT, headers=headers)


def helper_page(request: HTMXRequest, key: str, step: steps.Step) -> Redirect:
    """A helper fragment's URL outside htmx: never a bare fragment, the tab it belongs to."""
    redirect = see_other(request, step_url(request, key, step))
    redirect.headers["Vary"] = "HX-Request"
    return redirect
