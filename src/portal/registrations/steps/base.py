"""The registration wizard as data (pretix's checkout flow): each step knows its id, its URL
slug, its label, its template, whether it applies to this qualification, whether it is complete,
and its own form: how to read it from the submitted form, its defaults, its validation, and how
its clean values are recorded in a saved registration and read back. The tab bar is drawn from
the step list, and a request for a later step is sent back to the first incomplete one. No HTTP
here: the machinery is unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from portal.forms import Result

if TYPE_CHECKING:
    from portal.accounts.models import Account
    from portal.catalog.service import PeriodView
    from portal.registrations.choices import Choices, PaperChoice


class StepContext(Protocol):
    """What a step's form needs from the wizard: the account, the period, the lists."""

    account: Account
    period: PeriodView
    choices: Choices
    papers: list[PaperChoice]

    @property
    def qualification_label(self) -> str: ...


# A submitted form: Litestar's FormMultiDict (a Mapping with ``getall``), or a plain dict.
Form = Mapping[str, Any]


@dataclass
class Record:
    """A saved registration's answers as the steps record them and read them back."""

    answers: dict[str, Any] = field(default_factory=dict)  # step id -> clean values
    establishment_uai: str | None = None
    papers: list[tuple[str, str, str | None]] = field(default_factory=list)  # (id, kind, group)


# Fields a form carries that no step reads (the CSRF token, the pressed button).
NOT_VALUES = frozenset({"_csrf_token", "action"})
# No wizard field holds more (an address line: 38). A longer value is cut to this before it is
# kept in a draft; the step's own check then refuses it with its French message.
VALUE_MAX = 200


class TabState(StrEnum):
    current = "current"
    complete = "complete"
    todo = "todo"


@dataclass(frozen=True)
class WizardState:
    """What the steps look at: the qualification's flags, the draft, whether it is saved."""

    asks_situation: bool
    draft: Mapping[str, Any] = field(default_factory=dict)  # step id -> that step's clean data
    saved: bool = False  # the registration exists and this version is saved


def _always(state: WizardState) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    id: str  # English, the key of its data in a draft
    label: str  # as the guide names the tab
    template: str
    applies: Callable[[WizardState], bool] = _always
    # By default a step is complete once its valid data is in the draft.
    complete: Callable[[WizardState], bool] | None = None
    editable: bool = True  # has a form whose "Suivant" stores data
    slug: str = ""  # the French URL segment (the id when empty)
    saves: bool = False  # its "Enregistrer" saves the registration (the recap)
    after_save: bool = False  # shown once saved, never reached from a draft (the N°)
    prefill: bool = False  # a new draft starts from the last registration's values
    recalls_account: ClassVar[bool] = False  # shows the account's data (Identification)

    @property
    def segment(self) -> str:
        return self.slug or self.id

    def is_complete(self, state: WizardState) -> bool:
        if self.complete is not None:
            return self.complete(state)
        return self.id in state.draft

    # -- its form ---------------------------------------------------------------------------
    def reads(self, name: str) -> bool:
        """Whether ``name`` is one of this step's fields (the others are never kept)."""
        return bool(self.fields) and name in self.fields

    @property
    def fields(self) -> frozenset[str]:
        return frozenset()

    def parse(self, form: Form) -> dict[str, Any]:
        """The submitted values this step reads, each bounded; unknown fields are dropped."""
        return {
            name: bounded(form.get(name))
            for name in form
            if name not in NOT_VALUES and self.reads(name)
        }

    def defaults(self, context: StepContext) -> dict[str, Any]:
        """What an untouched form shows."""
        return {}

    def validate(self, values: Mapping[str, Any], context: StepContext) -> Result:
        """Clean values and French messages; a step without a form is always valid."""
        return Result({}, {})

    def as_form(self, clean: Mapping[str, Any]) -> dict[str, Any]:
        """Clean values as the form submits them (to validate them again before saving)."""
        return dict(clean)

    async def prepare(self, values: Mapping[str, Any], context: StepContext, session: Any) -> None:
        """Load what validating ``values`` needs beyond the wizard (an AsyncSession is given)."""

    async def search(self, values: Mapping[str, Any], session: Any) -> list[Any] | None:
        """What its "Rechercher" button finds (only the situation step has one)."""
        return None

    # -- in a saved registration ------------------------------------------------------------
    def record(self, clean: Mapping[str, Any], context: StepContext, into: Record) -> None:
        if self.editable:
            into.answers[self.id] = dict(clean)

    def restore(self, saved: Record) -> dict[str, Any] | None:
        """This step's clean values from a saved registration (None: nothing saved)."""
        found = saved.answers.get(self.id)
        return dict(found) if found is not None else None


def bounded(value: Any) -> Any:
    """A submitted value cut to VALUE_MAX characters (lists item by item)."""
    if isinstance(value, str):
        return value[:VALUE_MAX]
    if isinstance(value, list):
        return [bounded(item) for item in value[:VALUE_MAX]]
    return value


@dataclass(frozen=True)
class Tab:
    step: Step
    number: int
    state: TabState


class StepList:
    """The steps that apply to one wizard state, in order."""

    def __init__(self, steps: list[Step], state: WizardState) -> None:
        self.state = state
        self.steps = [step for step in steps if step.applies(state)]
        if not self.steps:
            raise ValueError("a wizard needs at least one step")

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.steps)

    def get(self, step_id: str) -> Step | None:
        return next((step for step in self.steps if step.id == step_id), None)

    def by_segment(self, segment: str) -> Step | None:
        return next((step for step in self.steps if step.segment == segment), None)

    def index(self, step: Step) -> int:
        return self.steps.index(step)

    def number(self, step: Step) -> int:
        return self.index(step) + 1

    def previous(self, step: Step) -> Step | None:
        i = self.index(step)
        return self.steps[i - 1] if i > 0 else None

    def next(self, step: Step) -> Step | None:
        i = self.index(step)
        return self.steps[i + 1] if i + 1 < len(self.steps) else None

    def first_incomplete(self) -> Step:
        """The first step still to do (the last one when everything is complete)."""
        for step in self.steps:
            if not step.is_complete(self.state):
                return step
        return self.steps[-1]

    def resolve(self, step_id: str) -> Step | None:
        """The step to show for a request of ``step_id``: itself when every step before it is
        complete, else the first incomplete one; None when no such step applies (a 404)."""
        requested = self.get(step_id)
        return None if requested is None else self.resolve_step(requested)

    def resolve_step(self, requested: Step) -> Step:
        """``requested`` when every step before it is complete, else the first incomplete one."""
        first = self.first_incomplete()
        return first if self.index(first) < self.index(requested) else requested

    def reachable(self, step: Step) -> bool:
        return self.index(step) <= self.index(self.first_incomplete())

    def tabs(self, current: Step) -> list[Tab]:
        tabs = []
        for step in self.steps:
            if step == current:
                state = TabState.current
            elif step.is_complete(self.state):
                state = TabState.complete
            else:
                state = TabState.todo
            tabs.append(Tab(step, self.number(step), state))
        return tabs
