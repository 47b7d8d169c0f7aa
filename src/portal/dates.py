"""One way to show a date or an instant: Babel, French names, Europe/Paris unless told.

Used by templates (the ``paris`` and ``date_fr`` filters) and by Python (messages, PDFs, feeds).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

PARIS = ZoneInfo("Europe/Paris")
DAY = "dd/MM/yyyy"
MINUTE = "dd/MM/yyyy HH:mm"
LONG_MINUTE = "EEEE dd MMMM yyyy HH:mm"  # "jeudi 05 avril 2018 23:59"


def paris(value: datetime | None, pattern: str = MINUTE, zone: ZoneInfo = PARIS) -> str:
    """An instant shown in Paris time (or ``zone``), e.g. ``17/09/2019 10:00``."""
    if value is None:
        return ""
    return format_datetime(value, pattern, tzinfo=zone, locale="fr_FR")


def date_fr(value: date | None, pattern: str = DAY) -> str:
    """A calendar day, e.g. ``30/05/1998``."""
    return "" if value is None else format_date(value, pattern, locale="fr_FR")
