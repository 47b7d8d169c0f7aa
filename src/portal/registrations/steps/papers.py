"""4 - Epreuves: the optional papers (checkboxes) and one paper per choice group (radios)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.forms import Result, Values, clean_text
from portal.registrations.choices import PaperChoice, group_key
from portal.registrations.steps.base import Form, Record, Step, StepContext, bounded

OPTIONAL = "optional"  # the checkboxes' field (sent once per ticked box)
MANDATORY = "mandatory"


def validate(values: Values, available: list[PaperChoice]) -> Result:
    """``values["optional"]``: the ticked checkboxes' values (a list)."""
    selected_optional = list(values.get(OPTIONAL) or [])
    optional_ids = {p.id for p in available if p.kind == OPTIONAL}
    chosen_optional = sorted({v for v in selected_optional if v in optional_ids})
    errors: dict[str, str] = {}
    if any(v not in optional_ids for v in selected_optional):
        errors[OPTIONAL] = "Choisissez les épreuves facultatives dans la liste."
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
    return Result({OPTIONAL: chosen_optional, "choice": choice}, errors)


def picked(clean: Mapping[str, Any] | None) -> set[str]:
    """The ids of the papers chosen (optional and choice) in clean values."""
    clean = clean or {}
    return set(clean.get(OPTIONAL, [])) | set((clean.get("choice") or {}).values())


class PapersStep(Step):
    def reads(self, name: str) -> bool:
        return name == OPTIONAL or name.startswith("choice_")

    def parse(self, form: Form) -> dict[str, Any]:
        values = super().parse(form)
        getall = getattr(form, "getall", None)
        if getall is not None:
            values[OPTIONAL] = bounded(getall(OPTIONAL)) if OPTIONAL in form else []
        else:
            found = form.get(OPTIONAL) or []
            values[OPTIONAL] = [found] if isinstance(found, str) else list(found)
        return values

    def validate(self, values: Mapping[str, Any], context: StepContext) -> Result:
        return validate(values, context.papers)

    def as_form(self, clean: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {OPTIONAL: list(clean.get(OPTIONAL, []))}
        for group, paper_id in (clean.get("choice") or {}).items():
            values[f"choice_{group_key(group)}"] = paper_id
        return values

    def record(self, clean: Mapping[str, Any], context: StepContext, into: Record) -> None:
        chosen = picked(clean)
        into.papers = [
            (p.id, p.kind, p.group) for p in context.papers if p.kind == MANDATORY or p.id in chosen
        ]

    def restore(self, saved: Record) -> dict[str, Any] | None:
        return {
            OPTIONAL: sorted(pid for pid, kind, _group in saved.papers if kind == OPTIONAL),
            "choice": {
                group: pid for pid, kind, group in saved.papers if group and kind == "choice"
            },
        }
