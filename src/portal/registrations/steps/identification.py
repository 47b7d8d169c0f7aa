"""1 - Identification: the address, the nationality and the phone (the rest is the account's)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from portal.forms import FRANCE, Result, Values, clean_text
from portal.registrations.choices import Choices
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
    locality = clean_text(values.get("locality")).upper()
    clean["locality"] = locality
    if not locality:
        errors["locality"] = "Saisissez votre localité."
    elif len(locality) > ADDRESS_LINE_MAX or not LOCALITY.fullmatch(locality):
        errors["locality"] = (
            "La localité ne peut contenir que des lettres, des chiffres, des espaces et les "
            f"signes - ' ( ) . / ({ADDRESS_LINE_MAX} caractères au plus)."
        )
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


FIELDS = frozenset(
    {"address_country", "address1", "address2", "address3", "address4", "postal_code"}
    | {"locality", "nationality", "phone"}
)


class IdentificationStep(Step):
    @property
    def fields(self) -> frozenset[str]:
        return FIELDS

    def defaults(self, context: StepContext) -> dict[str, Any]:
        born_french = context.account.birth_country_code == FRANCE
        return {"address_country": FRANCE, "nationality": FRANCE if born_french else ""}

    def validate(self, values: Mapping[str, Any], context: StepContext) -> Result:
        return validate(values, context.choices)
