"""Time for opening periods: the Paris wall clock <-> UTC, and where an instant falls in a period.

Periods are stored in UTC and entered and shown in Paris time (DECISIONS.md 9). Two days a year the
Paris wall clock is not a plain function of UTC, and the conversion has to choose:

- the last Sunday of March, 02:00 to 02:59 does not exist (clocks jump to 03:00): it is refused
  with a French message, rather than silently moved an hour;
- the last Sunday of October, 02:00 to 02:59 happens twice: the first occurrence (still summer
  time, UTC+2) is taken, so a window never silently gains an hour.

An overseas académie's candidates read the Paris time (the guide says "heure de Paris") and, where
their own clock differs, their local time too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from portal.catalog import CatalogError
from portal.dates import DAY, PARIS, TIME, paris, wall

__all__ = ["PARIS"]

WALL_CLOCK = "%d/%m/%Y %H:%M"


class PeriodState(StrEnum):
    upcoming = "upcoming"
    open = "open"
    closed = "closed"


def state_at(opens_at: datetime, closes_at: datetime, at: datetime) -> PeriodState:
    """Open from ``opens_at`` included to ``closes_at`` excluded."""
    if at < opens_at:
        return PeriodState.upcoming
    if at < closes_at:
        return PeriodState.open
    return PeriodState.closed


def wall_to_utc(clock: datetime, zone: ZoneInfo = PARIS) -> datetime:
    """A naive wall-clock time in ``zone`` as an aware UTC instant.

    A time the clocks skip is refused (CatalogError); a time they show twice is the first one.
    """
    if clock.tzinfo is not None:
        raise ValueError("wall_to_utc takes a naive wall-clock time")
    first = clock.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != clock:
        raise CatalogError(
            f"Le {wall(clock, DAY)} à {wall(clock, TIME)} n'existe pas en heure de Paris : ce jour-là, "
            "les horloges passent de 02:00 à 03:00 (heure d'été). Choisissez une autre heure."
            if zone is PARIS
            else f"Le {wall(clock, DAY)} à {wall(clock, TIME)} n'existe pas dans ce fuseau horaire "
            "(changement d'heure). Choisissez une autre heure."
        )
    return instant


def paris_to_utc(text: str) -> datetime:
    """``"17/09/2019 10:00"`` (Paris time, as the pages show it) as an aware UTC instant."""
    try:
        clock = datetime.strptime(text.strip(), WALL_CLOCK)
    except ValueError as exc:
        raise CatalogError(
            f"« {text.strip()[:40]} » n'est pas une date et une heure au format "
            "JJ/MM/AAAA HH:MM (par exemple 17/09/2019 10:00)."
        ) from exc
    return wall_to_utc(clock, PARIS)


def to_paris(instant: datetime) -> datetime:
    return instant.astimezone(PARIS)


def wall_clock(instant: datetime, zone: ZoneInfo = PARIS) -> str:
    """``17/09/2019 10:00`` in ``zone`` (Paris unless told)."""
    return paris(instant, zone=zone)


def differs_from_paris(zone_name: str, *instants: datetime) -> bool:
    """Whether a territory's clock shows something else than Paris at any of these instants."""
    zone = ZoneInfo(zone_name)
    return any(i.astimezone(zone).utcoffset() != i.astimezone(PARIS).utcoffset() for i in instants)
