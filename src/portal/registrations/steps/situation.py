"""3 - Situation actuelle (certifications for staff only): corps, status, place of work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.catalog import places
from portal.catalog.models import Establishment
from portal.catalog.places import search_establishments
from portal.forms import FRANCE, Result, Values, clean_text
from portal.registrations.choices import Choices
from portal.registrations.steps.base import Record, Step, StepContext
from portal.registrations.steps.identification import ADDRESS_LINE_MAX, LOCALITY

ESTABLISHMENT = "establishment"  # the field holding the chosen UAI


def validate(values: Values, choices: Choices) -> Result:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, options, message in (
        ("corps", choices.corps, "Choisissez votre corps."),
        ("status", choices.statuses, "Choisissez votre statut."),
        ("position", choices.positions, "Choisissez votre position administrative."),
    ):
        value = clean_text(values.get(name))
        clean[name] = value
        if not value:
            errors[name] = message
        elif not choices.has(options, value):
            errors[name] = message.replace("Choisissez", "Choisissez dans la liste")
    country = clean_text(values.get("work_country")) or FRANCE
    clean["work_country"] = country
    if not choices.has(choices.countries, country):
        errors["work_country"] = "Choisissez le pays de votre lieu d'exercice dans la liste."
    department = clean_text(values.get("work_department"))
    clean["work_department"] = department
    locality = clean_text(values.get("work_locality")).upper()
    clean["work_locality"] = locality
    uai = clean_text(values.get(ESTABLISHMENT)).upper()
    clean[ESTABLISHMENT] = uai
    if country == FRANCE:
        if not department:
            errors["work_department"] = "Choisissez le département de votre lieu d'exercice."
        elif not choices.has(choices.departments, department):
            errors["work_department"] = "Choisissez un département dans la liste."
    elif department:
        errors["work_department"] = (
            "Le département ne se choisit que si votre lieu d'exercice est en France."
        )
    if not locality:
        errors["work_locality"] = "Saisissez la localité de votre lieu d'exercice."
    elif len(locality) > ADDRESS_LINE_MAX or not LOCALITY.fullmatch(locality):
        errors["work_locality"] = (
            "La localité ne peut contenir que des lettres, des chiffres, des espaces et les "
            "signes - ' ( ) . /"
        )
    elif country == FRANCE and department and "work_department" not in errors:
        found = places.work_locality(
            department, choices.localities.get((department, locality), []), locality
        )
        if found.error:
            errors["work_locality"] = found.error
        elif found.chosen is not None:
            clean["work_locality"] = found.chosen.label  # "78000-VERSAILLES"
    if country == FRANCE and "work_department" not in errors:
        if not uai:
            errors[ESTABLISHMENT] = (
                "Choisissez votre établissement ou service : recherchez-le par son nom, sa "
                "ville ou son code UAI, puis sélectionnez-le."
            )
        elif choices.establishments.get(uai) != department:
            errors[ESTABLISHMENT] = (
                "Cet établissement n'est pas dans le département choisi : recherchez-le de "
                "nouveau et sélectionnez-le dans la liste."
            )
    elif uai:
        clean[ESTABLISHMENT] = ""
    return Result(clean, errors)


FIELDS = frozenset(
    {"corps", "status", "position", "work_country", "work_department", "work_locality"}
    | {ESTABLISHMENT, "establishment_query"}
)


class SituationStep(Step):
    @property
    def fields(self) -> frozenset[str]:
        return FIELDS

    def defaults(self, context: StepContext) -> dict[str, Any]:
        return {"work_country": FRANCE}

    def validate(self, values: Mapping[str, Any], context: StepContext) -> Result:
        return validate(values, context.choices)

    async def prepare(self, values: Mapping[str, Any], context: StepContext, session: Any) -> None:
        """The communes of the département matching the locality typed, and the establishment the
        form names (its département, and to show it chosen), if the wizard lacks it."""
        department = clean_text(values.get("work_department"))
        locality = clean_text(values.get("work_locality")).upper()
        key = (department, locality)
        if department and locality and key not in context.choices.localities:
            context.choices.localities[key] = await places.localities(
                session, department, locality, limit=places.SUGGESTION_LIMIT
            )
        uai = clean_text(values.get(ESTABLISHMENT)).upper()
        shown = getattr(context, "selected_establishment", None)
        if uai and (uai not in context.choices.establishments or shown is None or shown.uai != uai):
            place = await session.get(Establishment, uai)
            if place is not None:
                context.choices.establishments[uai] = place.department_code
                if hasattr(context, "selected_establishment"):
                    # the form shows it again, chosen, when it comes back with an error
                    context.selected_establishment = place

    async def search(self, values: Mapping[str, Any], session: Any) -> list[Any] | None:
        return await search_establishments(
            session,
            str(values.get("work_department", "")),
            str(values.get("establishment_query", "")),
        )

    def record(self, clean: Mapping[str, Any], context: StepContext, into: Record) -> None:
        answers = dict(clean)
        into.establishment_uai = answers.pop(ESTABLISHMENT, "") or None
        into.answers[self.id] = answers

    def restore(self, saved: Record) -> dict[str, Any] | None:
        found = saved.answers.get(self.id)
        if found is None:
            return None
        return {**found, ESTABLISHMENT: saved.establishment_uai or ""}

    @staticmethod
    def suggestions(values: Mapping[str, Any], choices: Choices) -> list[str]:
        """The localities offered under what was typed ("78000-VERSAILLES", ...)."""
        key = (
            clean_text(values.get("work_department")),
            clean_text(values.get("work_locality")).upper(),
        )
        return [o.label for o in choices.localities.get(key, [])]

    @staticmethod
    def establishment(values: Mapping[str, Any] | None) -> str:
        """The UAI named by these values (clean or typed), or ""."""
        return str((values or {}).get(ESTABLISHMENT) or "")
