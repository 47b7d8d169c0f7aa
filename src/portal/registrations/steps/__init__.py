"""The wizard's six tabs, in the guide's order: the only place that names them.

Code elsewhere reaches a step through these constants (``steps.PAPERS``) or the step list;
URLs carry each step's French slug, mapped to its English id here.
"""

from __future__ import annotations

from portal.registrations.steps.base import (
    Record,
    Step,
    StepContext,
    StepList,
    Tab,
    TabState,
    WizardState,
)
from portal.registrations.steps.identification import IdentificationStep
from portal.registrations.steps.papers import PapersStep
from portal.registrations.steps.qualification import QualificationStep
from portal.registrations.steps.situation import SituationStep

_PARTIALS = "registrations/partials"


def _saved(state: WizardState) -> bool:
    return state.saved


IDENTIFICATION = IdentificationStep(
    "identification", "Identification", f"{_PARTIALS}/_identification.html.j2", prefill=True
)
QUALIFICATION = QualificationStep(
    "qualification", "Qualification présentée", f"{_PARTIALS}/_qualification.html.j2"
)
SITUATION = SituationStep(
    "situation",
    "Situation actuelle",
    f"{_PARTIALS}/_situation.html.j2",
    applies=lambda state: state.asks_situation,
    prefill=True,
)
PAPERS = PapersStep("papers", "Epreuves", f"{_PARTIALS}/_papers.html.j2", slug="epreuves")
SUMMARY = Step(
    "summary",
    "Récapitulatif",
    f"{_PARTIALS}/_recap_step.html.j2",
    complete=_saved,
    editable=False,
    slug="recapitulatif",
    saves=True,
)
NUMBER = Step(
    "number",
    "N° Inscription",
    f"{_PARTIALS}/_number.html.j2",
    complete=_saved,
    editable=False,
    slug="numero",
    after_save=True,
)
STEPS: list[Step] = [IDENTIFICATION, QUALIFICATION, SITUATION, PAPERS, SUMMARY, NUMBER]
EDITABLE: list[Step] = [step for step in STEPS if step.editable]

# The French URL slugs, mapped to the English step ids (the one place that does it).
SLUGS: dict[str, str] = {step.segment: step.id for step in STEPS}

__all__ = [
    "EDITABLE",
    "IDENTIFICATION",
    "NUMBER",
    "PAPERS",
    "QUALIFICATION",
    "SITUATION",
    "SLUGS",
    "STEPS",
    "SUMMARY",
    "Record",
    "Step",
    "StepContext",
    "StepList",
    "Tab",
    "TabState",
    "WizardState",
]
