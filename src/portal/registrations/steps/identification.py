"""1 - Identification: the address, the nationality and the phone (the rest is the account's).

In France, "Localité" is chosen among the communes of the postal code ("78270-BLARU", the field
``commune`` holding its INSEE code; ``locality`` keeps its name); abroad, and in the COM that
La Poste's base does not cover, it is typed. For a qualification that requires it (the BIA), the
académie of residence is checked here, from the commune when it is known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from portal.catalog import places
from portal.forms import FRANCE, Result, Values, clean_text
from portal.registrations.choices import Choices
from portal.registrations.eligibility import Residence
from portal.registrations.eligibility import residence_problem as _residence_problem
from portal.registrations.steps.base import Step, StepContext

ADDRESS_LINE_MAX = 38  # a postal address line (norme AFNOR NF Z10-011)
_PHONE = re.compile(r"(?:\+\d{2,3}|0)\d{9}")
_POSTAL_FR = re.compile(r"\d{5}")
LOCALITY = re.compile(r"[^\W_][\w '’().,/-]*")


def validate(values: Values, choices: Choices) -> Result:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    country = clean_text(values.get("address_country")) or FRANCE
    clean["address_country"] = country
    if not choices.has(choices.countries, country):
        errors["address_country"] = "Choisissez le pays de votre adresse dans la liste."
    for i in range(1, 5):
        name = f"address{i}"
        line = clean_text(values.get(name))
        clean[name] = line
        if i == 1 and not line:
            errors[name] = "Saisissez votre adresse (numéro et voie)."
        elif len(line) > ADDRESS_LINE_MAX:
            errors[name] = f"L'adresse {i} ne doit pas dépasser {ADDRESS_LINE_MAX} caractères."
    postal = clean_text(values.get("postal_code")).replace(" ", "")
    clean["postal_code"] = postal
    if country == FRANCE:
        if not postal:
            errors["postal_code"] = "Saisissez votre code postal."
        elif not _POSTAL_FR.fullmatch(postal):
            errors["postal_code"] = "Le code postal doit comporter 5 chiffres, par exemple 78270."
        elif not choices.postal_known(postal):
            errors["postal_code"] = f"Le code postal {postal} ne correspond à aucun département."
    elif len(postal) > 10:
        errors["postal_code"] = "Le code postal ne doit pas dépasser 10 caractères."
    _locality(values, choices, clean, errors)
    nationality = clean_text(values.get("nationality"))
    clean["nationality"] = nationality
    if not nationality:
        errors["nationality"] = "Choisissez votre nationalité."
    elif not choices.has(choices.nationalities, nationality):
        errors["nationality"] = "Choisissez une nationalité dans la liste."
    phone = re.sub(r"[\s.()-]", "", clean_text(values.get("phone")))
    clean["phone"] = phone
    if phone and not _PHONE.fullmatch(phone):
        errors["phone"] = (
            "Le numéro de téléphone doit comporter 10 chiffres, par exemple 0123456789, "
            "ou commencer par l'indicatif du pays, par exemple +33123456789."
        )
    return Result(clean, errors)


def _locality(
    values: Values, choices: Choices, clean: dict[str, Any], errors: dict[str, str]
) -> None:
    """``commune`` (INSEE code) and ``locality`` (its name, or what was typed abroad)."""
    typed = clean_text(values.get("locality")).upper()
    postal = clean["postal_code"]
    clean["commune"] = ""
    clean["locality"] = typed
    if clean["address_country"] == FRANCE and "postal_code" not in errors:
        found = places.address_locality(
            postal, choices.communes.get(postal, []), clean_text(values.get("commune")), typed
        )
        if found.postal_error:
            errors["postal_code"] = found.postal_error
            return
        if found.error:
            errors["commune"] = found.error
            return
        if found.chosen is not None:
            clean["commune"], clean["locality"] = found.chosen.value, found.chosen.name
            return
    if not typed:
        errors["locality"] = "Saisissez votre localité."
    elif len(typed) > ADDRESS_LINE_MAX or not LOCALITY.fullmatch(typed):
        errors["locality"] = (
            "La localité ne peut contenir que des lettres, des chiffres, des espaces et les "
            f"signes - ' ( ) . / ({ADDRESS_LINE_MAX} caractères au plus)."
        )


def commune_label(clean: Mapping[str, Any]) -> str:
    """ "78270-BLARU" for a commune chosen in France, else the postal code and the locality."""
    return "-".join(part for part in (clean.get("postal_code"), clean.get("locality")) if part)


def residence_problem(clean: Mapping[str, Any], context: StepContext) -> str | None:
    """The BIA rule for these (valid) address values: None when the address is in the
    period's académie, or when the qualification does not ask."""
    period = context.period
    if not period.qualification.requires_residence_academy:
        return None
    choices = context.choices
    postal = str(clean.get("postal_code") or "")
    commune = str(clean.get("commune") or "")
    found = choices.residences.get((postal, commune))
    residence = (
        Residence(found.department_code, "", found.academy_code) if found is not None else None
    )
    return _residence_problem(
        qualification_name=period.qualification.name,
        period_academy_code=period.academy.code,
        academy_names=choices.academy_names,
        country_code=str(clean.get("address_country") or FRANCE),
        postal_code=postal,
        departments=choices.department_rows,
        residence=residence,
        place=commune_label(clean) if commune else "",
    )


FIELDS = frozenset(
    {"address_country", "address1", "address2", "address3", "address4", "postal_code"}
    | {"commune", "locality", "nationality", "phone"}
)


class IdentificationStep(Step):
    # It shows the account's data (greyed); the wizard page keeps it aside on the other tabs so
    # a swapped-in Identification tab never resends it (registrations/partials/_recalled.html.j2).
    recalls_account = True

    @property
    def fields(self) -> frozenset[str]:
        return FIELDS

    def defaults(self, context: StepContext) -> dict[str, Any]:
        born_french = context.account.birth_country_code == FRANCE
        return {"address_country": FRANCE, "nationality": FRANCE if born_french else ""}

    def validate(self, values: Mapping[str, Any], context: StepContext) -> Result:
        result = validate(values, context.choices)
        if result.valid:
            problem = residence_problem(result.clean, context)
            if problem:
                field = "commune" if result.clean.get("commune") else "postal_code"
                if result.clean.get("address_country") != FRANCE:
                    field = "address_country"
                return Result(result.clean, {field: problem})
        return result

    @staticmethod
    def address(values: Mapping[str, Any], choices: Choices) -> places.AddressLocality | None:
        """What "Localité" offers for these values: the communes of the postal code in France
        (none yet while the postal code is not a known one), or None abroad (typed)."""
        if (clean_text(values.get("address_country")) or FRANCE) != FRANCE:
            return None
        postal = clean_text(values.get("postal_code")).replace(" ", "")
        if not _POSTAL_FR.fullmatch(postal) or postal not in choices.communes:
            return places.AddressLocality(postal, [], None)
        return places.address_locality(
            postal,
            choices.communes[postal],
            clean_text(values.get("commune")),
            clean_text(values.get("locality")),
        )

    async def prepare(self, values: Mapping[str, Any], context: StepContext, session: Any) -> None:
        """The communes of the postal code typed, and the académie of that residence."""
        choices = context.choices
        postal = clean_text(values.get("postal_code")).replace(" ", "")
        if not _POSTAL_FR.fullmatch(postal):
            return
        if postal not in choices.communes:
            choices.communes[postal] = await places.communes_of_postal_code(session, postal)
        if not context.period.qualification.requires_residence_academy:
            return
        found = places.address_locality(
            postal,
            choices.communes[postal],
            clean_text(values.get("commune")),
            clean_text(values.get("locality")),
        )
        insee = found.chosen.value if found.chosen is not None else ""
        if (postal, insee) not in choices.residences:
            choices.residences[(postal, insee)] = await places.academy_of_residence(
                session, postal, insee or None
            )
