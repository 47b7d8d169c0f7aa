"""A registration's piece deadlines as iCalendar: one event per group (its deadline, with the
deposit window for online pieces), in Europe/Paris with its VTIMEZONE, so a phone's calendar
reminds the candidate at the right time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from portal.dates import PARIS
from portal.pieces.views import LAST_MINUTE, GroupView
from portal.registrations.models import Registration


def deadlines(
    groups: list[GroupView],
    *,
    registration: Registration,
    page_url: str,
    host: str,
    now: datetime,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Portail Candidat//Pieces justificatives//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add(
        "x-wr-calname", f"Pièces justificatives – candidature {registration.registration_number}"
    )
    calendar.add("x-wr-timezone", "Europe/Paris")
    for group in groups:
        labels = ", ".join(view.piece.label for view in group.pieces)
        event = Event()
        event.add("uid", f"pieces-{registration.id}-{group.key}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", group.closes_at.astimezone(PARIS))
        event.add("dtend", (group.closes_at + LAST_MINUTE).astimezone(PARIS))
        event.add(
            "summary",
            f"Date limite : {group.label} (candidature {registration.registration_number})",
        )
        event.add(
            "description", f"{group.heading}. Pièces : {labels}. Mes justificatifs : {page_url}"
        )
        event.add("url", page_url)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Pièces justificatives à fournir : {group.label}")
        alarm.add("trigger", timedelta(days=-3))
        event.add_component(alarm)
        calendar.add_component(event)
    if groups:
        first = min(g.closes_at for g in groups).date() - timedelta(days=366)
        last = max(g.closes_at for g in groups).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
