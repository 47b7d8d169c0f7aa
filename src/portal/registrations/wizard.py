"""The registration wizard for one draft (or one saved registration): the account, the chosen
period, the reference lists and the draft's data, loaded in a handful of queries, and the
answers the flow and the pages ask for: which steps apply, what a tab's form shows, what is
still to review before "Enregistrer". What each tab's form is lives with its step (``steps``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account
from portal.catalog import service as catalog
from portal.catalog.models import (
    Domain,
    Establishment,
)
from portal.registrations import steps
from portal.registrations.choices import Choices, PaperChoice
from portal.registrations.steps import Record, Step, StepList, WizardState
from portal.registrations.steps.identification import residence_problem


# -- reference lists: from the catalog in memory (portal.catalog.snapshot), reloaded when the
# catalog version moves, so a reloaded list shows on the next request ---------------------------
def _lists(snapshot: catalog.Catalog) -> dict[str, Any]:
    departments = snapshot.departments
    hr = snapshot.hr_options
    return {
        "countries": [(c.code, c.name) for c in snapshot.countries],
        "nationalities": [(n.code, n.label) for n in snapshot.nationalities],
        "departments": [(d.code, d.label) for d in departments],
        "department_rows": [
            (d.code, d.name, d.academy_code, d.postal_prefixes) for d in departments
        ],
        "corps": [(h.code, h.label) for h in hr if h.kind == "corps"],
        "statuses": [(h.code, h.label) for h in hr if h.kind == "status"],
        "positions": [(h.code, h.label) for h in hr if h.kind == "position"],
        "postal_prefixes": tuple(
            prefix for d in departments for prefix in d.postal_prefixes.split()
        ),
        "academy_names": {a.code: a.name for a in snapshot.academies.values()},
        "domains": {d.code: Domain.model_validate(d.model_dump()) for d in snapshot.domains},
    }


async def reference_lists(session: AsyncSession) -> dict[str, Any]:
    return (await catalog.of_session(session)).derived("wizard_lists", _lists)


def empty_data() -> dict[str, Any]:
    return {"clean": {}, "raw": {}}


@dataclass
class Wizard:
    """Everything one draft's tabs need."""

    account: Account
    period: catalog.PeriodView  # the period being registered for (as chosen in tab 2)
    domain: Domain
    data: dict[str, Any]  # {"clean": {step id: values}, "raw": {step id: values}}
    choices: Choices
    papers: list[PaperChoice]
    department_rows: list[tuple[str, str, str, str]]
    now: datetime
    saved: bool = False
    establishment: Establishment | None = None  # as validated (the recap)
    selected_establishment: Establishment | None = None  # as last typed (the form)
    academy_names: dict[str, str] = field(default_factory=dict)

    @property
    def qualification_label(self) -> str:
        return self.domain.qualification_label

    # -- steps ------------------------------------------------------------------------------
    @property
    def state(self) -> WizardState:
        return WizardState(
            asks_situation=self.period.qualification.asks_situation,
            draft=self.data["clean"],
            saved=self.saved,
        )

    @property
    def steps(self) -> StepList:
        return StepList(steps.STEPS, self.state)

    def clean(self, step: Step) -> dict[str, Any] | None:
        return self.data["clean"].get(step.id)

    def values(self, step: Step) -> dict[str, Any]:
        """What the tab's form shows: what was typed last, else what was validated, else defaults."""
        raw = self.data["raw"].get(step.id)
        if raw is not None:
            return dict(raw)
        clean = self.clean(step)
        if clean is not None:
            return dict(clean)
        return step.defaults(self)

    def keep(self, step: Step, values: dict[str, Any], *, valid: bool) -> None:
        """Put what was submitted in ``step`` into the data (clean when valid, else raw)."""
        if valid:
            self.data["clean"][step.id] = values
            self.data["raw"].pop(step.id, None)
        else:
            self.data["raw"][step.id] = values

    # -- before "Enregistrer" ---------------------------------------------------------------
    def problems(self) -> dict[Step, str]:
        """Every tab's saved values checked again, against today's lists."""
        found: dict[Step, str] = {}
        for step in self.steps:
            if not step.editable:
                continue
            clean = self.clean(step)
            if clean is None:
                found[step] = f"L'onglet « {step.label} » n'est pas complété."
                continue
            result = step.validate(step.as_form(clean), self)
            if not result.valid:
                found[step] = (
                    f"L'onglet « {step.label} » est à revoir : {next(iter(result.errors.values()))}"
                )
        return found

    def eligibility_problem(self) -> str | None:
        """The académie of residence (BIA), from the commune when it is known."""
        identification = self.clean(steps.IDENTIFICATION)
        if identification is None:
            return None
        return residence_problem(identification, self)

    def record(self) -> Record:
        """The clean data as a saved registration keeps it (answers, UAI, paper rows)."""
        record = Record()
        for step in self.steps:
            clean = self.clean(step)
            if clean is not None:
                step.record(clean, self, record)
        return record


@dataclass(frozen=True)
class Entry:
    """The period a draft (or registration) began from, and where its alternatives are."""

    period_id: int
    domain_code: str
    academy_code: str


def restore(saved: Record, *, only_prefill: bool = False) -> dict[str, dict[str, Any]]:
    """The steps' clean values from a saved registration (``only_prefill``: a new draft's)."""
    found = {}
    for step in steps.EDITABLE:
        if only_prefill and not step.prefill:
            continue
        values = step.restore(saved)
        if values is not None:
            found[step.id] = values
    return found


async def load_wizard(
    session: AsyncSession,
    *,
    account: Account,
    entry: Entry,
    data: dict[str, Any],
    now: datetime,
    saved: bool = False,
) -> Wizard | None:
    """The wizard for a draft (or a saved registration) whose account is loaded; None when its
    period is gone."""
    snapshot = await catalog.of_session(session)
    lists = snapshot.derived("wizard_lists", _lists)
    # Tab 2 may have chosen another open period of the same académie and domain.
    offers_views = [
        view
        for view in snapshot.find_periods(
            domain_code=entry.domain_code, academy_code=entry.academy_code
        )
        if view.is_open(now) or view.id == entry.period_id
    ]
    entry_view = next((v for v in offers_views if v.id == entry.period_id), None)
    if entry_view is None:
        return None
    chosen_id = steps.QUALIFICATION.chosen_period(data["clean"].get(steps.QUALIFICATION.id))
    period = next(
        (v for v in offers_views if str(v.id) == (chosen_id or str(entry.period_id))), entry_view
    )
    offers: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for view in offers_views:
        _name, periods = offers.setdefault(
            str(view.qualification.id), (view.qualification.name, [])
        )
        periods.append((str(view.id), view.specialty.name))
    situation = steps.SITUATION
    clean_uai = situation.establishment(data["clean"].get(situation.id))
    typed_uai = situation.establishment(
        data["raw"].get(situation.id) or data["clean"].get(situation.id)
    )
    places: dict[str, Establishment] = {}
    if clean_uai or typed_uai:
        wanted = {uai for uai in (clean_uai, typed_uai) if uai}
        places = {
            place.uai: place
            for place in (
                await session.exec(select(Establishment).where(col(Establishment.uai).in_(wanted)))
            ).all()
        }
    establishment = places.get(clean_uai) if clean_uai else None
    selected = places.get(typed_uai, establishment) if typed_uai else establishment
    paper_rows = snapshot.papers_for(period.qualification.id, period.specialty.id)  # type: ignore[arg-type]
    papers = [
        PaperChoice(str(p.id), f"{p.code} - {p.label}", p.kind, p.mode, p.choice_group)
        for p in paper_rows
    ]
    choices = Choices(
        countries=lists["countries"],
        nationalities=lists["nationalities"],
        departments=lists["departments"],
        corps=lists["corps"],
        statuses=lists["statuses"],
        positions=lists["positions"],
        offers=offers,
        postal_prefixes=lists["postal_prefixes"],
        establishments={place.uai: place.department_code for place in places.values()},
        department_rows=lists["department_rows"],
        academy_names=lists["academy_names"],
    )
    wizard = Wizard(
        account=account,
        period=period,
        domain=lists["domains"][period.domain_code],
        data=data,
        choices=choices,
        papers=papers,
        department_rows=lists["department_rows"],
        now=now,
        saved=saved,
        establishment=establishment,
        selected_establishment=selected,
        academy_names=lists["academy_names"],
    )
    # What validating the draft's values needs from the reference tables (the communes of its
    # postal code ...), so that "Enregistrer" checks them again as the tab did.
    for step in steps.EDITABLE:
        for values in (data["clean"].get(step.id), data["raw"].get(step.id)):
            if values:
                await step.prepare(values, wizard, session)
    return wizard
