"""Places: communes by postal code, birthplace names, the académie of a residence, establishments.

The reference files (data/reference/communes.csv, lycees.csv, establishments.csv; see its README)
are loaded into indexed tables by bulk upserts that are skipped when the files' checksum is the one
already loaded. The lookups are plain async functions over an ``AsyncSession``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.catalog import snapshot
from portal.catalog.models import Commune, Department, Establishment

SUGGESTION_LIMIT = 10
_ABBREVIATIONS = {"ST": "SAINT", "STE": "SAINTE"}
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "’": "'", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


# -- names -----------------------------------------------------------------------------------------
def upper_plain(text: str) -> str:
    """Upper case without accents, hyphens kept: ``Bonnières-sur-Seine`` → ``BONNIERES-SUR-SEINE``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return " ".join(decomposed.encode("ascii", "ignore").decode("ascii").upper().split())


def search_key(text: str) -> str:
    """Accents, case, hyphens and apostrophes folded, ``ST``/``STE`` spelt out: how names compare.

    ``Saint-Étienne`` and ``st etienne`` both give ``SAINT ETIENNE``; ``L'Haÿ-les-Roses`` gives
    ``L HAY LES ROSES``.
    """
    return key_of_plain(upper_plain(text))


def key_of_plain(plain: str) -> str:
    words = _NOT_ALNUM.sub(" ", plain).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def department_of_insee(insee_code: str) -> str:
    """The portal's 3-character département code of an INSEE commune code.

    ``62126`` → ``062``, ``2A004`` → ``02A``, ``97101`` → ``971`` (overseas codes have 3 digits).
    """
    insee_code = insee_code.strip().upper()
    return insee_code[:3] if insee_code.startswith("97") else "0" + insee_code[:2]


# -- lookups ---------------------------------------------------------------------------------------
# The départements and COM that La Poste's base does not cover: a free-text locality there.
WITHOUT_COMMUNES = frozenset({"977", "978", "986", "987", "988"})


@dataclass(frozen=True)
class CommuneOption:
    """One commune offered for a postal code: ``value`` is its INSEE code, ``label`` "78270-BLARU"."""

    value: str
    label: str
    name: str
    department_code: str
    postal_code: str = ""

    @property
    def key(self) -> str:
        """Its name as names compare (``search_key``)."""
        return key_of_plain(self.name)


async def communes_of_postal_code(session: AsyncSession, postal_code: str) -> list[CommuneOption]:
    """The communes of a postal code, as options sorted by label; none for an unknown code.

    A name found twice under one postal code (62760 has Thièvres of 62 and of 80) gets its
    département: "62760-THIEVRES (062)".
    """
    postal_code = postal_code.strip()
    if len(postal_code) != 5 or not postal_code.isdigit():
        return []
    # Kept with the catalog in memory (a communes load bumps its version too): every save and
    # every Identification tab sent asks for them again.
    kept: dict[str, list[CommuneOption]] = (await snapshot.of_session(session)).derived(
        "communes", lambda _: {}
    )
    if postal_code not in kept:
        kept[postal_code] = await _read_communes(session, postal_code)
    return list(kept[postal_code])


async def _read_communes(session: AsyncSession, postal_code: str) -> list[CommuneOption]:
    rows = (await session.exec(select(Commune).where(Commune.postal_code == postal_code))).all()
    labels = [c.label for c in rows]
    options = [
        CommuneOption(
            value=c.insee_code,
            label=f"{c.postal_code}-{c.label}"
            + (f" ({c.department_code})" if labels.count(c.label) > 1 else ""),
            name=c.label,
            department_code=c.department_code,
            postal_code=c.postal_code,
        )
        for c in rows
    ]
    return sorted(options, key=lambda o: (o.label, o.value))


def postal_and_name(typed: str) -> tuple[str, str]:
    """What was typed for a locality, as (postal code or its start, folded name):
    ``78000-VERSAILLES`` → ("78000", "VERSAILLES"); ``versailles`` → ("", "VERSAILLES")."""
    found = _TYPED_LOCALITY.fullmatch(" ".join(typed.split()))
    if found is None:
        return "", search_key(typed)
    return found.group(1) or "", search_key(found.group(2) or "")


def _names(option: CommuneOption, postal: str, key: str) -> bool:
    if postal and option.postal_code != postal:
        return False
    # "PARIS" names "Paris 1er Arrondissement" once the postal code says which one.
    return option.key == key or (
        bool(postal) and option.key.startswith(key + " ") and option.key.endswith("ARRONDISSEMENT")
    )


_TYPED_LOCALITY = re.compile(r"(\d{1,5})?\s*-?\s*(.*)")


def pick_commune(options: Sequence[CommuneOption], typed: str) -> CommuneOption | None:
    """The one option that what was typed names: its INSEE code, its label ("78270-BLARU"), or
    its name (with or without its postal code), accents and case folded; None when none or
    several do."""
    typed = " ".join(typed.split())
    if not typed:
        return None
    for option in options:
        if typed.upper() in (option.value, option.label):
            return option
    postal, key = postal_and_name(typed)
    if not key:
        return None
    found = [o for o in options if _names(o, postal, key)]
    return found[0] if len(found) == 1 else None


def covered(postal_code: str) -> bool:
    """Whether La Poste's base lists the communes of this postal code's territory (not the COM
    of ``WITHOUT_COMMUNES``: 97133 Saint-Barthélemy, 97150 Saint-Martin, 986, 987, 988)."""
    return not postal_code.startswith(("97133", "97150", "986", "987", "988"))


@dataclass(frozen=True)
class AddressLocality:
    """The "Localité" of an address in France, as the form shows it and checks it."""

    postal_code: str
    options: list[CommuneOption]
    chosen: CommuneOption | None
    error: str | None = None  # about the commune (none chosen)
    postal_error: str | None = None  # about the postal code (no commune has it)

    @property
    def typed(self) -> bool:
        """A free-text locality: a COM whose communes the base does not list."""
        code = self.postal_code
        return not self.options and len(code) == 5 and code.isdigit() and not covered(code)


def address_locality(
    postal_code: str, options: list[CommuneOption], chosen: str, typed: str = ""
) -> AddressLocality:
    """The commune chosen among the postal code's ``options`` (by INSEE code, label or name; the
    only one when there is one), or why none is."""
    postal_code = postal_code.strip()
    if not options:
        if covered(postal_code):
            message = f"Le code postal {postal_code} ne correspond à aucune commune : vérifiez-le."
            return AddressLocality(postal_code, [], None, postal_error=message)
        return AddressLocality(postal_code, [], None)
    found = pick_commune(options, chosen or typed) or (options[0] if len(options) == 1 else None)
    if found is None:
        message = f"Choisissez votre localité parmi les communes du code postal {postal_code}."
        return AddressLocality(postal_code, options, None, error=message)
    return AddressLocality(postal_code, options, found)


@dataclass(frozen=True)
class WorkLocality:
    """A workplace's "Localité" within its département, or why none is."""

    chosen: CommuneOption | None
    error: str | None = None


def work_locality(
    department_code: str, options: Sequence[CommuneOption], typed: str
) -> WorkLocality:
    """The commune of the département that ``typed`` names ("78000-VERSAILLES", "Versailles",
    "78000"), among the ``options`` found for it; a typed one where the base lists none."""
    if department_code in WITHOUT_COMMUNES:
        return WorkLocality(None)
    exact = pick_commune(options, typed)
    postal, key = postal_and_name(typed)
    if exact is None and not key and len(postal) == 5:
        same = [o for o in options if o.postal_code == postal]
        exact = same[0] if len(same) == 1 else None
    if exact is not None:
        return WorkLocality(exact)
    if not options:
        return WorkLocality(
            None,
            "Aucune commune de ce département ne correspond : saisissez le début de son nom ou "
            "son code postal, puis choisissez-la dans la liste (par exemple 78000-VERSAILLES).",
        )
    shown = ", ".join(o.label for o in options[:4])
    return WorkLocality(
        None,
        f"Précisez la localité parmi les communes du département, par exemple : {shown}.",
    )


async def localities(
    session: AsyncSession, department_code: str, typed: str, limit: int = SUGGESTION_LIMIT
) -> list[CommuneOption]:
    """Communes of a département as "78000-VERSAILLES", whose postal code starts with the digits
    typed and whose name starts with the words typed ("78000", "vers", "78000-VERSAILLES")."""
    postal, key = postal_and_name(typed)
    if not department_code or not (postal or key):
        return []
    statement = select(Commune).where(Commune.department_code == department_code)
    if postal:
        statement = statement.where(col(Commune.postal_code).like(postal + "%"))
    if key:
        statement = statement.where(
            col(Commune.search_name).like(key.replace("%", "").replace("_", "") + "%")
        )
    statement = statement.order_by(col(Commune.search_name), col(Commune.postal_code)).limit(limit)
    return [
        CommuneOption(
            value=c.insee_code,
            label=f"{c.postal_code}-{c.label}",
            name=c.label,
            department_code=c.department_code,
            postal_code=c.postal_code,
        )
        for c in (await session.exec(statement)).all()
    ]


async def commune_of_postal_code(
    session: AsyncSession, postal_code: str, insee_code: str
) -> Commune | None:
    """The commune chosen among a postal code's options (None when the pair does not exist)."""
    return await session.get(Commune, (postal_code.strip(), insee_code.strip().upper()))


def _name_condition(key: str) -> Any:
    """The name itself, or Paris, Lyon and Marseille for their arrondissements."""
    return or_(
        col(Commune.search_name) == key,
        col(Commune.search_name).like(f"{key} %ARRONDISSEMENT"),
    )


async def commune_exists(session: AsyncSession, department_code: str, name: str) -> bool:
    """Whether a commune of that name is in that département (accents, case, hyphens folded)."""
    key = search_key(name)
    if not key or not department_code:
        return False
    statement = (
        select(Commune.insee_code)
        .where(Commune.department_code == department_code, _name_condition(key))
        .limit(1)
    )
    return (await session.exec(statement)).first() is not None


async def suggest_communes(
    session: AsyncSession, department_code: str, typed: str, limit: int = SUGGESTION_LIMIT
) -> list[str]:
    """Commune names of a département starting with what was typed ("BEU" → "BEUVRY", ...)."""
    key = search_key(typed)
    if not key or not department_code:
        return []
    pattern = key.replace("%", "").replace("_", "") + "%"
    statement = (
        select(Commune.label, Commune.search_name)
        .where(Commune.department_code == department_code, col(Commune.search_name).like(pattern))
        .distinct()
        .order_by(col(Commune.search_name), col(Commune.label))
        .limit(limit)
    )
    return [label for label, _ in (await session.exec(statement)).all()]


@dataclass(frozen=True)
class ResidenceAcademy:
    department_code: str
    academy_code: str
    from_commune: bool  # False when only the postal-code prefix rule could tell


def department_for_postal_code(
    postal_code: str, departments: Iterable[Department]
) -> Department | None:
    """The postal-prefix rule: the département with the longest prefix matching the code."""
    best: tuple[int, Department] | None = None
    for department in departments:
        for prefix in department.postal_prefixes.split():
            if postal_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), department)
    return best[1] if best else None


async def academy_of_residence(
    session: AsyncSession, postal_code: str, insee_code: str | None = None
) -> ResidenceAcademy | None:
    """The académie of a residence in France.

    From the commune's INSEE code when it is known (13780 Riboux is in the Var, académie de Nice;
    13780 Cuges-les-Pins in the Bouches-du-Rhône, Aix-Marseille), or when every commune of the
    postal code is in one département; else by the postal-prefix rule. None for a code that no
    département claims.
    """
    postal_code = postal_code.strip()
    department_code: str | None = None
    if insee_code:
        department_code = department_of_insee(insee_code)
    elif len(postal_code) == 5 and postal_code.isdigit():
        statement = (
            select(Commune.department_code).where(Commune.postal_code == postal_code).distinct()
        )
        found = set((await session.exec(statement)).all())
        if len(found) == 1:
            department_code = found.pop()
    catalog = await snapshot.of_session(session)  # the départements, from memory
    if department_code is not None:
        department = catalog.department(department_code)
        if department is not None:
            return ResidenceAcademy(department.code, department.academy_code, True)
    if len(postal_code) != 5 or not postal_code.isdigit():
        return None
    department = department_for_postal_code(postal_code, catalog.departments)
    if department is None:
        return None
    return ResidenceAcademy(department.code, department.academy_code, False)


async def establishment_in_department(
    session: AsyncSession, department_code: str, uai: str
) -> Establishment | None:
    """The establishment of that UAI if it is in that département (the UAI typed in any case)."""
    establishment = await session.get(Establishment, uai.strip().upper())
    if establishment is None or establishment.department_code != department_code:
        return None
    return establishment


# -- establishment search (the Situation actuelle tab) ---------------------------------------
SEARCH_LIMIT = 20  # establishments shown for one search


def fold_upper(text: str) -> str:
    """Upper case without accents: how the establishment directory writes names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


async def search_establishments(
    session: AsyncSession, department: str, query: str, limit: int = SEARCH_LIMIT
) -> list[Establishment]:
    """Establishments of a département whose name, town or UAI matches every word typed."""
    words = [w for w in fold_upper(query).replace("-", " ").split() if w]
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
