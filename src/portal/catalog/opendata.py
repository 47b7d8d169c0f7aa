"""The opening periods as open data: JSON for programs, iCalendar for diaries.

Times in the iCalendar feed carry TZID=Europe/Paris with its VTIMEZONE, so a calendar shows the
same wall-clock time as the pages ("heure de Paris"). UIDs are built from natural keys, so an event
keeps its identity when the data is reloaded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from icalendar import Calendar, Event

from portal.catalog.periods import PeriodState, wall_clock
from portal.catalog.queries import PeriodView
from portal.dates import PARIS, iso_utc

STATE_WORDS = {
    PeriodState.open: "ouvert",
    PeriodState.upcoming: "à venir",
    PeriodState.closed: "fermé",
}


def _utc(instant: datetime) -> str:
    return iso_utc(instant)


def selector_url(page_url: str, view: PeriodView) -> str:
    """The selector page (``page_url``: "Ouverture des services" or "M'inscrire") showing a period."""
    query = urlencode(
        {
            "domaine": view.domain_code,
            "qualification": view.qualification.code,
            "specialite": view.specialty.code,
            "session": view.year,
            "academie": view.academy.code,
        }
    )
    return f"{page_url}?{query}"


def as_json(periods: list[PeriodView], now: datetime, page_url: str) -> dict[str, Any]:
    """``page_url``: the full URL of "Ouverture des services", where each period links to."""
    return {
        "fuseau_horaire": "Europe/Paris",
        "genere_le": _utc(now),
        "periodes": [
            {
                "uid": view.uid,
                "domaine": view.domain_code,
                "qualification": {
                    "code": view.qualification.code,
                    "libelle": view.qualification.name,
                },
                "specialite": {"code": view.specialty.code, "libelle": view.specialty.name},
                "session": view.year,
                "academie": {"code": view.academy.code, "libelle": view.academy.name},
                "ouverture": _utc(view.opens_at),
                "fermeture": _utc(view.closes_at),
                "ouverture_heure_de_paris": wall_clock(view.opens_at),
                "fermeture_heure_de_paris": wall_clock(view.closes_at),
                "etat": STATE_WORDS[view.state(now)],
                "url": selector_url(page_url, view),
            }
            for view in periods
        ],
    }


def as_icalendar(periods: list[PeriodView], now: datetime, page_url: str) -> bytes:
    host = urlsplit(page_url).hostname or "portail-candidat"
    calendar = Calendar()
    calendar.add("prodid", "-//Portail Candidat//Ouverture des services//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Ouverture des services")
    calendar.add("x-wr-timezone", "Europe/Paris")
    for view in periods:
        event = Event()
        event.add("uid", f"{view.uid}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", view.opens_at.astimezone(PARIS))
        event.add("dtend", view.closes_at.astimezone(PARIS))
        event.add("summary", f"{view.label} – {view.academy.name}")
        event.add(
            "description",
            f"Période d'inscription Grand Public, session {view.year}, "
            f"du {wall_clock(view.opens_at)} au {wall_clock(view.closes_at)} (heure de Paris). "
            "Inscription dans le Portail Candidat, menu « M'inscrire ».",
        )
        event.add("url", selector_url(page_url, view))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    if periods:  # a VTIMEZONE covering the feed's years only, not 1970-2038
        first = min(v.opens_at for v in periods).date() - timedelta(days=366)
        last = max(v.closes_at for v in periods).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
