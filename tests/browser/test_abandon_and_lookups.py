"""Pages this session added that no journey reached yet: "Abandonner cette inscription" (from
Mes inscriptions, with JavaScript on, by keyboard, and without JavaScript) and the places lookups
loaded as whole pages (what a reload of a helper's address, or a browser without JavaScript
following it, shows). axe-core on every state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, tab_to
from tests.browser.test_registrations import (
    choose_period,
    choose_period_nojs,
    create_candidate,
    log_in,
)

pytestmark = pytest.mark.browser
ABANDON = re.compile(r"^Abandonner cette inscription")


def _abandon_link(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("link", name=ABANDON)


def test_abandon_a_draft_by_keyboard_with_javascript(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(page, create_candidate(live_server, "abandon-js@example.fr"))
    choose_period(page)
    page.goto("/mes-inscriptions")
    expect(page.get_by_role("link", name=re.compile("^Reprendre mon inscription"))).to_be_visible()
    assert_accessible(page, "Mes inscriptions with a draft")
    tab_to(page, _abandon_link(page))
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", level=1, name="Abandonner cette inscription")
    ).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Abandonner cette inscription - .*Portail Candidat$"))
    assert_accessible(page, "Abandonner cette inscription")
    tab_to(page, page.get_by_role("button", name="Abandonner cette inscription"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mes-inscriptions$"))
    expect(page.get_by_role("link", name=re.compile("^Reprendre mon inscription"))).to_have_count(0)
    assert_accessible(page, "Mes inscriptions after abandoning")


def test_abandon_a_draft_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    log_in(page, create_candidate(live_server, "abandon-nojs@example.fr"))
    choose_period_nojs(page)
    page.goto("/mes-inscriptions")
    _abandon_link(page).click()
    expect(
        page.get_by_role("heading", level=1, name="Abandonner cette inscription")
    ).to_be_visible()
    page.get_by_role("link", name="Revenir à mon inscription").click()  # changed their mind
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    page.goto("/mes-inscriptions")
    _abandon_link(page).click()
    page.get_by_role("button", name="Abandonner cette inscription").click()
    expect(page).to_have_url(re.compile(r"/mes-inscriptions$"))
    expect(page.get_by_role("link", name=ABANDON)).to_have_count(0)


@pytest.mark.parametrize(
    "path",
    [
        "/communes?postal_code=78270",
        "/communes?postal_code=78999",
        "/communes/naissance?birth_department=062&birth_city=BEU",
        "/communes/localites?work_department=078&work_locality=VERS",
    ],
)
def test_lookups_loaded_as_pages_are_whole_and_accessible(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page, path)


def _start_page_url(page: Page) -> str:
    """The period's own address (a bookmark, or where the login sends back to)."""
    choose = page.locator("form[action*='/inscriptions/nouvelle/']")
    return str(choose.get_attribute("action"))


@pytest.mark.parametrize("javascript", [True, False])
def test_the_periods_own_page_begins_the_draft(
    page: Page, page_nojs: Page, live_server, javascript: bool
) -> None:  # type: ignore[no-untyped-def]
    """GET /inscriptions/nouvelle/<period>: the period named, "Valider" begins the draft."""
    browser_page = page if javascript else page_nojs
    email = f"periode-{'js' if javascript else 'nojs'}@example.fr"
    log_in(browser_page, create_candidate(live_server, email))
    browser_page.goto(
        "/m-inscrire?domaine=G02&qualification=CCPE1D&specialite=ACA&academie=versailles"
    )
    url = _start_page_url(browser_page)
    browser_page.goto(url)
    expect(browser_page.get_by_role("heading", level=1, name="M'inscrire")).to_be_visible()
    expect(browser_page.locator(".wizard-context")).to_contain_text("ACADÉMIE DE VERSAILLES")
    if javascript:
        assert_accessible(browser_page, "the period's own page")
    browser_page.get_by_role("button", name="Valider").click()
    expect(browser_page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
