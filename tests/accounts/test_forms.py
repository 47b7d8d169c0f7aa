"""Every validation rule of the account forms, with its French message (guide §3)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accounts import fields, forms, password_policy
from portal.accounts.fields import FormContext
from portal.settings import Settings
from tests.accounts.conftest import PASSWORD, VALID, field_error, sign_up, unescape

TODAY = date(2026, 6, 15)


@pytest.fixture
def ctx(settings: Settings) -> FormContext:
    return FormContext(
        settings=settings,
        today=TODAY,
        countries=[("100", "FRANCE (DONT OUTRE-MER)"), ("109", "ALLEMAGNE")],
        departments=[("062", "062 - PAS DE CALAIS"), ("971", "971 - GUADELOUPE")],
    )


def check(ctx: FormContext, name: str, **changes: str) -> str | None:
    return forms.VALIDATORS[name]({**VALID, **changes}, ctx)


def test_the_valid_form_has_no_error(ctx: FormContext) -> None:
    assert forms.validate(fields.signup_fields(ctx.settings), VALID, ctx) == {}


def test_fields_come_in_the_guide_order_with_its_wording(settings: Settings) -> None:
    labels = [spec.label for spec in fields.signup_fields(settings)]
    assert labels == [
        "Civilité",
        "Nom de famille",
        "Confirmation du nom",
        "Nom d'usage",
        "Prénoms",
        "Pays de naissance",
        "Date de naissance",
        "Confirmation date de naissance",
        "Département, DOM ou COM de naissance",
        "Commune de naissance",
        "Adresse mail",
        "Confirmation de l'adresse mail",
        "Mot de passe",
        "Confirmation du mot de passe",
    ]
    hints = {spec.name: spec.hint for spec in fields.signup_fields(settings)}
    assert hints["birth_name"] == "(Nom de naissance)"
    assert hints["usage_name"] == "(Nom marital par exemple)"
    assert hints["birth_date"] == "Exemple: 30/05/1998"
    assert hints["password"] == (
        "8 à 20 caractères dont majuscule, minuscule et caractère spécial (ex : . / ! * etc...)"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("civility", "", "Choisissez votre civilité."),
        ("civility", "DR", "Choisissez votre civilité."),
        ("birth_name", "", "Saisissez votre nom de famille."),
        ("birth_name", "X" * 81, "Le nom de famille ne doit pas dépasser 80 caractères."),
        (
            "birth_name",
            "TALU2",
            "Le nom de famille ne peut contenir que des lettres, des espaces, des tirets et des apostrophes.",
        ),
        ("birth_name_confirmation", "", "Confirmez votre nom de famille."),
        (
            "birth_name_confirmation",
            "TALOU",
            "Le nom de famille et sa confirmation ne sont pas identiques.",
        ),
        ("usage_name", "X" * 81, "Le nom d'usage ne doit pas dépasser 80 caractères."),
        (
            "usage_name",
            "Dupont & Co",
            "Le nom d'usage ne peut contenir que des lettres, des espaces, des tirets et des apostrophes.",
        ),
        ("first_names", "", "Saisissez votre prénom."),
        ("first_names", "J" * 121, "Les prénoms ne doivent pas dépasser 120 caractères."),
        (
            "first_names",
            "Jean3",
            "Les prénoms ne peuvent contenir que des lettres, des espaces, des tirets, des apostrophes et des virgules.",
        ),
        ("birth_country", "", "Choisissez votre pays de naissance."),
        ("birth_country", "999", "Choisissez un pays de naissance dans la liste."),
        ("birth_date", "", "Saisissez votre date de naissance."),
        (
            "birth_date",
            "2002-01-01",
            "La date de naissance doit être au format JJ/MM/AAAA, par exemple 30/05/1998.",
        ),
        (
            "birth_date",
            "31/02/2002",
            "La date de naissance n'existe pas : vérifiez le jour et le mois.",
        ),
        ("birth_date", "16/06/2026", "La date de naissance ne peut pas être dans le futur."),
        (
            "birth_date",
            "16/06/2016",
            "La date de naissance n'est pas plausible : il faut avoir au moins 10 ans.",
        ),
        (
            "birth_date",
            "01/01/1900",
            "La date de naissance n'est pas plausible : vérifiez l'année.",
        ),
        ("birth_date_confirmation", "", "Confirmez votre date de naissance."),
        (
            "birth_date_confirmation",
            "02/01/2002",
            "La date de naissance et sa confirmation ne sont pas identiques.",
        ),
        ("birth_department", "", "Choisissez votre département, DOM ou COM de naissance."),
        (
            "birth_department",
            "999",
            "Choisissez un département, DOM ou COM de naissance dans la liste.",
        ),
        ("birth_city", "", "Saisissez votre commune de naissance."),
        ("birth_city", "B" * 81, "La commune de naissance ne doit pas dépasser 80 caractères."),
        (
            "birth_city",
            "Beuvry; DROP",
            "La commune de naissance ne peut contenir que des lettres, des chiffres, des espaces et les signes - ' ( ) .",
        ),
        ("email", "", "Saisissez votre adresse mail."),
        (
            "email",
            "jean.talu",
            "Saisissez une adresse mail valide, par exemple prenom.nom@exemple.fr.",
        ),
        (
            "email",
            "jean@talu",
            "Saisissez une adresse mail valide, par exemple prenom.nom@exemple.fr.",
        ),
        (
            "email",
            "jean..t@ac.fr",
            "Saisissez une adresse mail valide, par exemple prenom.nom@exemple.fr.",
        ),
        ("email", "a" * 250 + "@ac.fr", "L'adresse mail ne doit pas dépasser 254 caractères."),
        ("email_confirmation", "", "Confirmez votre adresse mail."),
        (
            "email_confirmation",
            "jean_talu@ac-rennes.com",
            "L'adresse mail et sa confirmation ne sont pas identiques.",
        ),
        ("password", "", "Saisissez un mot de passe."),
        ("password", "Ab.1234", "Le mot de passe doit comporter au moins 8 caractères."),
        ("password", "Ab." + "x" * 18, "Le mot de passe doit comporter 20 caractères au maximum."),
        ("password", "ABCDEFG.1", "Le mot de passe doit comporter au moins une minuscule."),
        ("password", "abcdefg.1", "Le mot de passe doit comporter au moins une majuscule."),
        (
            "password",
            "Abcdefgh1",
            "Le mot de passe doit comporter au moins un caractère spécial (ex : . / ! * etc...).",
        ),
        (
            "password",
            "Ab.cdef\x00gh",
            "Le mot de passe contient un caractère invisible non autorisé.",
        ),
        (
            "password",
            "Azerty123!",
            "Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre.",
        ),
        (
            "password",
            "Password1!",
            "Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre.",
        ),
    ],
)
def test_each_rule_has_its_french_message(
    ctx: FormContext, name: str, value: str, message: str
) -> None:
    assert check(ctx, name, **{name: value}) == message


def test_confirmations_compare_what_they_confirm(ctx: FormContext) -> None:
    assert check(ctx, "password_confirmation", password_confirmation="") == (
        "Confirmez votre mot de passe."
    )
    assert check(ctx, "password_confirmation", password_confirmation="Beuvry.Talu63") == (
        "Le mot de passe et sa confirmation ne sont pas identiques."
    )
    # names and emails are compared normalised, dates by their value
    assert check(ctx, "birth_name_confirmation", birth_name_confirmation=" talu ") is None
    assert check(ctx, "email_confirmation", email_confirmation=" JEAN_TALU@AC-RENNES.FR") is None
    assert check(ctx, "birth_date_confirmation", birth_date_confirmation="1/1/2002") is None


def test_department_rules_follow_the_country(ctx: FormContext) -> None:
    abroad = {"birth_country": "109", "birth_department": ""}
    assert check(ctx, "birth_department", **abroad) is None
    assert check(ctx, "birth_department", birth_country="109", birth_department="062") == (
        "Le département, DOM ou COM de naissance ne se choisit que si le pays de naissance est la France."
    )
    assert check(ctx, "birth_department", birth_department="971") is None


def test_names_accept_accents_hyphens_and_apostrophes(ctx: FormContext) -> None:
    assert check(ctx, "birth_name", birth_name="D'Artagnan-Lefèvre") is None
    assert check(ctx, "first_names", first_names="Zoé, Anaïs") is None
    assert check(ctx, "usage_name", usage_name="") is None  # optional
    assert check(ctx, "birth_city", birth_city="Saint-Denis (974)") is None


def test_password_rule_edges(ctx: FormContext, settings: Settings) -> None:
    # exactly the limits are allowed, and nothing is truncated beyond them
    assert password_policy.password_problem("Ab.defgh", settings) is None
    assert password_policy.password_problem("Ab." + "x" * 17, settings) is None
    assert password_policy.password_problem("Ab." + "x" * 17 + "y", settings) is not None
    # accented letters count as letters (and an accented capital as an uppercase letter)
    assert password_policy.password_problem("ÉCOLE.été9", settings) is None
    assert password_policy.password_problem("école.été9", settings) == (
        "Le mot de passe doit comporter au moins une majuscule."
    )
    # the limits are settings
    import dataclasses

    longer = dataclasses.replace(settings, password_min_length=12)
    assert password_policy.password_problem("Ab.defgh", longer) == (
        "Le mot de passe doit comporter au moins 12 caractères."
    )
    assert password_policy.password_rule(longer).startswith("12 à 20 caractères")


def test_common_password_list_is_shipped_and_large(settings: Settings) -> None:
    common = password_policy.common_passwords(settings.reference_dir / "common-passwords.txt")
    assert len(common) > 5000
    assert {"motdepasse", "azerty123", "password1"} <= common


def test_email_is_normalised() -> None:
    assert forms.normalise_email("  Jean_Talu@AC-Rennes.FR ") == "jean_talu@ac-rennes.fr"


def test_identity_is_cleaned(ctx: FormContext) -> None:
    identity = forms.identity_from(
        {**VALID, "usage_name": "  martin  ", "first_names": " Jean  Pierre "}
    )
    assert identity.birth_name == "TALU"
    assert identity.usage_name == "MARTIN"
    assert identity.first_names == "Jean Pierre"
    assert identity.birth_date == date(2002, 1, 1)
    assert identity.birth_city == "BEUVRY"


# -- through HTTP ---------------------------------------------------------------------------------
async def test_errors_show_next_to_fields_and_in_summary_and_keep_what_was_typed(client) -> None:  # type: ignore[no-untyped-def]
    response = await sign_up(
        client, birth_name_confirmation="TALOU", birth_date="31/02/2002", password="court"
    )
    assert response.status_code == 200
    html = response.text
    assert "<title>Erreur : Créez votre compte" in html
    assert 'class="error-summary"' in html
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    # name confirmation, date, its confirmation, password, its confirmation
    assert unescape(summary).count("<li>") == 5
    assert unescape(field_error(html, "birth_name_confirmation") or "") == (
        "Le nom de famille et sa confirmation ne sont pas identiques."
    )
    assert unescape(field_error(html, "birth_date") or "") == (
        "La date de naissance n'existe pas : vérifiez le jour et le mois."
    )
    assert '<a href="#champ-birth-date">' in html
    # nothing typed is lost, passwords excepted
    assert 'value="TALOU"' in html and 'value="Beuvry"' in html and 'value="31/02/2002"' in html
    assert '<option value="062" selected>' in html
    assert PASSWORD not in html and 'value="court"' not in html


async def test_inline_check_uses_the_same_validator(client) -> None:  # type: ignore[no-untyped-def]
    await client.get("/compte/creer")
    response = await client.submit(
        "/compte/verifier/email_confirmation",
        {**VALID, "email_confirmation": "autre@ac-rennes.fr"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="field field-has-error"')
    assert unescape(field_error(response.text, "email_confirmation") or "") == (
        "L'adresse mail et sa confirmation ne sont pas identiques."
    )
    assert "<html" not in response.text
    fine = await client.submit("/compte/verifier/birth_date", VALID, headers={"HX-Request": "true"})
    assert field_error(fine.text, "birth_date") is None and 'value="01/01/2002"' in fine.text
    # a password keeps its value when its group is swapped; the answer is never stored
    password = await client.submit(
        "/compte/verifier/password", VALID, headers={"HX-Request": "true"}
    )
    assert f'value="{PASSWORD}"' in password.text
    assert password.headers["cache-control"] == "no-store"
    assert (await client.submit("/compte/verifier/nope", VALID)).status_code == 404


async def test_signup_page_shows_the_rule_before_the_password_and_the_login_link(client) -> None:  # type: ignore[no-untyped-def]
    html = (await client.get("/compte/creer")).text
    rule = html.index("8 à 20 caractères dont majuscule, minuscule et caractère spécial")
    assert rule < html.index('id="champ-password"')
    assert """<a href="/connexion">J'ai déjà un compte</a>""" in html
    for token in ("given-name", "family-name", "bday", '"email"', "new-password"):
        assert (
            f"autocomplete={token if token.startswith(chr(34)) else chr(34) + token + chr(34)}"
            in html
        )
    assert html.count("<fieldset") == 3 and "<legend>" in html
