"""The académie of residence (BIA), checked at the Identification tab and before "Enregistrer".

For the BIA (and any qualification flagged ``requires_residence_academy``), the candidate must
register in the académie of residence: the commune's INSEE code → département → académie when the
commune is known (``portal.catalog.places.academy_of_residence``: 13780 is Cuges-les-Pins in
Aix-Marseille but Riboux in Nice); else postal code → département (longest prefix of the
reference data) → académie. Checked at the Identification tab as soon as the address is known,
and again before "Enregistrer".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portal.forms import FRANCE


@dataclass(frozen=True)
class Residence:
    department_code: str
    department_name: str
    academy_code: str


def department_for_postal_code(
    postal_code: str, departments: Iterable[tuple[str, str, str, str]]
) -> Residence | None:
    """``departments`` rows are (code, name, academy_code, space-separated postal prefixes)."""
    postal_code = postal_code.strip()
    if len(postal_code) != 5 or not postal_code.isdigit():
        return None
    best: tuple[int, Residence] | None = None
    for code, name, academy_code, prefixes in departments:
        for prefix in prefixes.split():
            if postal_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), Residence(code, name, academy_code))
    return best[1] if best else None


def residence_problem(
    *,
    qualification_name: str,
    period_academy_code: str,
    academy_names: dict[str, str],
    country_code: str,
    postal_code: str,
    departments: Iterable[tuple[str, str, str, str]],
    residence: Residence | None = None,
    place: str = "",
) -> str | None:
    """None when the address is in the period's académie; else the French explanation.

    ``residence``: the one the commune decides, when known (else the postal-prefix rule);
    ``place``: how to name the address ("13780-RIBOUX"), the postal code by default."""
    here = academy_names.get(period_academy_code, period_academy_code)
    rule = (
        f"L'inscription au {qualification_name} se fait dans l'académie de votre lieu de résidence."
    )
    if country_code != FRANCE:
        return (
            f"{rule} Votre adresse est à l'étranger : contactez le service gestionnaire de "
            f"l'{here} avant de vous inscrire."
        )
    departments = list(departments)
    if residence is None:
        residence = department_for_postal_code(postal_code, departments)
    if residence is None:
        return f"{rule} Le code postal {postal_code} ne correspond à aucun département."
    if residence.academy_code == period_academy_code:
        return None
    right = academy_names.get(residence.academy_code, residence.academy_code)
    name = residence.department_name or next(
        (n for code, n, *_ in departments if code == residence.department_code), ""
    )
    where = f"Votre commune {place}" if place else f"Votre code postal {postal_code}"
    return (
        f"{rule} {where} ({residence.department_code} - {name}"
        f") relève de l'{right}, et non de l'{here}. "
        f"Inscrivez-vous sur la période d'inscription de l'{right}."
    )
