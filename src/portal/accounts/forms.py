"""The account forms of guide §3 and §4: their fields in the guide's order and wording, and one
validator per field returning a French message (or None). The full submit and the inline check on
leaving a field (htmx) run the same validators."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from portal.accounts.models import Civility
from portal.settings import Settings

FRANCE = "100"
MIN_AGE = 10
MAX_AGE = 120
SPECIAL_EXAMPLES = "(ex : . / ! * etc...)"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "text"  # text | email | password | select | date
    required: bool = True
    hint: str | None = None
    autocomplete: str | None = None
    options: str | None = None  # civility | country | department
    inline_check: bool = True  # checked by htmx on leaving the field


@dataclass
class FormContext:
    """What the validators need besides the submitted values."""

    settings: Settings
    today: date
    countries: list[tuple[str, str]] = field(default_factory=list)
    departments: list[tuple[str, str]] = field(default_factory=list)
    editing: bool = False  # "Modifier mon compte": password fields are optional

    def options(self, kind: str | None) -> list[tuple[str, str]]:
        if kind == "civility":
            return list(Civility.CHOICES)
        if kind == "country":
            return self.countries
        if kind == "department":
            return self.departments
        return []


def password_rule(settings: Settings) -> str:
    return (
        f"{settings.password_min_length} à {settings.password_max_length} caractères dont "
        f"majuscule, minuscule et caractère spécial {SPECIAL_EXAMPLES}"
    )


IDENTITY_FIELDS = (
    FieldSpec(
        "civility", "Civilité", kind="select", options="civility", autocomplete="honorific-prefix"
    ),
    FieldSpec(
        "birth_name", "Nom de famille", hint="(Nom de naissance)", autocomplete="family-name"
    ),
    FieldSpec("birth_name_confirmation", "Confirmation du nom", autocomplete="off"),
    FieldSpec(
        "usage_name",
        "Nom d'usage",
        required=False,
        hint="(Nom marital par exemple)",
        autocomplete="off",
    ),
    FieldSpec("first_names", "Prénoms", autocomplete="given-name"),
    # 198 countries: re-sending the list on change would outweigh the fragment budget (2 KB),
    # and a choice from the list can hardly be wrong; the full submit still checks it.
    FieldSpec(
        "birth_country", "Pays de naissance", kind="select", options="country", inline_check=False
    ),
    FieldSpec(
        "birth_date",
        "Date de naissance",
        kind="date",
        hint="Exemple: 30/05/1998",
        autocomplete="bday",
    ),
    FieldSpec(
        "birth_date_confirmation",
        "Confirmation date de naissance",
        kind="date",
        hint="Exemple: 30/05/1998",
        autocomplete="off",
    ),
    FieldSpec(
        "birth_department",
        "Département, DOM ou COM de naissance",
        kind="select",
        options="department",
        required=False,
        hint="Obligatoire si vous êtes né(e) en France.",
    ),
    FieldSpec("birth_city", "Commune de naissance"),
)
IDENTITY_NAMES = tuple(spec.name for spec in IDENTITY_FIELDS)
EMAIL_FIELDS = (
    FieldSpec("email", "Adresse mail", kind="email", autocomplete="email"),
    FieldSpec(
        "email_confirmation",
        "Confirmation de l'adresse mail",
        kind="email",
        autocomplete="email",
    ),
)


def signup_fields(settings: Settings) -> tuple[FieldSpec, ...]:
    return (
        *IDENTITY_FIELDS,
        *EMAIL_FIELDS,
        FieldSpec(
            "password",
            "Mot de passe",
            kind="password",
            hint=password_rule(settings),
            autocomplete="new-password",
        ),
        FieldSpec(
            "password_confirmation",
            "Confirmation du mot de passe",
            kind="password",
            autocomplete="new-password",
        ),
    )


def credential_fields(settings: Settings) -> tuple[FieldSpec, ...]:
    """The part of "Modifier mon compte" that stays editable once a registration exists."""
    return (
        *EMAIL_FIELDS,
        FieldSpec(
            "password",
            "Nouveau mot de passe",
            kind="password",
            required=False,
            hint=password_rule(settings) + ". Laissez vide pour garder le mot de passe actuel.",
            autocomplete="new-password",
        ),
        FieldSpec(
            "password_confirmation",
            "Confirmation du mot de passe",
            kind="password",
            required=False,
            autocomplete="new-password",
        ),
        FieldSpec(
            "current_password",
            "Mot de passe actuel",
            kind="password",
            required=False,
            hint="Obligatoire pour changer d'adresse mail ou de mot de passe.",
            autocomplete="current-password",
            inline_check=False,
        ),
    )


# -- normalisation -----------------------------------------------------------------------------
def _clean(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def normalise_email(value: str | None) -> str:
    return _clean(value).replace(" ", "").lower()


def normalise_name(value: str | None) -> str:
    return _clean(value).replace("’", "'").upper()


def parse_date(value: str | None) -> date | None:
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", _clean(value))
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


# -- validators: (values, context) -> French message or None -------------------------------------
Values = Mapping[str, str]
Validator = Callable[[Values, FormContext], str | None]

_NAME = re.compile(r"[^\W\d_]+(?:[ '’-]+[^\W\d_]+)*")
_FIRST_NAMES = re.compile(r"[^\W\d_]+(?:(?:[ '’-]+|, ?)[^\W\d_]+)*")
_CITY = re.compile(r"[\w'’().-]+(?: [\w'’().-]+)*")
_DATE_SHAPE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")
_EMAIL_LABEL = re.compile(r"(?!-)[\w-]{1,63}(?<!-)")


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
    value = _clean(values.get("birth_name"))
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
    value = _clean(values.get("usage_name"))
    return _name_problem(value, "nom d'usage") if value else None


def check_first_names(values: Values, ctx: FormContext) -> str | None:
    value = _clean(values.get("first_names"))
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
    text = _clean(value)
    if not text:
        return "Saisissez votre date de naissance."
    if not _DATE_SHAPE.fullmatch(text):
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
    text = _clean(values.get("birth_date_confirmation"))
    if not text:
        return "Confirmez votre date de naissance."
    first, second = parse_date(values.get("birth_date")), parse_date(text)
    if first is None or second is None:
        same = text == _clean(values.get("birth_date"))
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
    value = _clean(values.get("birth_city"))
    if not value:
        return "Saisissez votre commune de naissance."
    if len(value) > 80:
        return "La commune de naissance ne doit pas dépasser 80 caractères."
    if not _CITY.fullmatch(value) or "_" in value or not any(char.isalpha() for char in value):
        return (
            "La commune de naissance ne peut contenir que des lettres, des chiffres, des espaces "
            "et les signes - ' ( ) ."
        )
    return None


def email_problem(value: str | None) -> str | None:
    email = normalise_email(value)
    if not email:
        return "Saisissez votre adresse mail."
    if len(email) > 254:
        return "L'adresse mail ne doit pas dépasser 254 caractères."
    local, at, domain = email.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or len(local) > 64
        or "@" in local
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or any(char in local for char in ' "(),:;<>[\\]')
        or len(labels) < 2
        or not all(_EMAIL_LABEL.fullmatch(label) for label in labels)
        or "_" in domain
    ):
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


@lru_cache(maxsize=4)
def common_passwords(path: Path) -> frozenset[str]:
    with path.open(encoding="utf-8") as handle:
        return frozenset(
            line.strip() for line in handle if line.strip() and not line.startswith("#")
        )


def is_common(password: str, settings: Settings) -> bool:
    known = common_passwords(settings.reference_dir / "common-passwords.txt")
    lowered = password.lower()
    bare = re.sub(r"^[\W_]+|[\W_]+$", "", lowered)
    return lowered in known or bare in known


def password_problem(password: str, settings: Settings) -> str | None:
    """The guide's rule (lengths are settings), never truncating; accented letters are letters."""
    password = unicodedata.normalize("NFC", password)
    if not password:
        return "Saisissez un mot de passe."
    if len(password) < settings.password_min_length:
        return f"Le mot de passe doit comporter au moins {settings.password_min_length} caractères."
    if len(password) > settings.password_max_length:
        return (
            f"Le mot de passe doit comporter {settings.password_max_length} caractères au maximum."
        )
    if any(unicodedata.category(char).startswith("C") for char in password):
        return "Le mot de passe contient un caractère invisible non autorisé."
    if not any(char.islower() for char in password):
        return "Le mot de passe doit comporter au moins une minuscule."
    if not any(char.isupper() for char in password):
        return "Le mot de passe doit comporter au moins une majuscule."
    if not any(not char.isalnum() for char in password):
        return f"Le mot de passe doit comporter au moins un caractère spécial {SPECIAL_EXAMPLES}."
    if is_common(password, settings):
        return "Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre."
    return None


def check_password(values: Values, ctx: FormContext) -> str | None:
    password = values.get("password", "")
    if ctx.editing and not password:
        return None
    return password_problem(password, ctx.settings)


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


def validate(fields: tuple[FieldSpec, ...], values: Values, ctx: FormContext) -> dict[str, str]:
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
        first_names=_clean(values.get("first_names")),
        birth_country_code=values["birth_country"],
        birth_date=born,
        birth_department_code=values.get("birth_department") or None,
        birth_city=_clean(values.get("birth_city")).upper(),
    )


def values_from_account(account: object) -> dict[str, str]:
    """Prefill "Modifier mon compte" (passwords are never shown)."""
    born = account.birth_date.strftime("%d/%m/%Y")  # type: ignore[attr-defined]
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
