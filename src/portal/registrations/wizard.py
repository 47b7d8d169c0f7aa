"""The registration wizard: its six tabs as data, and what each tab needs to be drawn.

The step list (``STEPS``) follows the guide's tabs; ``Wizard`` gathers, for one draft, the
account, the chosen period, the reference lists and the draft's data, and answers the questions
the controller asks: which step to show, what values to put in the form, what the recap says.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.accounts.models import Account
from portal.catalog import service as catalog
from portal.catalog.models import (
    Academy,
    Country,
    Department,
    Domain,
    Establishment,
    HrOption,
    ManagingOffice,
    Nationality,
    Paper,
)
from portal.registrations import forms
from portal.registrations.eligibility import FRANCE, residence_problem
from portal.registrations.forms import Choices, PaperChoice
from portal.registrations.steps import Step, StepList, WizardState

STEPS = [
    Step("identification", "Identification", "registrations/partials/_identification.html.j2"),
    Step(
        "qualification",
        "Qualification présentée",
        "registrations/partials/_qualification.html.j2",
    ),
    Step(
        "situation",
        "Situation actuelle",
        "registrations/partials/_situation.html.j2",
        applies=lambda state: state.asks_situation,
    ),
    Step("epreuves", "Epreuves", "registrations/partials/_papers.html.j2"),
    Step(
        "recapitulatif",
        "Récapitulatif",
        "registrations/partials/_recap_step.html.j2",
        complete=lambda state: state.saved,
        editable=False,
    ),
    Step(
        "numero",
        "N° Inscription",
        "registrations/partials/_number.html.j2",
        complete=lambda state: state.saved,
        editable=False,
    ),
]
PAPER_KIND_LABELS = {
    "mandatory": "Epreuve(s) obligatoire(s)",
    "optional": "Epreuve(s) facultative(s)",
    "choice": "Epreuve(s) à choix",
}

# -- reference lists, cached: they only change when reference data is reloaded (at start-up) ----
_REFERENCE_TTL = 300.0
_reference_cache: dict[str, tuple[float, dict[str, Any]]] = {}


async def reference_lists(session: AsyncSession) -> dict[str, Any]:
    key = str(session.bind.url) if session.bind is not None else ""
    cached = _reference_cache.get(key)
    if cached and time.monotonic() - cached[0] < _REFERENCE_TTL:
        return cached[1]
    countries = (await session.exec(select(Country).order_by(col(Country.position)))).all()
    nationalities = (
        await session.exec(select(Nationality).order_by(col(Nationality.position)))
    ).all()
    departments = (await session.exec(select(Department).order_by(col(Department.code)))).all()
    hr = (await session.exec(select(HrOption).order_by(col(HrOption.position)))).all()
    lists = {
        "countries": [(c.code, c.name) for c in countries],
        "nationalities": [(n.code, n.label) for n in nationalities],
        "departments": [(d.code, d.label) for d in departments],
        "department_rows": [
            (d.code, d.name, d.academy_code, d.postal_prefixes) for d in departments
        ],
        "corps": [(h.code, h.label) for h in hr if h.kind == "corps"],
        "statuses": [(h.code, h.label) for h in hr if h.kind == "status"],
        "positions": [(h.code, h.label) for h in hr if h.kind == "position"],
    }
    _reference_cache[key] = (time.monotonic(), lists)
    return lists


def _fold(text: str) -> str:
    """Upper case without accents: how the establishment directory writes names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


async def search_establishments(
    session: AsyncSession, department: str, query: str, limit: int = forms.SEARCH_LIMIT
) -> list[Establishment]:
    """Establishments of a département whose name, town or UAI matches every word typed."""
    words = [w for w in _fold(query).replace("-", " ").split() if w]
    if not department or not words:
        return []
    statement = select(Establishment).where(Establishment.department_code == department)
    for word in words[:5]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        statement = statement.where(
            or_(
                func.upper(col(Establishment.name)).like(pattern),
                func.upper(col(Establishment.locality)).like(pattern),
                func.upper(col(Establishment.uai)) == word,
                col(Establishment.postal_code).like(pattern),
            )
        )
    statement = statement.order_by(col(Establishment.locality), col(Establishment.name)).limit(
        limit
    )
    return list((await session.exec(statement)).all())


@dataclass
class Wizard:
    """Everything one draft's tabs need, loaded in one read transaction."""

    account: Account
    period: catalog.PeriodView  # the period being registered for (as chosen in tab 2)
    domain: Domain
    data: dict[str, Any]  # {"clean": {...}, "raw": {...}}
    choices: Choices
    papers: list[PaperChoice]
    department_rows: list[tuple[str, str, str, str]]
    office: ManagingOffice | None
    now: datetime
    saved: bool = False
    establishment: Establishment | None = None  # as validated (the recap)
    selected_establishment: Establishment | None = None  # as last typed (the form)
    extra: dict[str, Any] = field(default_factory=dict)

    # -- steps ------------------------------------------------------------------------------
    @property
    def state(self) -> WizardState:
        return WizardState(
            asks_situation=self.period.qualification.asks_situation,
            draft=self.data["clean"],
            saved=self.saved,
        )

    @property
    def steps(self) -> StepList:
        return StepList(STEPS, self.state)

    def values(self, step_id: str) -> dict[str, Any]:
        """What the tab's form shows: what was typed last, else what was validated, else defaults."""
        raw = self.data["raw"].get(step_id)
        if raw is not None:
            return dict(raw)
        clean = self.data["clean"].get(step_id)
        if clean is not None:
            return dict(clean)
        if step_id == "identification":
            return {"address_country": FRANCE, "nationality": "100" if self._born_french else ""}
        if step_id == "qualification":
            return {
                "qualification": str(self.period.qualification.id),
                "period": str(self.period.id),
            }
        if step_id == "situation":
            return {"work_country": FRANCE}
        return {}

    @property
    def _born_french(self) -> bool:
        return self.account.birth_country_code == FRANCE

    # -- validation -------------------------------------------------------------------------
    async def prepare(self, session: AsyncSession, values: dict[str, Any]) -> None:
        """Load what validating these submitted values needs (the establishment they name)."""
        uai = forms.clean_text(values.get("establishment")).upper()
        if uai and uai not in self.choices.establishments:
            place = await session.get(Establishment, uai)
            if place is not None:
                self.choices.establishments[uai] = place.department_code

    def validate(self, step_id: str, values: dict[str, Any], optional: list[str]) -> forms.Result:
        if step_id == "identification":
            return forms.identification(values, self.choices)
        if step_id == "qualification":
            return forms.qualification(values, self.choices, self.domain.qualification_label)
        if step_id == "situation":
            return forms.situation(values, self.choices)
        if step_id == "epreuves":
            return forms.papers(values, self.papers, optional)
        return forms.Result({}, {})

    def revalidate(self) -> dict[str, str]:
        """Before "Enregistrer": every tab's saved values checked again, against today's lists."""
        problems: dict[str, str] = {}
        for step in self.steps:
            if not step.editable:
                continue
            clean = self.data["clean"].get(step.id)
            if clean is None:
                problems[step.id] = f"L'onglet « {step.label} » n'est pas complété."
                continue
            values = dict(clean)
            optional = list(clean.get("optional", [])) if step.id == "epreuves" else []
            if step.id == "epreuves":
                values.update(
                    {f"choice_{forms.group_key(g)}": v for g, v in clean.get("choice", {}).items()}
                )
            result = self.validate(step.id, values, optional)
            if not result.valid:
                problems[step.id] = (
                    f"L'onglet « {step.label} » est à revoir : {next(iter(result.errors.values()))}"
                )
        return problems

    def eligibility_problem(self) -> str | None:
        if not self.period.qualification.requires_residence_academy:
            return None
        identification = self.data["clean"].get("identification")
        if identification is None:
            return None
        return residence_problem(
            qualification_name=self.period.qualification.name,
            period_academy_code=self.period.academy.code,
            academy_names=self.extra.get("academy_names", {}),
            country_code=identification.get("address_country", FRANCE),
            postal_code=identification.get("postal_code", ""),
            departments=self.department_rows,
        )

    # -- the recap -------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The Récapitulatif, grouped as in the guide; stored with each saved version so that a
        registration reads the same later even if reference lists change."""
        clean = self.data["clean"]
        account = self.account
        countries = dict(self.choices.countries)
        ident = clean.get("identification", {})
        sections: list[dict[str, Any]] = [
            {
                "title": "Qualification présentée",
                "step": "qualification",
                "rows": [
                    (self.domain.qualification_label, self.period.qualification.name),
                    ("Secteur Disciplinaire", self.period.specialty.name),
                    ("Académie", self.period.academy.name),
                    ("Session", str(self.period.year)),
                ],
            },
            {
                "title": "Identification du candidat",
                "step": "identification",
                "rows": [
                    ("Civilité", account.civility_label),
                    ("Nom de famille", account.birth_name),
                    ("Nom d'usage", account.usage_name or "-"),
                    ("Prénoms", account.first_names),
                    ("Date de naissance", account.birth_date.strftime("%d/%m/%Y")),
                    ("Commune de naissance", account.birth_city),
                    (
                        "Département, DOM ou COM de naissance",
                        account.birth_department_code or "-",
                    ),
                    ("Pays de naissance", countries.get(account.birth_country_code, "")),
                    (
                        "Nationalité",
                        dict(self.choices.nationalities).get(ident.get("nationality", ""), ""),
                    ),
                ],
            },
            {
                "title": "Adresse et contact",
                "step": "identification",
                "rows": [
                    (
                        "Adresse",
                        "\n".join(
                            line
                            for line in (
                                *(ident.get(f"address{i}", "") for i in range(1, 5)),
                                f"{ident.get('postal_code', '')} {ident.get('locality', '')}".strip(),
                                countries.get(ident.get("address_country", ""), ""),
                            )
                            if line
                        ),
                    ),
                    ("Téléphone personnel", ident.get("phone") or "-"),
                    ("Adresse mail", account.email),
                ],
            },
        ]
        if self.period.qualification.asks_situation:
            situation = clean.get("situation", {})
            place = self.establishment
            department = situation.get("work_department", "")
            sections += [
                {
                    "title": "Informations Ressources Humaines",
                    "step": "situation",
                    "rows": [
                        ("Corps", dict(self.choices.corps).get(situation.get("corps", ""), "")),
                        (
                            "Statut",
                            dict(self.choices.statuses).get(situation.get("status", ""), ""),
                        ),
                        (
                            "Position administrative",
                            dict(self.choices.positions).get(situation.get("position", ""), ""),
                        ),
                    ],
                },
                {
                    "title": "Lieu d'exercice ou de formation",
                    "step": "situation",
                    "rows": [
                        (
                            "Etablissement ou service",
                            f"{place.name} ({place.uai})" if place else "-",
                        ),
                        (
                            "Localité",
                            f"{situation.get('work_locality', '')}"
                            + (f" ({department})" if department else ""),
                        ),
                        ("Pays", countries.get(situation.get("work_country", ""), "")),
                    ],
                },
            ]
        chosen = clean.get("epreuves", {"optional": [], "choice": {}})
        picked = set(chosen.get("optional", [])) | set(chosen.get("choice", {}).values())
        papers = [
            {"kind": PAPER_KIND_LABELS[p.kind], "label": p.label, "mode": p.mode}
            for p in self.papers
            if p.kind == "mandatory" or p.id in picked
        ]
        return {
            "document_label": self.domain.summary_label,
            "candidate_number": account.candidate_number,
            "heading": f"{self.period.qualification.name} : {self.period.specialty.name}",
            "sections": sections,
            "papers": papers,
        }


async def load_wizard(
    session: AsyncSession,
    *,
    account_id: int,
    entry_period_id: int,
    data: dict[str, Any],
    now: datetime,
    saved: bool = False,
) -> Wizard | None:
    """The wizard for a draft (or a saved registration); None when the account or period is gone."""
    account = await session.get(Account, account_id)
    entry = await catalog.get_period(session, entry_period_id)
    if account is None or entry is None:
        return None
    lists = await reference_lists(session)
    # Tab 2 may have chosen another open period of the same académie and domain.
    offers_views = [
        view
        for view in await catalog.find_periods(
            session, domain_code=entry.domain_code, academy_code=entry.academy.code
        )
        if view.is_open(now) or view.id == entry.id
    ]
    chosen_id = str(data["clean"].get("qualification", {}).get("period", entry.id))
    period = next((v for v in offers_views if str(v.id) == chosen_id), entry)
    offers: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for view in offers_views:
        _name, periods = offers.setdefault(
            str(view.qualification.id), (view.qualification.name, [])
        )
        periods.append((str(view.id), view.specialty.name))
    situation = data["raw"].get("situation") or data["clean"].get("situation") or {}
    establishment = None
    clean_uai = data["clean"].get("situation", {}).get("establishment")
    if clean_uai:
        establishment = await session.get(Establishment, clean_uai)
    typed_uai = situation.get("establishment")
    selected = establishment
    if typed_uai and typed_uai != clean_uai:
        selected = await session.get(Establishment, str(typed_uai))
    paper_rows = (
        await session.exec(
            select(Paper)
            .where(
                Paper.qualification_id == period.qualification.id,
                or_(
                    col(Paper.specialty_id).is_(None),
                    col(Paper.specialty_id) == period.specialty.id,
                ),
            )
            .order_by(col(Paper.position), col(Paper.code))
        )
    ).all()
    papers = [
        PaperChoice(str(p.id), f"{p.code} - {p.label}", p.kind, p.mode, p.choice_group)
        for p in paper_rows
    ]
    choices = Choices(
        countries=lists["countries"],
        nationalities=lists["nationalities"],
        departments=lists["departments"],
        corps=lists["corps"],
        statuses=lists["statuses"],
        positions=lists["positions"],
        offers=offers,
        postal_prefixes=tuple(
            prefix for *_rest, prefixes in lists["department_rows"] for prefix in prefixes.split()
        ),
    )
    for place in (establishment, selected):
        if place is not None:
            choices.establishments[place.uai] = place.department_code
    domain = await session.get(Domain, period.domain_code)
    office = (
        await session.exec(
            select(ManagingOffice).where(
                ManagingOffice.academy_code == period.academy.code,
                ManagingOffice.qualification_id == period.qualification.id,
            )
        )
    ).first()
    academy_names = {a.code: a.name for a in (await session.exec(select(Academy))).all()}
    assert domain is not None
    return Wizard(
        account=account,
        period=period,
        domain=domain,
        data=data,
        choices=choices,
        papers=papers,
        department_rows=lists["department_rows"],
        office=office,
        now=now,
        saved=saved,
        establishment=establishment,
        selected_establishment=selected,
        extra={"academy_names": academy_names},
    )
