"""Each step owns its form: reading the submitted form, defaults, validation, and how its clean
values are recorded in a saved registration and read back. No HTTP, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from litestar.datastructures import FormMultiDict

from portal.registrations import steps
from portal.registrations.choices import Choices, PaperChoice
from portal.registrations.flow import Action
from portal.registrations.steps import Record
from portal.registrations.wizard import restore
from tests.registrations.test_forms import CHOICES, IDENT, PAPERS, SITUATION


@dataclass
class Context:
    """What a step sees of the wizard."""

    account: Any = field(default_factory=lambda: SimpleNamespace(birth_country_code="100"))
    period: Any = field(
        default_factory=lambda: SimpleNamespace(
            id=10, qualification=SimpleNamespace(id=1, requires_residence_academy=False)
        )
    )
    choices: Choices = field(default_factory=lambda: CHOICES)
    papers: list[PaperChoice] = field(default_factory=lambda: list(PAPERS))
    qualification_label: str = "Certification"


def test_slugs_map_to_english_ids_in_one_place() -> None:
    assert steps.SLUGS == {
        "identification": "identification",
        "qualification": "qualification",
        "situation": "situation",
        "epreuves": "papers",
        "recapitulatif": "summary",
        "numero": "number",
    }
    assert [s.id for s in steps.EDITABLE] == [
        "identification",
        "qualification",
        "situation",
        "papers",
    ]
    assert steps.SUMMARY.saves and not steps.SUMMARY.editable
    assert steps.NUMBER.after_save and not steps.NUMBER.saves


def test_actions_read_the_submitted_button() -> None:
    assert Action.read("precedent") is Action.previous
    assert Action.read("enregistrer") is Action.save
    assert Action.read("rechercher") is Action.search
    assert Action.read(None) is Action.next  # Enter in a field
    assert Action.read("supprimer-tout") is Action.next  # unknown: never a surprise


def test_parse_leaves_out_the_token_and_the_button_and_reads_every_checkbox() -> None:
    form = FormMultiDict(
        [
            ("_csrf_token", "t"),
            ("action", "suivant"),
            ("optional", "2"),
            ("optional", "5"),
            ("choice_epreuve-a-option", "4"),
        ]
    )
    assert steps.PAPERS.parse(form) == {"optional": ["2", "5"], "choice_epreuve-a-option": "4"}
    assert steps.PAPERS.parse(FormMultiDict([("action", "suivant")])) == {"optional": []}
    assert steps.IDENTIFICATION.parse(FormMultiDict([("_csrf_token", "t"), ("phone", "01")])) == {
        "phone": "01"
    }


def test_defaults_come_from_the_account_and_the_period() -> None:
    assert steps.IDENTIFICATION.defaults(Context()) == {
        "address_country": "100",
        "nationality": "100",
    }
    abroad = Context(account=SimpleNamespace(birth_country_code="131"))
    assert steps.IDENTIFICATION.defaults(abroad)["nationality"] == ""
    assert steps.QUALIFICATION.defaults(Context()) == {"qualification": "1", "period": "10"}
    assert steps.SITUATION.defaults(Context()) == {"work_country": "100"}
    assert steps.SUMMARY.defaults(Context()) == {}


def test_each_step_validates_with_its_own_rules() -> None:
    context = Context()
    assert steps.IDENTIFICATION.validate(IDENT, context).valid
    assert steps.IDENTIFICATION.validate({**IDENT, "address1": ""}, context).errors == {
        "address1": "Saisissez votre adresse (numéro et voie)."
    }
    assert steps.QUALIFICATION.validate({"qualification": "9"}, context).errors == {
        "qualification": "Choisissez la certification dans la liste."
    }
    assert steps.SITUATION.validate(SITUATION, context).valid
    key = PAPERS[2].field_name
    assert steps.PAPERS.validate({"optional": []}, context).errors == {
        key: "Choisissez une épreuve : Epreuve à option."
    }
    assert steps.SUMMARY.validate({"anything": "x"}, context).valid  # no form, nothing to judge


def test_clean_values_validate_again_as_the_form_sends_them() -> None:
    context = Context()
    clean = steps.PAPERS.validate({PAPERS[2].field_name: "3", "optional": ["2"]}, context).clean
    assert clean == {"optional": ["2"], "choice": {"Epreuve à option": "3"}}
    assert steps.PAPERS.validate(steps.PAPERS.as_form(clean), context).clean == clean
    narrower = Context(papers=PAPERS[:2])  # the choice group left the reference data
    assert steps.PAPERS.validate(steps.PAPERS.as_form(clean), narrower).valid


def test_a_saved_registration_keeps_columns_and_rows_and_reads_back_the_same() -> None:
    context = Context()
    clean = {
        steps.IDENTIFICATION.id: steps.IDENTIFICATION.validate(IDENT, context).clean,
        steps.SITUATION.id: steps.SITUATION.validate(SITUATION, context).clean,
        steps.PAPERS.id: {"optional": ["2"], "choice": {"Epreuve à option": "4"}},
    }
    record = Record()
    for step in steps.EDITABLE:
        if step.id in clean:
            step.record(clean[step.id], context, record)
    assert record.establishment_uai == "0783371R"
    assert "establishment" not in record.answers[steps.SITUATION.id]
    assert steps.PAPERS.id not in record.answers
    assert sorted(record.papers) == [
        ("1", "mandatory", None),
        ("2", "optional", None),
        ("4", "choice", "Epreuve à option"),
    ]
    assert restore(record) == clean
    # A new draft starts from the address and the situation only.
    assert set(restore(record, only_prefill=True)) == {
        steps.IDENTIFICATION.id,
        steps.SITUATION.id,
    }


def test_no_step_id_literal_outside_the_step_definitions() -> None:
    """Step ids and French slugs are named only in registrations/steps/ (and in route paths)."""
    import ast
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ids = {step.id for step in steps.STEPS}
    slugs = {step.slug for step in steps.STEPS if step.slug}
    found: list[str] = []
    slug_pattern = re.compile(r"[\"'/](" + "|".join(sorted(slugs)) + r")[\"'/?]")
    for path in sorted((root / "src/portal/registrations").rglob("*.py")):
        if "steps" in path.relative_to(root / "src/portal/registrations").parts[:1]:
            continue
        text = path.read_text()
        for number, line in enumerate(text.splitlines(), 1):
            if slug_pattern.search(line) and not line.lstrip().startswith(("@get(", "@post(")):
                found.append(f"{path.name}:{number}: {line.strip()}")
        for node in ast.walk(ast.parse(text)):
            # A step id used to decide something: compared, looked up, or passed to get/pop.
            candidates: list[ast.AST] = []
            if isinstance(node, ast.Compare):
                candidates += [node.left, *node.comparators]
            elif isinstance(node, ast.Subscript):
                candidates.append(node.slice)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"get", "pop", "resolve", "by_segment", "setdefault"}
            ):
                candidates += node.args[:1]
            for candidate in candidates:
                if isinstance(candidate, ast.Constant) and candidate.value in ids:
                    found.append(f"{path.name}:{candidate.lineno}: {candidate.value!r}")
    id_use = re.compile(
        r"(==|!=|\bin)\s*[\"'](" + "|".join(sorted(ids)) + r")[\"']"
        r"|\[[\"'](" + "|".join(sorted(ids)) + r")[\"']\]"
    )
    for path in sorted((root / "templates/registrations").rglob("*.j2")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if slug_pattern.search(line) or id_use.search(line):
                found.append(f"{path.name}:{number}: {line.strip()[:120]}")
    assert found == []
