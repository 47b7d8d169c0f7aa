"""The registration wizard as data (pretix's checkout flow): each step knows its id, its label,
its template, whether it applies to this qualification, whether it is complete, and its
neighbours. The tab bar is drawn from this list, and a request for a later step is sent back to
the first incomplete one. No HTTP here: the machinery is unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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
    id: str  # URL segment, e.g. "identification"
    label: str  # as the guide names the tab
    template: str
    applies: Callable[[WizardState], bool] = _always
    # By default a step is complete once its valid data is in the draft.
    complete: Callable[[WizardState], bool] | None = None
    editable: bool = True  # has a form whose "Suivant" stores data

    def is_complete(self, state: WizardState) -> bool:
        if self.complete is not None:
            return self.complete(state)
        return self.id in state.draft


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
        if requested is None:
            return None
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
