"""The wizard's orchestration over drafts and saving, apart from HTTP: what a request to a tab
leads to. Each function loads the draft and its wizard in one read transaction, decides, writes
the draft at most once, and returns an ``Outcome`` that the controller turns into a response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from portal.catalog import service as catalog
from portal.catalog.models import OpeningPeriod
from portal.dates import paris
from portal.db import Database
from portal.registrations import drafts, saving, steps, summary
from portal.registrations.drafts import Loaded
from portal.registrations.errors import (
    AlreadyRegistered,
    ModifiedMeanwhile,
    RegistrationError,
)
from portal.registrations.models import Registration
from portal.registrations.steps import Step

KEPT = (
    "Votre saisie est conservée : vous pourrez reprendre votre inscription depuis « M'inscrire » "
    "tant que le service est ouvert. Elle n'est pas encore enregistrée."
)


class Action(StrEnum):
    """The wizard's buttons; the values are what the forms submit (``name="action"``)."""

    previous = "precedent"
    next = "suivant"
    save = "enregistrer"
    quit = "quitter"
    search = "rechercher"
    refresh = "actualiser"
    enter = "entree"  # Enter in a field (the form's hidden default button)

    @classmethod
    def read(cls, value: Any) -> Action:
        """The pressed button; anything unknown means "Suivant"."""
        try:
            return cls(str(value or cls.next))
        except ValueError:
            return cls.next


class Place(StrEnum):
    """Where a request leaves the wizard for."""

    list = "list"  # Mes inscriptions
    registration = "registration"  # a saved registration's recap
    number = "number"  # the N° Inscription tab of a saved registration
    period = "period"  # the period's page in M'inscrire (closed, not yet open...)


@dataclass(frozen=True)
class Missing:
    """Nothing there for this candidate (404)."""


@dataclass(frozen=True)
class Move:
    """Go to another tab of the same draft."""

    key: str
    step: Step


@dataclass(frozen=True)
class Show:
    """Show a tab (again), with what was submitted, its errors, a notice, search results."""

    loaded: Loaded
    step: Step
    values: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None
    results: list[Any] | None = None


@dataclass(frozen=True)
class Leave:
    place: Place
    number: str = ""  # the registration's number (registration, number)
    period_id: int = 0  # the period (period)
    flash: str | None = None


Outcome = Missing | Move | Show | Leave


PERIOD_FIELD = "periode"  # the wizard form names its period, for when its draft is gone


def closed_message(loaded: Loaded) -> str:
    return _closed_since(loaded.wizard.period.closes_at)


def _closed_since(closes_at: datetime) -> str:
    closes = paris(closes_at, "dd/MM/yyyy à HH:mm")
    return (
        f"Le service d'inscription est fermé depuis le {closes} (heure de Paris) : votre saisie "
        "non enregistrée a été supprimée."
    )


async def _gone(db: Database, form: Mapping[str, Any], now: datetime) -> Outcome:
    """A tab sent for a draft that no longer exists: when its period has closed (the drafts of a
    closed period are dropped every few minutes), say so on the page rather than "introuvable"."""
    try:
        period_id = int(str(form.get(PERIOD_FIELD, "")))
    except ValueError:
        return Missing()
    async with db.read() as session:
        period = await session.get(OpeningPeriod, period_id) if 0 < period_id < 2**31 else None
    if period is None:
        return Missing()
    closes_at = period.closes_at
    if closes_at.tzinfo is None:  # SQLite gives back naive UTC instants
        closes_at = closes_at.replace(tzinfo=UTC)
    if closes_at > now:
        return Missing()
    return Leave(Place.list, flash=_closed_since(period.closes_at))


async def _load(db: Database, account_id: int, key: str, now: datetime) -> Loaded | None:
    async with db.read() as session:
        return await drafts.load(session, account_id, key, now)


async def startable(
    db: Database, period_id: int, now: datetime
) -> catalog.PeriodView | Missing | Leave:
    """The period a registration may begin from now, else where to go instead."""
    async with db.read() as session:
        view = await catalog.get_period(session, period_id)
    if view is None:
        return Missing()
    if catalog.registration_refusal(view, now) is not None:
        return Leave(Place.period, period_id=period_id)
    return view


async def start(db: Database, account_id: int, period_id: int, now: datetime) -> Outcome:
    """Begin (or resume) a registration for an opening period."""
    found = await startable(db, period_id, now)
    if not isinstance(found, catalog.PeriodView):
        return found
    async with db.read() as session:
        period = await session.get(OpeningPeriod, period_id)
    if period is None:
        return Missing()
    try:
        draft = await drafts.open_new_draft(db, account_id, period, now)
    except AlreadyRegistered as exc:
        return Leave(Place.registration, number=exc.registration_number, flash=exc.message)
    loaded = await _load(db, account_id, draft.key, now)
    if loaded is None:
        return Missing()
    return Move(draft.key, loaded.wizard.steps.first_incomplete())


async def modify(db: Database, registration: Registration, open_: bool, now: datetime) -> Outcome:
    """Modifier: the draft of a new version, while the period is open."""
    if not open_:
        return Leave(Place.registration, number=registration.registration_number)
    draft = await drafts.open_modification_draft(db, registration.account_id, registration, now)
    return Move(draft.key, steps.IDENTIFICATION)


async def show_step(
    db: Database, account_id: int, key: str, segment: str, now: datetime
) -> Outcome:
    """GET a tab: itself, or the first incomplete tab before it."""
    loaded = await _load(db, account_id, key, now)
    if loaded is None:
        return Missing()
    if not loaded.wizard.period.is_open(now):
        await drafts.drop(db, loaded.draft)
        return Leave(Place.list, flash=closed_message(loaded))
    requested = loaded.wizard.steps.by_segment(segment)
    if requested is None or requested.after_save:
        return Missing()
    resolved = loaded.wizard.steps.resolve_step(requested)
    if resolved != requested:
        return Move(key, resolved)
    return Show(loaded, requested)


async def submit_step(
    db: Database,
    *,
    account_id: int,
    key: str,
    segment: str,
    form: Mapping[str, Any],
    now: datetime,
    back_to_summary: bool = False,
    on_saved: Sequence[saving.OnSaved] = (),
) -> Outcome:
    """POST a tab: move, validate, keep, search or save, with one draft write at most."""
    loaded = await _load(db, account_id, key, now)
    if loaded is None:
        return await _gone(db, form, now)
    draft, wizard, registration = loaded.draft, loaded.wizard, loaded.registration
    if not wizard.period.is_open(now):
        await drafts.drop(db, draft)
        return Leave(Place.list, flash=closed_message(loaded))
    step = wizard.steps.by_segment(segment)
    if step is None or step.after_save or wizard.steps.resolve_step(step) != step:
        return Missing()
    action = Action.read(form.get("action"))
    values = step.parse(form) if step.editable else {}
    if action is Action.enter:
        action = Action.search if _search_pending(values, wizard.values(step)) else Action.next

    async def keep(new_values: dict[str, Any], *, valid: bool, base: int | None = None) -> None:
        if step.editable:
            wizard.keep(step, new_values, valid=valid)
        await drafts.write(db, draft, wizard.data, now, base_version=base)

    if registration is not None and registration.version != draft.base_version:
        # Saved meanwhile from another tab: keep what was typed here, on the current version.
        await keep(values, valid=False, base=registration.version)
        return Show(loaded, step, notice=ModifiedMeanwhile(registration.version).message)
    if action is Action.quit:
        await keep(values, valid=False)
        return Leave(Place.list, flash=KEPT)
    if action is Action.save:
        return (
            await _save(db, loaded, step, now, on_saved) if step.saves else Move(key, steps.SUMMARY)
        )
    if not step.editable:  # the recap: Précédent / Suivant only move
        target = wizard.steps.previous(step) if action is Action.previous else step
        return Move(key, target or step)

    results = None
    async with db.read() as session:
        await step.prepare(values, wizard, session)
        if action is Action.search:
            results = await step.search(values, session)
    result = step.validate(values, wizard)
    if action in (Action.search, Action.refresh):
        # Establishment search or a list to refresh without JavaScript: keep, don't judge.
        await keep(values, valid=False)
        return Show(loaded, step, values=values, results=results)
    if action is Action.previous:
        await keep(result.clean if result.valid else values, valid=result.valid)
        return Move(key, wizard.steps.previous(step) or step)
    if not result.valid:
        await keep(values, valid=False)
        return Show(loaded, step, values=values, errors=result.errors)
    await keep(result.clean, valid=True)
    if back_to_summary:
        return Move(key, steps.SUMMARY)
    return Move(key, wizard.steps.next(step) or step)


def _search_pending(values: Mapping[str, Any], kept: Mapping[str, Any]) -> bool:
    """Enter pressed with a search typed and not yet looked up (or nothing chosen from it) is
    a search, as in any search field; anywhere else Enter means "Suivant"."""
    query = str(values.get("establishment_query") or "").strip()
    if not query:
        return False
    previous = str(kept.get("establishment_query") or "").strip()
    return query != previous or not values.get("establishment")


ABANDONED = (
    "Votre inscription commencée a été abandonnée : sa saisie est supprimée. Vous pouvez en "
    "commencer une autre depuis « M'inscrire »."
)
ABANDONED_CHANGES = (
    "Vos modifications non enregistrées ont été abandonnées : la version {version:02d} de votre "
    "candidature n° {number} reste enregistrée."
)


async def abandon(db: Database, account_id: int, key: str, now: datetime) -> Outcome:
    """Abandonner cette inscription: the draft is dropped (a saved version stays as it was), so
    a registration begun for the wrong académie can give way to the right one."""
    loaded = await _load(db, account_id, key, now)
    if loaded is None:
        return Missing()
    await drafts.drop(db, loaded.draft)
    registration = loaded.registration
    if registration is None:
        return Leave(Place.list, flash=ABANDONED)
    flash = ABANDONED_CHANGES.format(
        version=registration.version, number=registration.registration_number
    )
    return Leave(Place.list, flash=flash)


async def _save(
    db: Database, loaded: Loaded, step: Step, now: datetime, on_saved: Sequence[saving.OnSaved]
) -> Outcome:
    wizard = loaded.wizard
    if wizard.problems() or wizard.eligibility_problem():
        return Show(loaded, step)
    try:
        registration = await saving.save(
            db,
            loaded.draft,
            period_id=wizard.period.id,
            record=wizard.record(),
            summary=summary.build(wizard),
            now=now,
            on_saved=on_saved,
        )
    except ModifiedMeanwhile as exc:
        await drafts.write(db, loaded.draft, wizard.data, now, base_version=exc.version)
        return Show(loaded, step, notice=exc.message)
    except AlreadyRegistered as exc:
        return Leave(Place.registration, number=exc.registration_number, flash=exc.message)
    except RegistrationError as exc:
        return Leave(Place.list, flash=exc.message)
    return Leave(Place.number, number=registration.registration_number)
