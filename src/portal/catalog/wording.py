"""The catalog's French wording: académie names as in a sentence, headings, period states and
the reason registration cannot start. Dates go through ``portal.dates``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from portal.catalog.models import Academy
from portal.catalog.periods import PeriodState
from portal.dates import PARIS, paris

OFFERED = {"G01": "Examens proposés", "G02": "Certifications proposées"}
_LOWER_WORDS = {"DE", "DU", "DES", "LA", "LE", "LES", "ET", "EN", "FRANÇAISE"}
_NAMES_WITH_ARTICLE = {"RÉUNION"}  # "La Réunion" keeps its capital
_MAX_ECHO = 40  # how much of a bad value a message repeats
DAY = "dd/MM/yyyy"
TIME = "HH:mm"


def _title_word(word: str, first: bool) -> str:
    parts = []
    for i, part in enumerate(word.split("-")):
        if "'" in part:
            article, rest = part.split("'", 1)
            parts.append(f"{article.lower()}'{rest[:1]}{rest[1:].lower()}")
        elif (part in _LOWER_WORDS and not first) or (first and i > 0):
            parts.append(part.lower())
        else:
            parts.append(part[:1] + part[1:].lower())
    return "-".join(parts)


def academy_title(academy: Academy) -> str:
    """ "ACADÉMIE DE VERSAILLES" -> "Académie de Versailles" (as in a sentence)."""
    words = academy.name.split()
    titled = [_title_word(w, i == 0) for i, w in enumerate(words)]
    for i, word in enumerate(words[1:], start=1):
        if word in _NAMES_WITH_ARTICLE and words[i - 1] == "LA":
            titled[i - 1] = "La"
    return " ".join(titled)


def academy_phrase(academy: Academy) -> str:
    """ "l'Académie de Versailles", "le Vice-rectorat de Nouvelle-Calédonie"."""
    title = academy_title(academy)
    return f"l'{title}" if title[:1] in "AEIOUÉÈ" else f"le {title}"


def offered_heading(domain_code: str, academy: Academy) -> str:
    """The guide's "Certifications proposées dans l'Académie de Versailles :"."""
    return (
        f"{OFFERED.get(domain_code, 'Qualifications proposées')} dans {academy_phrase(academy)} :"
    )


def echo(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _MAX_ECHO else value[: _MAX_ECHO - 1] + "…"


def period_wording(
    state: PeriodState, opens_at: datetime, closes_at: datetime, zone: ZoneInfo
) -> str:
    """ "ouvert du 17/09/2019 10:00 au 20/09/2019 10:00", or to come, or closed, in ``zone``."""
    opens, closes = paris(opens_at, zone=zone), paris(closes_at, zone=zone)
    if state is PeriodState.open:
        return f"ouvert du {opens} au {closes}"
    if state is PeriodState.upcoming:
        return f"ouvrira du {opens} au {closes}"
    return f"fermé depuis le {closes}"


def local_wording(
    state: PeriodState, opens_at: datetime, closes_at: datetime, zone: ZoneInfo
) -> str:
    """The same in an académie's own time."""
    if state is PeriodState.closed:
        return f"soit le {paris(closes_at, zone=zone)}, heure locale"
    return f"soit du {paris(opens_at, zone=zone)} au {paris(closes_at, zone=zone)}, heure locale"


def refusal_wording(state: PeriodState, opens_at: datetime, closes_at: datetime) -> str | None:
    """Why registration cannot start in this state of a period, or None when it is open."""
    if state is PeriodState.open:
        return None
    if state is PeriodState.upcoming:
        day, time = paris(opens_at, DAY), paris(opens_at, TIME)
        return f"Les inscriptions ouvriront le {day} à {time} (heure de Paris)."
    day, time = paris(closes_at, DAY), paris(closes_at, TIME)
    return f"Les inscriptions sont closes depuis le {day} à {time} (heure de Paris)."


__all__ = ["PARIS"]
