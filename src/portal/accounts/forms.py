"""The account forms' validators: one per field, each returning a French message (or None).

The full submit and the inline check on leaving a field (htmx) run the same validators. The
fields themselves are in ``fields``, the password rule in ``password_policy``; cleaning and dates
come from the shared kernel ``portal.forms``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from portal.accounts.fields import FormContext
from portal.accounts.models import Civility
from portal.accounts.password_policy import Personal, password_problem, personal_problem
from portal.dates import date_fr
from portal.forms import FRANCE, Field, Values, clean_text, looks_like_date, parse_date

MIN_AGE = 10
MAX_AGE = 120


# -- normalisation -----------------------------------------------------------------------------
def normalise_email(value: str | None) -> str:
    return clean_text(value).replace(" ", "").lower()


def normalise_name(value: str | None) -> str:
    return clean_text(value).replace("’", "'").upper()


# -- validators: (values, context) -> French message or None -------------------------------------
Validator = Callable[[Values, FormContext], str | None]

_NAME = re.compile(r"[^\W\d_]+(?:[ '’-]+[^\W\d_]+)*")
_FIRST_NAMES = re.compile(r"[^\W\d_]+(?:(?:[ '’-]+|, ?)[^\W\d_]+)*")
_CITY = re.compile(r"[\w'’().-]+(?: [\w'’().-]+)*")


def check_civility(values: Values, ctx: FormContext) -> str | None:
    if values.get("civility", "") not in Civility.LABELS:
        return "Choisissez votre civilité."
    return None


def _name_problem(value: str, what: str) -> str | None:
    """A family or usage name: letters, spaces, hyphens and apostrophes, 80 characters."""
    if len(value) > 80:
        return f"Le {what} ne doit pas dépasser 80 caractères."
    if not _NAME.fullmatch(value):
        return (
            f"Le {what} ne peut contenir que des lettres, des espaces, des tirets "
            "et des apostrophes."
        )
    return None


def check_birth_name(values: Values, ctx: FormContext) -> str | None:
    value = clean_text(values.get("birth_name"))
    if not value:
        return "Saisissez votre nom de famille."
    return _name_problem(value, "nom de famille")


def check_birth_name_confirmation(values: Values, ctx: FormContext) -> str | None:
    confirmation = normalise_name(values.get("birth_name_confirmation"))
    if not confirmation:
        return "Confirmez votre nom de famille."
    if confirmation != normalise_name(values.get("birth_name")):
        return "Le nom de famille et sa confirmation ne sont pas identiques."
    return None


def check_usage_name(values: Values, ctx: FormContext) -> str | None:
    value = clean_text(values.get("usage_name"))
    return _name_problem(value, "nom d'usage") if value else None


def check_first_names(values: Values, ctx: FormContext) -> str | None:
    value = clean_text(values.get("first_names"))
    if not value:
        return "Saisissez votre prénom."
    if len(value) > 120:
        return "Les prénoms ne doivent pas dépasser 120 caractères."
    if not _FIRST_NAMES.fullmatch(value):
        return (
            "Les prénoms ne peuvent contenir que des lettres, des espaces, des tirets, "
            "des apostrophes et des virgules."
        )
    return None


def check_birth_country(values: Values, ctx: FormContext) -> str | None:
    value = values.get("birth_country", "")
    if not value:
        return "Choisissez votre pays de naissance."
    if value not in {code for code, _ in ctx.countries}:
        return "Choisissez un pays de naissance dans la liste."
    return None


def _check_date(value: str | None, ctx: FormContext) -> str | None:
    text = clean_text(value)
    if not text:
        return "Saisissez votre date de naissance."
    if not looks_like_date(text):
        return "La date de naissance doit être au format JJ/MM/AAAA, par exemple 30/05/1998."
    born = parse_date(text)
    if born is None:
        return "La date de naissance n'existe pas : vérifiez le jour et le mois."
    if born > ctx.today:
        return "La date de naissance ne peut pas être dans le futur."
    age = ctx.today.year - born.year - ((ctx.today.month, ctx.today.day) < (born.month, born.day))
    if age < MIN_AGE:
        return f"La date de naissance n'est pas plausible : il faut avoir au moins {MIN_AGE} ans."
    if age > MAX_AGE:
        return "La date de naissance n'est pas plausible : vérifiez l'année."
    return None


def check_birth_date(values: Values, ctx: FormContext) -> str | None:
    return _check_date(values.get("birth_date"), ctx)


def check_birth_date_confirmation(values: Values, ctx: FormContext) -> str | None:
    text = clean_text(values.get("birth_date_confirmation"))
    if not text:
        return "Confirmez votre date de naissance."
    first, second = parse_date(values.get("birth_date")), parse_date(text)
    if first is None or second is None:
        same = text == clean_text(values.get("birth_date"))
    else:
        same = first == second
    if not same:
        return "La date de naissance et sa confirmation ne sont pas identiques."
    return None


def check_birth_department(values: Values, ctx: FormContext) -> str | None:
    value = values.get("birth_department", "")
    born_in_france = values.get("birth_country", "") == FRANCE
    if not value:
        if born_in_france:
            return "Choisissez votre département, DOM ou COM de naissance."
        return None
    if not born_in_france:
        return (
            "Le département, DOM ou COM de naissance ne se choisit que si le pays de naissance "
            "est la France."
        )
    if value not in {code for code, _ in ctx.departments}:
        return "Choisissez un département, DOM ou COM de naissance dans la liste."
    return None


def check_birth_city(values: Values, ctx: FormContext) -> str | None:
    value = clean_text(values.get("birth_city"))
    if not value:
        return "Saisissez votre commune de naissance."
    if len(value) > 80:
        return "La commune de naissance ne doit pas dépasser 80 caractères."
    if not _CITY.fullmatch(value) or "_" in value or not any(char.isalpha() for char in value):
        return (
            "La commune de naissance ne peut contenir que des lettres, des chiffres, des espaces "
            "et les signes - ' ( ) ."
        )
    if ctx.birth_city_known is False and not birth_city_confirmed(values):
        return BIRTH_CITY_NOT_FOUND
    return None


# A commune that has since merged or been renamed is not in today's list: the candidate is asked
# to check the spelling, and may confirm it (never a dead end).
BIRTH_CITY_NOT_FOUND = (
    "Nous ne trouvons pas cette commune dans le département choisi : vérifiez l'orthographe. "
    "Si elle est juste (une commune qui a depuis fusionné ou changé de nom, par exemple), "
    "cochez « Je confirme ma commune de naissance »."
)
BIRTH_CITY_CONFIRMED = "birth_city_confirmed"  # the checkbox; its value is the city confirmed


def birth_city_confirmed(values: Values) -> bool:
    """Whether the candidate confirmed the commune typed (and not an earlier one)."""
    city = clean_text(values.get("birth_city")).upper()
    return bool(city) and clean_text(values.get(BIRTH_CITY_CONFIRMED)).upper() == city


def email_problem(value: str | None) -> str | None:
    """The syntax of an address (``email-validator``, no DNS look-up: sign-up must not wait)."""
    email = normalise_email(value)
    if not email:
        return "Saisissez votre adresse mail."
    if len(email) > 254:
        return "L'adresse mail ne doit pas dépasser 254 caractères."
    try:
        validate_email(email, check_deliverability=False, allow_quoted_local=False)
    except EmailNotValidError:
        return "Saisissez une adresse mail valide, par exemple prenom.nom@exemple.fr."
    return None


def check_email(values: Values, ctx: FormContext) -> str | None:
    return email_problem(values.get("email"))


def check_email_confirmation(values: Values, ctx: FormContext) -> str | None:
    confirmation = normalise_email(values.get("email_confirmation"))
    if not confirmation:
        return "Confirmez votre adresse mail."
    if confirmation != normalise_email(values.get("email")):
        return "L'adresse mail et sa confirmation ne sont pas identiques."
    return None


def personal_from(values: Values, known: Personal) -> Personal:
    """The names and email a password must not contain: those typed in the form, else the
    account's (a locked account's identity is not posted)."""
    family = tuple(
        clean_text(values.get(name)) for name in ("birth_name", "usage_name") if values.get(name)
    )
    return Personal(
        family_names=family + known.family_names,
        first_names=" ".join(
            part for part in (clean_text(values.get("first_names")), known.first_names) if part
        ),
        email=normalise_email(values.get("email")) or known.email,
    )


def personal_of(account: object) -> Personal:
    """What an existing account's password must not contain."""
    return Personal(
        family_names=tuple(
            name
            for name in (account.birth_name, account.usage_name)  # type: ignore[attr-defined]
            if name
        ),
        first_names=account.first_names,  # type: ignore[attr-defined]
        email=account.email,  # type: ignore[attr-defined]
    )


def check_password(values: Values, ctx: FormContext) -> str | None:
    password = values.get("password", "")
    if ctx.editing and not password:
        return None
    problem = password_problem(password, ctx.settings)
    if problem:
        return problem
    return personal_problem(
        unicodedata.normalize("NFC", password), personal_from(values, ctx.personal)
    )


def check_password_confirmation(values: Values, ctx: FormContext) -> str | None:
    confirmation = values.get("password_confirmation", "")
    password = values.get("password", "")
    if not confirmation:
        if ctx.editing and not password:
            return None
        return "Confirmez votre mot de passe."
    if unicodedata.normalize("NFC", confirmation) != unicodedata.normalize("NFC", password):
        return "Le mot de passe et sa confirmation ne sont pas identiques."
    return None


def check_current_password(values: Values, ctx: FormContext) -> str | None:
    """Presence only; whether it is right is the service's business (it holds the hash)."""
    return None


VALIDATORS: dict[str, Validator] = {
    "civility": check_civility,
    "birth_name": check_birth_name,
    "birth_name_confirmation": check_birth_name_confirmation,
    "usage_name": check_usage_name,
    "first_names": check_first_names,
    "birth_country": check_birth_country,
    "birth_date": check_birth_date,
    "birth_date_confirmation": check_birth_date_confirmation,
    "birth_department": check_birth_department,
    "birth_city": check_birth_city,
    "email": check_email,
    "email_confirmation": check_email_confirmation,
    "password": check_password,
    "password_confirmation": check_password_confirmation,
    "current_password": check_current_password,
}


def validate(fields: tuple[Field, ...], values: Values, ctx: FormContext) -> dict[str, str]:
    """Every field's error, in the order of the form (the error summary's order)."""
    errors: dict[str, str] = {}
    for spec in fields:
        message = VALIDATORS[spec.name](values, ctx)
        if message:
            errors[spec.name] = message
    return errors


@dataclass(frozen=True)
class Identity:
    """The identity part of an account, cleaned."""

    civility: str
    birth_name: str
    usage_name: str | None
    first_names: str
    birth_country_code: str
    birth_date: date
    birth_department_code: str | None
    birth_city: str


def identity_from(values: Values) -> Identity:
    """Call only once ``validate`` found no error in the identity fields."""
    born = parse_date(values.get("birth_date"))
    assert born is not None
    return Identity(
        civility=values["civility"],
        birth_name=normalise_name(values.get("birth_name")),
        usage_name=normalise_name(values.get("usage_name")) or None,
        first_names=clean_text(values.get("first_names")),
        birth_country_code=values["birth_country"],
        birth_date=born,
        birth_department_code=values.get("birth_department") or None,
        birth_city=clean_text(values.get("birth_city")).upper(),
    )


def values_from_account(account: object) -> dict[str, str]:
    """Prefill "Modifier mon compte" (passwords are never shown)."""
    born = date_fr(account.birth_date)  # type: ignore[attr-defined]
    return {
        "civility": account.civility,  # type: ignore[attr-defined]
        "birth_name": account.birth_name,  # type: ignore[attr-defined]
        "birth_name_confirmation": account.birth_name,  # type: ignore[attr-defined]
        "usage_name": account.usage_name or "",  # type: ignore[attr-defined]
        "first_names": account.first_names,  # type: ignore[attr-defined]
        "birth_country": account.birth_country_code,  # type: ignore[attr-defined]
        "birth_date": born,
        "birth_date_confirmation": born,
        "birth_department": account.birth_department_code or "",  # type: ignore[attr-defined]
        "birth_city": account.birth_city,  # type: ignore[attr-defined]
        "email": account.email,  # type: ignore[attr-defined]
        "email_confirmation": account.email,  # type: ignore[attr-defined]
    }
