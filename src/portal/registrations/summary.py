"""The Récapitulatif, grouped as in the guide: built from a wizard (a draft, or a saved
registration read back), for the recap tab, the print view and the PDF.

Its shape: ``{"document_label", "candidate_number", "heading", "sections": [{"title", "step",
"rows": [(label, value), ...]}], "papers": [{"kind", "label", "mode"}]}``. A section's ``step`` is
the id of the step that edits it. Each saved version stores the summary it was saved with, so
that a registration reads the same later even if reference lists change.
"""

from __future__ import annotations

from typing import Any

from portal.registrations import steps
from portal.registrations.models import Registration, RegistrationVersion
from portal.registrations.steps.papers import MANDATORY, picked
from portal.registrations.wizard import Wizard

PAPER_KIND_LABELS = {
    "mandatory": "Epreuve(s) obligatoire(s)",
    "optional": "Epreuve(s) facultative(s)",
    "choice": "Epreuve(s) à choix",
}


def build(wizard: Wizard) -> dict[str, Any]:
    account = wizard.account
    period = wizard.period
    choices = wizard.choices
    countries = dict(choices.countries)
    ident = wizard.clean(steps.IDENTIFICATION) or {}
    address = "\n".join(
        line
        for line in (
            *(ident.get(f"address{i}", "") for i in range(1, 5)),
            f"{ident.get('postal_code', '')} {ident.get('locality', '')}".strip(),
            countries.get(ident.get("address_country", ""), ""),
        )
        if line
    )
    sections: list[dict[str, Any]] = [
        {
            "title": "Qualification présentée",
            "step": steps.QUALIFICATION.id,
            "rows": [
                (wizard.domain.qualification_label, period.qualification.name),
                ("Secteur Disciplinaire", period.specialty.name),
                ("Académie", period.academy.name),
                ("Session", str(period.year)),
            ],
        },
        {
            "title": "Identification du candidat",
            "step": steps.IDENTIFICATION.id,
            "rows": [
                ("Civilité", account.civility_label),
                ("Nom de famille", account.birth_name),
                ("Nom d'usage", account.usage_name or "-"),
                ("Prénoms", account.first_names),
                ("Nationalité", dict(choices.nationalities).get(ident.get("nationality", ""), "")),
            ],
        },
        {
            "title": "Adresse et contact",
            "step": steps.IDENTIFICATION.id,
            "rows": [
                ("Adresse", address),
                ("Téléphone personnel", ident.get("phone") or "-"),
                ("Adresse mail", account.email),
            ],
        },
    ]
    if steps.SITUATION in wizard.steps:
        situation = wizard.clean(steps.SITUATION) or {}
        place = wizard.establishment
        department = situation.get("work_department", "")
        sections += [
            {
                "title": "Informations Ressources Humaines",
                "step": steps.SITUATION.id,
                "rows": [
                    ("Corps", dict(choices.corps).get(situation.get("corps", ""), "")),
                    ("Statut", dict(choices.statuses).get(situation.get("status", ""), "")),
                    (
                        "Position administrative",
                        dict(choices.positions).get(situation.get("position", ""), ""),
                    ),
                ],
            },
            {
                "title": "Lieu d'exercice ou de formation",
                "step": steps.SITUATION.id,
                "rows": [
                    ("Etablissement ou service", f"{place.name} ({place.uai})" if place else "-"),
                    (
                        "Localité",
                        f"{situation.get('work_locality', '')}"
                        + (f" ({department})" if department else ""),
                    ),
                    ("Pays", countries.get(situation.get("work_country", ""), "")),
                ],
            },
        ]
    chosen = picked(wizard.clean(steps.PAPERS))
    papers = [
        {"kind": PAPER_KIND_LABELS[p.kind], "label": p.label, "mode": p.mode}
        for p in wizard.papers
        if p.kind == MANDATORY or p.id in chosen
    ]
    return {
        "document_label": wizard.domain.summary_label,
        "candidate_number": account.candidate_number,
        "heading": f"{period.qualification.name} : {period.specialty.name}",
        "sections": sections,
        "papers": papers,
        "papers_step": steps.PAPERS.id,
    }


def saved(registration: Registration | RegistrationVersion) -> dict[str, Any]:
    """The recap as it was when this registration (or version) was saved."""
    return dict(registration.summary or {})
