"""One way to show a date or an instant: Babel, French names, Europe/Paris unless told.

Used by templates (the ``paris`` and ``date_fr`` filters) and by Python (messages, PDFs, feeds).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

PARIS = ZoneInfo("Europe/Paris")
DAY = "dd/MM/yyyy"
MINUTE = "dd/MM/yyyy HH:mm"
LONG_MINUTE = "EEEE dd MMMM yyyy HH:mm"  # "jeudi 05 avril 2018 23:59"
TIME = "HH:mm"
ISO_UTC = "yyyy-MM-dd'T'HH:mm:ss'Z'"  # machine-readable, for feeds


def paris(value: datetime | None, pattern: str = MINUTE, zone: ZoneInfo = PARIS) -> str:
    """An instant shown in Paris time (or ``zone``), e.g. ``17/09/2019 10:00``."""
    if value is None:
        return ""
    return format_datetime(value, pattern, tzinfo=zone, locale="fr_FR")


def date_fr(value: date | None, pattern: str = DAY) -> str:
    """A calendar day, e.g. ``30/05/1998``."""
    return "" if value is None else format_date(value, pattern, locale="fr_FR")


def wall(value: datetime, pattern: str = MINUTE) -> str:
    """A naive wall-clock time as it reads, with no zone conversion (e.g. one being refused)."""
    return format_datetime(value.replace(tzinfo=UTC), pattern, tzinfo=UTC, locale="fr_FR")


def iso_utc(value: datetime) -> str:
    """``2019-09-17T08:00:00Z``: an instant for programs (open-data feeds)."""
    return format_datetime(value, ISO_UTC, tzinfo=UTC, locale="en")
