"""2 - Qualification présentée: the qualification and its specialty, i.e. the opening period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.forms import Result, Values, clean_text
from portal.registrations.choices import Choices
from portal.registrations.steps.base import Step, StepContext


def validate(values: Values, choices: Choices, label: str) -> Result:
    """``label`` is "Certification" or "Examen" (the domain's word)."""
    qualification_id = clean_text(values.get("qualification"))
    period_id = clean_text(values.get("period"))
    clean = {"qualification": qualification_id, "period": period_id}
    errors: dict[str, str] = {}
    offer = choices.offers.get(qualification_id)
    if offer is None:
        word = "la certification" if label == "Certification" else "l'examen"
        errors["qualification"] = f"Choisissez {word} dans la liste."
    elif not choices.has(offer[1], period_id):
        errors["period"] = "Choisissez le secteur disciplinaire dans la liste" + (
            " : la liste a été mise à jour pour votre choix." if period_id else "."
        )
    return Result(clean, errors)


class QualificationStep(Step):
    @property
    def fields(self) -> frozenset[str]:
        return frozenset({"qualification", "period"})

    def defaults(self, context: StepContext) -> dict[str, Any]:
        return {
            "qualification": str(context.period.qualification.id),
            "period": str(context.period.id),
        }

    def validate(self, values: Mapping[str, Any], context: StepContext) -> Result:
        return validate(values, context.choices, context.qualification_label)

    @staticmethod
    def chosen_period(clean: Mapping[str, Any] | None) -> str | None:
        """The opening period the clean values chose, if any."""
        return str(clean["period"]) if clean and clean.get("period") else None
