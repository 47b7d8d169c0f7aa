"""What a catalog item must look like, checked in one place for the back office's forms and for
the session file's lines (``session_file``), so both say the same French words.

Each ``parse_*`` takes the submitted values (a form, or a file's line as a mapping) and returns
``(clean, errors)``: the clean values, and one French message per wrong field. Nothing here
touches the database; which codes exist is the caller's business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from portal.catalog import CatalogError
from portal.catalog.models import PaperKind
from portal.catalog.periods import paris_to_utc
from portal.forms import clean_text, parse_date
from portal.pieces.content import FORMAT_LABELS
from portal.pieces.models import DepositMode

Values = Mapping[str, Any]
Clean = dict[str, Any]
Errors = dict[str, str]

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
YES = {"oui", "o", "on", "1", "true", "vrai", "yes"}
NO = {"non", "n", "", "0", "false", "faux", "off", "no"}

PAPER_KINDS = {
    PaperKind.mandatory.value: "Obligatoire",
    PaperKind.optional.value: "Facultative",
    PaperKind.choice.value: "Au choix",
}
PAPER_MODES = ("Ecrite", "Orale")
DEPOSIT_MODES = {
    DepositMode.online.value: "A déposer en ligne",
    DepositMode.postal.value: "A envoyer par voie postale",
    DepositMode.other.value: "Autres modalités",
}
# What the session file writes, and what it reads back besides the English values.
PAPER_KIND_WORDS = {"obligatoire": "mandatory", "facultative": "optional", "au choix": "choice"}
DEPOSIT_WORDS = {"en ligne": "online", "voie postale": "postal", "autre": "other"}
FORMATS = tuple(FORMAT_LABELS)  # pdf, jpeg, png, heic
MAX_MEGABYTES = 40  # no piece file larger than the whole upload request allows by default
MAX_FILES = 20


def _code(values: Values, errors: Errors, name: str, limit: int, example: str) -> str:
    text = clean_text(values.get(name))
    if not text:
        errors[name] = f"Indiquez le code, par exemple {example}."
    elif len(text) > limit or not text.isascii() or not CODE.fullmatch(text):
        errors[name] = (
            f"Le code s'écrit avec des lettres sans accent, des chiffres, - ou _ "
            f"({limit} caractères au plus), par exemple {example}."
        )
    return text


def _text(
    values: Values, errors: Errors, name: str, what: str, limit: int, required: bool = True
) -> str:
    text = clean_text(values.get(name))
    if not text and required:
        errors[name] = f"Indiquez {what}."
    elif len(text) > limit:
        errors[name] = f"Ce champ ne doit pas dépasser {limit} caractères."
    return text


def _number(values: Values, errors: Errors, name: str, low: int, high: int, default: int) -> int:
    text = clean_text(values.get(name))
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        errors[name] = f"Indiquez un nombre entier de {low} à {high}."
        return default
    return int(text)


def _flag(values: Values, errors: Errors, name: str) -> bool:
    text = clean_text(values.get(name)).lower()
    if text in YES:
        return True
    if text not in NO:
        errors[name] = "Répondez par oui ou par non."
    return False


def _choice(
    values: Values, errors: Errors, name: str, known: Mapping[str, str], words: Mapping[str, str]
) -> str:
    text = clean_text(values.get(name))
    found = text if text in known else words.get(text.lower(), "")
    if not found:
        errors[name] = "Choisissez : " + ", ".join(known.values()).lower() + "."
    return found


def parse_qualification(values: Values, domains: Mapping[str, str]) -> tuple[Clean, Errors]:
    """``domains``: code -> label of the domains that exist (G01, G02)."""
    errors: Errors = {}
    clean: Clean = {"code": _code(values, errors, "code", 20, "BIA").upper()}
    domain = clean_text(values.get("domain_code")).upper()
    if domain not in domains:
        errors["domain_code"] = "Choisissez le domaine : " + " ou ".join(domains.values()) + "."
    clean["domain_code"] = domain
    clean["name"] = _text(values, errors, "name", "l'intitulé", 160)
    clean["asks_situation"] = _flag(values, errors, "asks_situation")
    clean["requires_residence_academy"] = _flag(values, errors, "requires_residence_academy")
    return clean, errors


def parse_specialty(values: Values) -> tuple[Clean, Errors]:
    errors: Errors = {}
    clean: Clean = {
        "code": _code(values, errors, "code", 20, "ACA").upper(),
        "name": _text(values, errors, "name", "l'intitulé", 200),
        "position": _number(values, errors, "position", 0, 999, 0),
    }
    return clean, errors


def parse_session(values: Values) -> tuple[Clean, Errors]:
    errors: Errors = {}
    year = clean_text(values.get("year"))
    if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
        errors["year"] = "Indiquez l'année de la session, par exemple 2027."
    ends = clean_text(values.get("ends_on"))
    ends_on = parse_date(ends) if ends else None
    if ends and ends_on is None:
        errors["ends_on"] = "Indiquez une date réelle au format JJ/MM/AAAA, par exemple 30/06/2027."
    return {"year": int(year) if "year" not in errors else 0, "ends_on": ends_on}, errors


def parse_paper(values: Values) -> tuple[Clean, Errors]:
    """The paper's own fields; its specialty (``specialty``) is resolved by the caller."""
    errors: Errors = {}
    clean: Clean = {
        "code": _code(values, errors, "code", 10, "010"),
        "label": _text(values, errors, "label", "l'intitulé de l'épreuve", 160),
        "kind": _choice(values, errors, "kind", PAPER_KINDS, PAPER_KIND_WORDS),
        "position": _number(values, errors, "position", 0, 999, 0),
    }
    group = _text(values, errors, "choice_group", "le groupe « au choix »", 60, required=False)
    if clean["kind"] == PaperKind.choice and not group and "choice_group" not in errors:
        errors["choice_group"] = (
            "Indiquez le groupe : les épreuves au choix d'un même groupe sont proposées "
            "ensemble, le candidat en choisit une."
        )
    clean["choice_group"] = group if clean["kind"] == PaperKind.choice else None
    mode = clean_text(values.get("mode"))
    found = next((m for m in PAPER_MODES if m.lower() == mode.lower()), "")
    if not found:
        errors["mode"] = "Choisissez : écrite ou orale."
    clean["mode"] = found
    return clean, errors


def _formats(values: Values, errors: Errors) -> str:
    if "formats" in values:  # a file's cell: "pdf,jpeg"
        asked = [f.strip().lower() for f in clean_text(values.get("formats")).split(",")]
        asked = [f for f in asked if f]
    else:  # a form's checkboxes: format_pdf=on …
        asked = [f for f in FORMATS if clean_text(values.get(f"format_{f}"))]
    if any(f not in FORMATS for f in asked):
        errors["formats"] = "Formats possibles : " + ", ".join(FORMATS) + "."
    return ",".join(f for f in FORMATS if f in asked)


def parse_piece(values: Values) -> tuple[Clean, Errors]:
    """A piece's own fields; its session, académie and specialty are resolved by the caller.
    Dates are Paris wall-clock times (``JJ/MM/AAAA HH:MM``); the opening is optional."""
    errors: Errors = {}
    clean: Clean = {
        "code": _code(values, errors, "code", 20, "CNI").upper(),
        "label": _text(values, errors, "label", "l'intitulé de la pièce", 160),
        "description": _text(values, errors, "description", "", 1000, required=False),
        "group_label": _text(values, errors, "group_label", "le regroupement", 120),
        "deposit_mode": _choice(values, errors, "deposit_mode", DEPOSIT_MODES, DEPOSIT_WORDS),
        "max_files": _number(values, errors, "max_files", 1, MAX_FILES, 1),
        "required": _flag(values, errors, "required"),
        "position": _number(values, errors, "position", 0, 999, 0),
    }
    megabytes = _number(values, errors, "max_megabytes", 1, MAX_MEGABYTES, 5)
    clean["max_bytes"] = megabytes * 1_000_000
    clean["formats"] = _formats(values, errors)
    if (
        clean["deposit_mode"] == DepositMode.online
        and not clean["formats"]
        and not errors.get("formats")
    ):
        errors["formats"] = "Cochez au moins un format pour une pièce déposée en ligne."
    if not clean["formats"]:
        clean["formats"] = ",".join(FORMATS)
    for name in ("opens_at", "closes_at"):
        text = clean_text(values.get(name))
        clean[name] = None
        if not text:
            if name == "closes_at":
                errors[name] = (
                    "Indiquez la date limite (heure de Paris), par exemple 20/10/2026 23:59."
                )
            continue
        try:
            clean[name] = paris_to_utc(text)
        except CatalogError as exc:
            errors[name] = str(exc)
    if clean["opens_at"] and clean["closes_at"] and clean["closes_at"] <= clean["opens_at"]:
        errors["closes_at"] = "La date limite doit être postérieure à l'ouverture du dépôt."
    return clean, errors


def yes_no(flag: bool) -> str:
    return "oui" if flag else "non"
