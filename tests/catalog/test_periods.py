"""When is a period open: exact boundaries, the two days the Paris clocks change, overseas académies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.catalog import CatalogError
from portal.catalog.models import Academy, OpeningPeriod, Qualification, Specialty
from portal.catalog.periods import (
    PARIS,
    PeriodState,
    differs_from_paris,
    paris_to_utc,
    state_at,
    wall_clock,
    wall_to_utc,
)
from portal.catalog.service import PeriodView

SECOND = timedelta(seconds=1)
MICRO = timedelta(microseconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def view(opens: datetime, closes: datetime, timezone: str = "Europe/Paris") -> PeriodView:
    return PeriodView(
        id=1,
        opens_at=opens,
        closes_at=closes,
        domain_code="G02",
        qualification=Qualification(id=1, code="CCPE1D", domain_code="G02", name="CERTIF"),
        specialty=Specialty(id=1, qualification_id=1, code="ACA", name="ARTS"),
        year=2020,
        academy=Academy(code="x", name="ACADÉMIE X", kind="academie", timezone=timezone),
    )


# -- the guide's example, at its exact boundaries -------------------------------------------------
def test_guide_example_converts_from_paris_summer_time() -> None:
    assert paris_to_utc("17/09/2019 10:00") == utc(2019, 9, 17, 8, 0)
    assert paris_to_utc(" 20/09/2019 10:00 ") == utc(2019, 9, 20, 8, 0)
    assert paris_to_utc("15/01/2020 10:00") == utc(2020, 1, 15, 9, 0)  # winter: UTC+1


def test_open_from_opens_at_included_to_closes_at_excluded() -> None:
    opens, closes = paris_to_utc("17/09/2019 10:00"), paris_to_utc("20/09/2019 10:00")
    period = OpeningPeriod(
        session_id=1, specialty_id=1, academy_code="x", opens_at=opens, closes_at=closes
    )
    assert not period.is_open(opens - MICRO)
    assert period.is_open(opens)
    assert period.is_open(closes - MICRO)
    assert not period.is_open(closes)
    assert state_at(opens, closes, opens - MICRO) is PeriodState.upcoming
    assert state_at(opens, closes, opens) is PeriodState.open
    assert state_at(opens, closes, closes - MICRO) is PeriodState.open
    assert state_at(opens, closes, closes) is PeriodState.closed


def test_wording_of_each_state_in_paris_time() -> None:
    period = view(paris_to_utc("17/09/2019 10:00"), paris_to_utc("20/09/2019 10:00"))
    assert period.wording(utc(2019, 9, 1)) == "ouvrira du 17/09/2019 10:00 au 20/09/2019 10:00"
    assert period.wording(utc(2019, 9, 18)) == "ouvert du 17/09/2019 10:00 au 20/09/2019 10:00"
    assert period.wording(utc(2019, 9, 20, 8)) == "fermé depuis le 20/09/2019 10:00"
    assert period.local_wording(utc(2019, 9, 18)) is None  # Paris académie: one time only


# -- spring forward: last Sunday of March 2026 (29/03), 02:00 -> 03:00 ----------------------------
def test_nonexistent_paris_time_is_refused_in_french() -> None:
    with pytest.raises(CatalogError) as caught:
        paris_to_utc("29/03/2026 02:30")
    message = str(caught.value)
    assert "29/03/2026 à 02:30 n'existe pas en heure de Paris" in message
    assert "heure d'été" in message
    with pytest.raises(CatalogError):
        wall_to_utc(datetime(2026, 3, 29, 2, 0))
    # the minutes around the gap exist
    assert paris_to_utc("29/03/2026 01:59") == utc(2026, 3, 29, 0, 59)
    assert paris_to_utc("29/03/2026 03:00") == utc(2026, 3, 29, 1, 0)


def test_period_across_spring_forward_lasts_23_hours_and_closes_on_time() -> None:
    opens, closes = paris_to_utc("28/03/2026 10:00"), paris_to_utc("29/03/2026 10:00")
    assert closes - opens == timedelta(hours=23)
    closing_at_three = paris_to_utc("29/03/2026 03:00")
    period = view(opens, closing_at_three)
    assert period.is_open(closing_at_three - SECOND)  # 01:59:59 Paris, the last second before
    assert not period.is_open(closing_at_three)
    assert period.wording(closing_at_three) == "fermé depuis le 29/03/2026 03:00"


# -- fall back: last Sunday of October 2026 (25/10), 03:00 -> 02:00 -------------------------------
def test_ambiguous_paris_time_takes_the_first_occurrence() -> None:
    first = paris_to_utc("25/10/2026 02:30")
    assert first == utc(2026, 10, 25, 0, 30)  # still summer time, UTC+2
    assert wall_clock(first) == "25/10/2026 02:30"
    assert wall_clock(first + timedelta(hours=1)) == "25/10/2026 02:30"  # the second one


def test_period_across_fall_back_lasts_25_hours_and_closes_at_the_first_0230() -> None:
    opens, closes = paris_to_utc("24/10/2026 10:00"), paris_to_utc("25/10/2026 10:00")
    assert closes - opens == timedelta(hours=25)
    closing = paris_to_utc("25/10/2026 02:30")
    period = view(opens, closing)
    assert period.is_open(closing - SECOND)
    assert not period.is_open(closing)
    # An hour later the Paris clock reads 02:30 again: the period stays closed.
    assert not period.is_open(closing + timedelta(hours=1))


def test_wall_to_utc_wants_a_naive_time_and_a_known_format() -> None:
    with pytest.raises(ValueError):
        wall_to_utc(datetime(2026, 1, 1, tzinfo=UTC))
    for bad in ("2019-09-17 10:00", "32/01/2020 10:00", "17/09/2019", "n'importe quoi"):
        with pytest.raises(CatalogError, match="JJ/MM/AAAA HH:MM"):
            paris_to_utc(bad)


# -- overseas ---------------------------------------------------------------------------------------
def test_reunion_reads_paris_time_and_its_own_local_time() -> None:
    """La Réunion is UTC+4 all year: 3 hours ahead of Paris in winter, 2 in summer."""
    winter = view(
        paris_to_utc("17/11/2026 10:00"), paris_to_utc("20/11/2026 10:00"), "Indian/Reunion"
    )
    at = utc(2026, 11, 18)
    assert winter.wording(at) == "ouvert du 17/11/2026 10:00 au 20/11/2026 10:00"
    assert winter.local_wording(at) == "soit du 17/11/2026 13:00 au 20/11/2026 13:00, heure locale"
    summer = view(
        paris_to_utc("17/09/2019 10:00"), paris_to_utc("20/09/2019 10:00"), "Indian/Reunion"
    )
    assert summer.local_wording(utc(2019, 9, 18)) == (
        "soit du 17/09/2019 12:00 au 20/09/2019 12:00, heure locale"
    )
    assert summer.local_wording(utc(2019, 9, 21)) == "soit le 20/09/2019 12:00, heure locale"
    # Open or not is a question about instants: the same for every académie.
    assert winter.is_open(paris_to_utc("17/11/2026 10:00"))
    assert not winter.is_open(paris_to_utc("17/11/2026 10:00") - MICRO)


def test_overseas_boundary_on_a_paris_clock_change_day() -> None:
    """Closing at 03:00 Paris on 29/03/2026 is 05:00 in La Réunion, 21:00 the day before in
    Guadeloupe; the instant is the same everywhere."""
    closes = paris_to_utc("29/03/2026 03:00")
    reunion = view(paris_to_utc("20/03/2026 10:00"), closes, "Indian/Reunion")
    guadeloupe = view(paris_to_utc("20/03/2026 10:00"), closes, "America/Guadeloupe")
    assert reunion.local_wording(closes) == "soit le 29/03/2026 05:00, heure locale"
    assert guadeloupe.local_wording(closes) == "soit le 28/03/2026 21:00, heure locale"
    assert reunion.is_open(closes - SECOND) and guadeloupe.is_open(closes - SECOND)
    assert not reunion.is_open(closes) and not guadeloupe.is_open(closes)


def test_differs_from_paris() -> None:
    instant = utc(2026, 6, 1)
    assert not differs_from_paris("Europe/Paris", instant)
    assert differs_from_paris("Indian/Reunion", instant)
    assert differs_from_paris("Pacific/Noumea", instant)
    assert instant.astimezone(PARIS).utcoffset() == timedelta(hours=2)
