"""The wizard's forms (guide §5): one validator per tab, returning the clean values and French
messages keyed by field, in the order of the tab (the error summary's order)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FRANCE = "100"
ADDRESS_LINE_MAX = 38  # a postal address line (norme AFNOR NF Z10-011)
SEARCH_LIMIT = 20

Values = Mapping[str, Any]


def clean_text(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


@dataclass
class Choices:
    """The lists the validators check against (value, label) — loaded from reference data."""

    countries: list[tuple[str, str]] = field(default_factory=list)
    nationalities: list[tuple[str, str]] = field(default_factory=list)
    departments: list[tuple[str, str]] = field(default_factory=list)
    corps: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    positions: list[tuple[str, str]] = field(default_factory=list)
    # Qualification présentée: the open periods of the académie, as
    # {qualification_id: (name, [(period_id, specialty name), ...])}.
    offers: dict[str, tuple[str, list[tuple[str, str]]]] = field(default_factory=dict)
    # The département of each establishment the submitted form names (UAI -> département).
    establishments: dict[str, str] = field(default_factory=dict)
    postal_prefixes: tuple[str, ...] = ()  # every département's postal-code prefixes

    def postal_known(self, postal_code: str) -> bool:
        return any(postal_code.startswith(prefix) for prefix in self.postal_prefixes)

    @staticmethod
    def has(options: list[tuple[str, str]], value: str) -> bool:
        return any(code == value for code, _ in options)


@dataclass(frozen=True)
class Result:
    clean: dict[str, Any]
    errors: dict[str, str]

    @property
    def valid(self) -> bool:
        return not self.errors


# -- 1 Identification -----------------------------------------------------------------------------
_PHONE = re.compile(r"(?:\+\d{2,3}|0)\d{9}")
_POSTAL_FR = re.compile(r"\d{5}")
_LOCALITY = re.compile(r"[^\W_][\w '’().,/-]*")


def identification(values: Values, choices: Choices) -> Result:
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
    elif len(locality) > ADDRESS_LINE_MAX or not _LOCALITY.fullmatch(locality):
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


# -- 2 Qualification présentée --------------------------------------------------------------------
def qualification(values: Values, choices: Choices, label: str) -> Result:
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


# -- 3 Situation actuelle -------------------------------------------------------------------------
def situation(values: Values, choices: Choices) -> Result:
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
    uai = clean_text(values.get("establishment")).upper()
    clean["establishment"] = uai
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
    elif len(locality) > ADDRESS_LINE_MAX or not _LOCALITY.fullmatch(locality):
        errors["work_locality"] = (
            "La localité ne peut contenir que des lettres, des chiffres, des espaces et les "
            "signes - ' ( ) . /"
        )
    if country == FRANCE and "work_department" not in errors:
        if not uai:
            errors["establishment"] = (
                "Choisissez votre établissement ou service : recherchez-le par son nom, sa "
                "ville ou son code UAI, puis sélectionnez-le."
            )
        elif choices.establishments.get(uai) != department:
            errors["establishment"] = (
                "Cet établissement n'est pas dans le département choisi : recherchez-le de "
                "nouveau et sélectionnez-le dans la liste."
            )
    elif uai:
        clean["establishment"] = ""
    return Result(clean, errors)


# -- 4 Epreuves -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PaperChoice:
    id: str
    label: str  # "010 - EPREUVE 1"
    kind: str  # mandatory | optional | choice
    mode: str
    group: str | None

    @property
    def field_name(self) -> str:
        """The form field of this paper's choice group (radios share it)."""
        return f"choice_{group_key(self.group or '')}"


def papers(values: Values, available: list[PaperChoice], selected_optional: list[str]) -> Result:
    """``selected_optional``: the checkbox values (a form may send the name several times)."""
    optional_ids = {p.id for p in available if p.kind == "optional"}
    chosen_optional = sorted({v for v in selected_optional if v in optional_ids})
    errors: dict[str, str] = {}
    if any(v not in optional_ids for v in selected_optional):
        errors["optional"] = "Choisissez les épreuves facultatives dans la liste."
    groups: dict[str, list[PaperChoice]] = {}
    for paper in available:
        if paper.kind == "choice" and paper.group:
            groups.setdefault(paper.group, []).append(paper)
    choice: dict[str, str] = {}
    for group, members in groups.items():
        key = members[0].field_name
        value = clean_text(values.get(key))
        if not value:
            errors[key] = f"Choisissez une épreuve : {group}."
        elif value not in {p.id for p in members}:
            errors[key] = f"Choisissez une épreuve dans la liste : {group}."
        else:
            choice[group] = value
    return Result({"optional": chosen_optional, "choice": choice}, errors)


def group_key(group: str) -> str:
    """A form-safe key for a choice group's name."""
    return re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", group).lower()).strip("-")
