"""The fields of the account forms (guide §3 and §4), in the guide's order and wording."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.accounts.models import Civility
from portal.accounts.password_policy import Personal, password_rule
from portal.forms import Field
from portal.settings import Settings


@dataclass
class FormContext:
    """What the validators need besides the submitted values."""

    settings: Settings
    today: date
    countries: list[tuple[str, str]] = field(default_factory=list)
    departments: list[tuple[str, str]] = field(default_factory=list)
    editing: bool = False  # "Modifier mon compte": password fields are optional
    # The account's own names and email, when it is known (edit, reset): a new password must
    # not contain them; on sign-up they come from the form itself.
    personal: Personal = field(default_factory=Personal)
    # The commune of birth typed, looked up in its département: None when not looked up (born
    # abroad, no département yet, a COM the base does not cover), and names to suggest.
    birth_city_known: bool | None = None
    birth_city_suggestions: list[str] = field(default_factory=list)

    def options(self, kind: str | None) -> list[tuple[str, str]]:
        if kind == "civility":
            return list(Civility.CHOICES)
        if kind == "country":
            return self.countries
        if kind == "department":
            return self.departments
        if kind == "commune":
            return [(name, name) for name in self.birth_city_suggestions]
        return []


IDENTITY_FIELDS = (
    Field(
        "civility", "Civilité", kind="select", options="civility", autocomplete="honorific-prefix"
    ),
    Field("birth_name", "Nom de famille", hint="(Nom de naissance)", autocomplete="family-name"),
    Field("birth_name_confirmation", "Confirmation du nom", autocomplete="off"),
    Field(
        "usage_name",
        "Nom d'usage",
        required=False,
        hint="(Nom marital par exemple)",
        autocomplete="off",
    ),
    Field("first_names", "Prénoms", autocomplete="given-name"),
    # 198 countries: re-sending the list on change would outweigh the fragment budget (2 KB),
    # and a choice from the list can hardly be wrong; the full submit still checks it.
    Field(
        "birth_country", "Pays de naissance", kind="select", options="country", inline_check=False
    ),
    Field(
        "birth_date",
        "Date de naissance",
        kind="date",
        hint="Exemple: 30/05/1998",
        autocomplete="bday",
    ),
    Field(
        "birth_date_confirmation",
        "Confirmation date de naissance",
        kind="date",
        hint="Exemple: 30/05/1998",
        autocomplete="off",
    ),
    Field(
        "birth_department",
        "Département, DOM ou COM de naissance",
        kind="select",
        options="department",
        required=False,
        hint="Obligatoire si vous êtes né(e) en France.",
    ),
    Field(
        "birth_city",
        "Commune de naissance",
        options="commune",  # suggestions as the candidate types (a <datalist>)
        autocomplete="off",
    ),
)
IDENTITY_NAMES = tuple(spec.name for spec in IDENTITY_FIELDS)
EMAIL_FIELDS = (
    Field("email", "Adresse mail", kind="email", autocomplete="email"),
    Field(
        "email_confirmation",
        "Confirmation de l'adresse mail",
        kind="email",
        autocomplete="email",
    ),
)
PASSWORD_FIELDS = {"password", "password_confirmation", "current_password"}

# The fieldsets of sign-up and "Modifier mon compte": (legend, field names).
GROUPS = (
    (
        "Votre identité",
        ("civility", "birth_name", "birth_name_confirmation", "usage_name", "first_names"),
    ),
    (
        "Votre naissance",
        (
            "birth_country",
            "birth_date",
            "birth_date_confirmation",
            "birth_department",
            "birth_city",
        ),
    ),
    (
        "Vos identifiants de connexion",
        ("email", "email_confirmation", "password", "password_confirmation", "current_password"),
    ),
)


def signup_fields(settings: Settings) -> tuple[Field, ...]:
    return (
        *IDENTITY_FIELDS,
        *EMAIL_FIELDS,
        Field(
            "password",
            "Mot de passe",
            kind="password",
            hint=password_rule(settings),
            autocomplete="new-password",
        ),
        Field(
            "password_confirmation",
            "Confirmation du mot de passe",
            kind="password",
            autocomplete="new-password",
        ),
    )


def credential_fields(settings: Settings) -> tuple[Field, ...]:
    """The part of "Modifier mon compte" that stays editable once a registration exists."""
    return (
        *EMAIL_FIELDS,
        Field(
            "password",
            "Nouveau mot de passe",
            kind="password",
            required=False,
            hint=password_rule(settings) + ". Laissez vide pour garder le mot de passe actuel.",
            autocomplete="new-password",
        ),
        Field(
            "password_confirmation",
            "Confirmation du mot de passe",
            kind="password",
            required=False,
            autocomplete="new-password",
        ),
        Field(
            "current_password",
            "Mot de passe actuel",
            kind="password",
            required=False,
            hint="Obligatoire pour changer d'adresse mail ou de mot de passe.",
            autocomplete="current-password",
            inline_check=False,
        ),
    )


def edit_fields(settings: Settings, *, locked: bool) -> tuple[Field, ...]:
    """ "Modifier mon compte": the identity too, unless a registration has locked it."""
    credentials = credential_fields(settings)
    return credentials if locked else (*IDENTITY_FIELDS, *credentials)
