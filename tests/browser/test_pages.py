"""The foundation's pages in a real browser: axe-clean, no CSP violation, JS off, keyboard only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import assert_accessible, is_focused, tab_to

PAGES = [
    ("/", "Portail Candidat"),
    ("/accessibilite", "Déclaration d'accessibilité"),
    ("/mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "Données personnelles"),
]


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_page_is_accessible_without_csp_violation(page: Page, path: str, heading: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    for role in ("banner", "navigation", "main", "contentinfo"):
        expect(page.get_by_role(role).first).to_be_visible()
    assert_accessible(page, path)


def test_error_page_is_french_and_accessible(page: Page) -> None:
    response = page.goto("/cette-page-n-existe-pas")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert "Traceback" not in page.content()
    assert_accessible(page, "404")


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert is_focused(skip)
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"


def test_footer_pages_by_keyboard_only(page: Page) -> None:
    page.goto("/")
    link = page.get_by_role("link", name="Mentions légales")
    tab_to(page, link)
    page.keyboard.press("Enter")
    page.wait_for_url("**/mentions-legales")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentions légales")


def test_boosted_navigation_keeps_a_full_page(page: Page) -> None:
    """With htmx, a link click is a boosted request: the page must still be whole and titled."""
    page.goto("/")
    page.get_by_role("link", name="Données personnelles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Données personnelles")
    expect(page).to_have_title("Données personnelles - Portail Candidat")
    assert page.locator("header.site-header").count() == 1
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Portail Candidat")


FOOTER_LINKS = [
    ("Accessibilité : partiellement conforme", "/accessibilite", "Déclaration d'accessibilité"),
    ("Mentions légales", "/mentions-legales", "Mentions légales"),
    ("Données personnelles", "/donnees-personnelles", "Données personnelles"),
]


@pytest.mark.parametrize(("link", "path", "heading"), FOOTER_LINKS)
def test_footer_pages_work_without_javascript(
    page_nojs: Page, link: str, path: str, heading: str
) -> None:
    page_nojs.goto("/")
    expect(page_nojs.get_by_role("heading", level=1)).to_have_text("Portail Candidat")
    page_nojs.locator("footer").get_by_role("link", name=link).click()
    expect(page_nojs).to_have_url(page_nojs.url.split(path)[0] + path)
    expect(page_nojs.get_by_role("heading", level=1)).to_have_text(heading)
