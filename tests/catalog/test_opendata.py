"""The open-data feeds as a program reads them: one charset in the calendar's Content-Type, and
links built on the portal's base URL (PORTAL_BASE_URL), not on the address a request came to."""

from __future__ import annotations

import dataclasses

import pytest
from icalendar import Calendar

from portal.settings import Settings

BASE = "https://candidat.example.fr"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, base_url=BASE)


async def test_the_calendar_says_its_charset_once(client, demo) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/ouverture-des-services.ics")
    assert response.status_code == 200
    content_type = response.headers["content-type"]
    assert content_type.lower().count("charset") == 1, content_type
    assert content_type.replace(" ", "").lower() == "text/calendar;charset=utf-8"
    bad = await client.get("/ouverture-des-services.ics?qualification=XYZ")
    assert bad.status_code == 400
    assert bad.headers["content-type"].lower().count("charset") == 1


async def test_json_urls_use_the_base_url(client, demo) -> None:  # type: ignore[no-untyped-def]
    periods = (await client.get("/ouverture-des-services.json")).json()["periodes"]
    assert periods
    for period in periods:
        assert period["url"].startswith(f"{BASE}/ouverture-des-services?"), period["url"]
        assert f"academie={period['academie']['code']}" in period["url"]


async def test_calendar_urls_use_the_base_url(client, demo) -> None:  # type: ignore[no-untyped-def]
    calendar = Calendar.from_ical((await client.get("/ouverture-des-services.ics")).content)
    events = list(calendar.walk("VEVENT"))
    assert events
    for event in events:
        assert str(event["URL"]).startswith(f"{BASE}/ouverture-des-services?")
        assert str(event["UID"]).endswith("@candidat.example.fr")
