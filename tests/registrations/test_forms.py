"""Every validation rule of the wizard's tabs, with its French message."""

from __future__ import annotations

import pytest

from portal.catalog.places import CommuneOption
from portal.registrations.choices import Choices, PaperChoice
from portal.registrations.steps import identification, papers, qualification, situation

VERSAILLES = CommuneOption("78646", "78000-VERSAILLES", "VERSAILLES", "078", "78000")
CHOICES = Choices(
    countries=[("100", "FRANCE (DONT OUTRE-MER)"), ("131", "BELGIQUE")],
    nationalities=[("100", "Français"), ("131", "Belge")],
    departments=[
        ("078", "078 - YVELINES"),
        ("035", "035 - ILLE ET VILAINE"),
        ("977", "977 - SAINT BARTHELEMY"),
    ],
    corps=[("AC1D", "AGENT CONTRACTUEL 1ER DEGRE")],
    statuses=[("TIT", "Titulaire")],
    positions=[("ACT", "Activité")],
    offers={
        "1": ("CERTIFICATION", [("10", "ARTS CINEMA"), ("11", "DNL")]),
        "2": ("BIA", [("20", "SANS")]),
    },
    establishments={"0783371R": "078", "0350024F": "035"},
    postal_prefixes=("78", "35", "971", "97133"),
    communes={
        "78270": [
            CommuneOption("78048", "78270-BENNECOURT", "BENNECOURT", "078", "78270"),
            CommuneOption("78068", "78270-BLARU", "BLARU", "078", "78270"),
        ],
        "78000": [CommuneOption("78646", "78000-VERSAILLES", "VERSAILLES", "078", "78000")],
    },
    localities={
        ("078", "78000-VERSAILLES"): [VERSAILLES],
        ("078", "VERSAILLES"): [VERSAILLES],
        ("078", "LE"): [
            CommuneOption("78160", "78860-LE CHESNAY", "LE CHESNAY", "078", "78150"),
            CommuneOption(
                "78356", "78310-LE MESNIL-SAINT-DENIS", "LE MESNIL-SAINT-DENIS", "078", "78320"
            ),
        ],
        ("977", "GUSTAVIA"): [],
    },
)
IDENT = {
    "address_country": "100",
    "address1": "Rue de la pluie",
    "postal_code": "78270",
    "locality": "Blaru",
    "nationality": "100",
    "phone": "",
}


def errors_of(values: dict[str, str]) -> dict[str, str]:
    return identification.validate({**IDENT, **values}, CHOICES).errors


def test_identification_valid_and_normalised() -> None:
    result = identification.validate(
        {**IDENT, "phone": "01 23.45-67 89", "locality": " blaru "}, CHOICES
    )
    assert result.valid
    assert result.clean["phone"] == "0123456789"
    assert result.clean["locality"] == "BLARU"
    assert result.clean["commune"] == "78068"  # the commune named, by its INSEE code


def test_locality_is_a_commune_of_the_postal_code_in_france() -> None:
    def clean(values: dict[str, str]) -> tuple[str, str]:
        result = identification.validate({**IDENT, **values}, CHOICES)
        assert result.valid, result.errors
        return result.clean["commune"], result.clean["locality"]

    assert clean({"commune": "78068", "locality": ""}) == ("78068", "BLARU")
    assert clean({"commune": "", "locality": "78270-BENNECOURT"}) == ("78048", "BENNECOURT")
    # One commune behind the postal code: it is the one.
    assert clean({"postal_code": "78000", "locality": ""}) == ("78646", "VERSAILLES")
    # A commune of another postal code is not one of these.
    assert errors_of({"commune": "78646", "locality": ""}) == {
        "commune": "Choisissez votre localité parmi les communes du code postal 78270."
    }
    # Abroad (and in the COM that the base does not cover), the locality is typed.
    abroad = identification.validate(
        {**IDENT, "address_country": "131", "postal_code": "1000", "locality": "Bruxelles"},
        CHOICES,
    )
    assert abroad.valid and (abroad.clean["commune"], abroad.clean["locality"]) == (
        "",
        "BRUXELLES",
    )
    barth = identification.validate(
        {**IDENT, "postal_code": "97133", "locality": "Gustavia"}, CHOICES
    )
    assert barth.valid and barth.clean["locality"] == "GUSTAVIA"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"address_country": "999"},
            "address_country",
            "Choisissez le pays de votre adresse dans la liste.",
        ),
        ({"address1": ""}, "address1", "Saisissez votre adresse (numéro et voie)."),
        ({"address3": "x" * 39}, "address3", "L'adresse 3 ne doit pas dépasser 38 caractères."),
        ({"postal_code": ""}, "postal_code", "Saisissez votre code postal."),
        (
            {"postal_code": "7827A"},
            "postal_code",
            "Le code postal doit comporter 5 chiffres, par exemple 78270.",
        ),
        (
            {"postal_code": "00000"},
            "postal_code",
            "Le code postal 00000 ne correspond à aucun département.",
        ),
        (
            {"address_country": "131", "postal_code": "12345678901"},
            "postal_code",
            "Le code postal ne doit pas dépasser 10 caractères.",
        ),
        (
            {"locality": ""},
            "commune",
            "Choisissez votre localité parmi les communes du code postal 78270.",
        ),
        (
            {"postal_code": "78999"},
            "postal_code",
            "Le code postal 78999 ne correspond à aucune commune : vérifiez-le.",
        ),
        ({"address_country": "131", "locality": ""}, "locality", "Saisissez votre localité."),
        ({"nationality": ""}, "nationality", "Choisissez votre nationalité."),
        ({"nationality": "777"}, "nationality", "Choisissez une nationalité dans la liste."),
    ],
)
def test_identification_messages(values: dict[str, str], field: str, message: str) -> None:
    assert errors_of(values)[field] == message


def test_locality_and_phone_shapes() -> None:
    assert errors_of({"address_country": "131", "locality": "<script>"})["locality"].startswith(
        "La localité ne peut contenir"
    )
    assert errors_of({"phone": "12345"})["phone"].startswith(
        "Le numéro de téléphone doit comporter 10 chiffres"
    )
    assert "phone" not in errors_of({"phone": "+33123456789"})
    assert "postal_code" not in errors_of({"address_country": "131", "postal_code": "B-1000"})


def test_qualification_messages() -> None:
    assert qualification.validate(
        {"qualification": "1", "period": "10"}, CHOICES, "Certification"
    ).valid
    assert qualification.validate({"qualification": "9"}, CHOICES, "Certification").errors == {
        "qualification": "Choisissez la certification dans la liste."
    }
    assert qualification.validate({"qualification": "9"}, CHOICES, "Examen").errors == {
        "qualification": "Choisissez l'examen dans la liste."
    }
    changed = qualification.validate({"qualification": "2", "period": "10"}, CHOICES, "Examen")
    assert changed.errors["period"] == (
        "Choisissez le secteur disciplinaire dans la liste : la liste a été mise à jour pour "
        "votre choix."
    )
    assert (
        qualification.validate({"qualification": "1", "period": ""}, CHOICES, "Examen").errors[
            "period"
        ]
        == "Choisissez le secteur disciplinaire dans la liste."
    )


SITUATION = {
    "corps": "AC1D",
    "status": "TIT",
    "position": "ACT",
    "work_country": "100",
    "work_department": "078",
    "work_locality": "78000-VERSAILLES",
    "establishment": "0783371r",
}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"corps": ""}, "corps", "Choisissez votre corps."),
        ({"corps": "X"}, "corps", "Choisissez dans la liste votre corps."),
        ({"status": ""}, "status", "Choisissez votre statut."),
        ({"position": ""}, "position", "Choisissez votre position administrative."),
        (
            {"work_country": "999"},
            "work_country",
            "Choisissez le pays de votre lieu d'exercice dans la liste.",
        ),
        (
            {"work_department": ""},
            "work_department",
            "Choisissez le département de votre lieu d'exercice.",
        ),
        ({"work_department": "999"}, "work_department", "Choisissez un département dans la liste."),
        (
            {"work_country": "131"},
            "work_department",
            "Le département ne se choisit que si votre lieu d'exercice est en France.",
        ),
        ({"work_locality": ""}, "work_locality", "Saisissez la localité de votre lieu d'exercice."),
        (
            {"establishment": "0350024F"},
            "establishment",
            "Cet établissement n'est pas dans le département choisi : recherchez-le de nouveau et sélectionnez-le dans la liste.",
        ),
    ],
)
def test_situation_messages(values: dict[str, str], field: str, message: str) -> None:
    assert situation.validate({**SITUATION, **values}, CHOICES).errors[field] == message


def test_situation_valid_and_establishment_required_in_france() -> None:
    result = situation.validate(SITUATION, CHOICES)
    assert result.valid and result.clean["establishment"] == "0783371R"
    missing = situation.validate({**SITUATION, "establishment": ""}, CHOICES)
    assert missing.errors["establishment"].startswith("Choisissez votre établissement ou service")
    abroad = situation.validate(
        {**SITUATION, "work_country": "131", "work_department": "", "establishment": "X"}, CHOICES
    )
    assert abroad.valid and abroad.clean["establishment"] == ""


def test_work_locality_is_a_commune_of_the_department() -> None:
    def check(locality: str, department: str = "078") -> tuple[str, str | None]:
        result = situation.validate(
            {**SITUATION, "work_department": department, "work_locality": locality}, CHOICES
        )
        return result.clean["work_locality"], result.errors.get("work_locality")

    assert check("Versailles") == ("78000-VERSAILLES", None)  # written as the guide shows it
    assert check("78000-versailles") == ("78000-VERSAILLES", None)
    assert check("Le")[1] == (
        "Précisez la localité parmi les communes du département, par exemple : "
        "78860-LE CHESNAY, 78310-LE MESNIL-SAINT-DENIS."
    )
    assert check("Brest")[1] == (
        "Aucune commune de ce département ne correspond : saisissez le début de son nom ou son "
        "code postal, puis choisissez-la dans la liste (par exemple 78000-VERSAILLES)."
    )
    # Saint-Barthélemy: the base lists no commune there, what is typed is kept.
    assert check("Gustavia", department="977") == ("GUSTAVIA", None)


PAPERS = [
    PaperChoice("1", "010 - EPREUVE 1", "mandatory", "Orale", None),
    PaperChoice("2", "020 - ANGLAIS", "optional", "Ecrite", None),
    PaperChoice("3", "030 - OPTION A", "choice", "Ecrite", "Epreuve à option"),
    PaperChoice("4", "031 - OPTION B", "choice", "Orale", "Epreuve à option"),
]


def test_papers_rules() -> None:
    key = PAPERS[2].field_name
    assert key == "choice_epreuve-a-option"
    ok = papers.validate({key: "4", "optional": ["2"]}, PAPERS)
    assert ok.valid and ok.clean == {"optional": ["2"], "choice": {"Epreuve à option": "4"}}
    assert papers.validate({"optional": []}, PAPERS).errors == {
        key: "Choisissez une épreuve : Epreuve à option."
    }
    assert papers.validate({key: "1", "optional": []}, PAPERS).errors == {
        key: "Choisissez une épreuve dans la liste : Epreuve à option."
    }
    assert papers.validate({key: "3", "optional": ["1"]}, PAPERS).errors == {
        "optional": "Choisissez les épreuves facultatives dans la liste."
    }
    nothing_to_choose = papers.validate({"optional": []}, PAPERS[:1])
    assert nothing_to_choose.valid and nothing_to_choose.clean == {"optional": [], "choice": {}}
