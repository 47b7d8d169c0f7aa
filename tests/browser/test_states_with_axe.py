"""Page-template states the other tests reach with JavaScript off only, checked here by axe-core
with JavaScript on (tests/_support/trail.py counts them): the wizard's tabs loaded as whole
pages (Situation actuelle, Epreuves, Récapitulatif), and the forms sent with an error while
JavaScript is on but htmx never arrived (blocked, or not yet downloaded on a slow phone): the
form goes as a plain submission and the whole page comes back with its errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, expect

from tests.browser.conftest import LiveServer, PageProblems
from tests.browser.helpers import assert_accessible, expect_refused, is_focused, wait_for_htmx
from tests.browser.rgaa_sample import register
from tests.browser.test_pieces import LABEL, candidate_with_bia, pdf_file
from tests.browser.test_registrations import create_candidate, log_in, next_tab

pytestmark = pytest.mark.browser
# static/js/htmx-<version>.min.js, asked for as /static/js/htmx-2.0.11.min.js?v=<digest>
HTMX = re.compile(r"/static/js/htmx-[^/?]*\.js(\?.*)?$")


class HtmxBlocked(PageProblems):
    """As every page's, except the one thing these tests provoke: htmx's script never loads."""

    def console(self, message: ConsoleMessage) -> None:
        if "net::ERR_FAILED" in message.text and HTMX.search(message.location.get("url", "")):
            return
        super().console(message)


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A context with JavaScript on (followed by the trail, as every browser context)."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    problems = HtmxBlocked()
    context.on("console", problems.console)
    context.on("weberror", lambda web_error: problems.page_error(web_error.error))
    yield context
    context.close()
    assert not problems.messages, "\n".join(problems.messages)


def registered_draft(page: Page, live_server: LiveServer, email: str) -> str:
    """A candidate registered once (every tab filled, htmx at work) who opened its
    modification: the draft's URL, without its tab."""
    log_in(page, create_candidate(live_server, email))
    number = register(page)
    page.goto(f"/mes-inscriptions/{number}")
    page.get_by_role("button", name="Modifier").click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    return page.url.rsplit("/", 1)[0]


def block_htmx(page: Page) -> None:
    """From now on htmx's script never arrives (JavaScript stays on: portal.js runs)."""
    page.route(HTMX, lambda route: route.abort())


def goto_without_htmx(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("load")
    assert page.evaluate("() => typeof window.htmx") == "undefined", "htmx was not blocked"
    assert page.evaluate("() => document.querySelector('script[src*=\"portal.js\"]') !== null")


def expect_error_shown(page: Page, field: Locator, message: str) -> None:
    """The form refused (tests.browser.helpers.expect_refused), the summary focused (as its
    autofocus asks), the title saying so, the message in the field's own group."""
    field_id = field.get_attribute("id")
    assert field_id, "the field has no id"
    expect_refused(page, field_id, message)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert is_focused(summary)
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    group = page.locator(".field").filter(has=page.locator(f"#{field_id}"))
    expect(group.locator(".field-error")).to_contain_text(message)  # in the field's own group


def test_wizard_tabs_as_whole_pages_with_javascript(context: BrowserContext, live_server) -> None:  # type: ignore[no-untyped-def]
    """A tab's URL loaded as a page (a bookmark, a reload, a link from elsewhere): the whole
    wizard page, not a fragment, in each state."""
    page = context.new_page()
    draft = registered_draft(page, live_server, "axe-states-tabs@example.fr")
    for segment, heading in (
        ("situation", "3 - Situation actuelle"),
        ("epreuves", "4 - Epreuves"),
        ("recapitulatif", "5 - Récapitulatif"),
    ):
        response = page.goto(f"{draft}/{segment}")
        assert response is not None and response.status == 200, (segment, response)
        assert response.request.is_navigation_request()
        expect(page.locator("header.site-header")).to_have_count(1)  # a whole page
        expect(
            page.get_by_role("heading", level=1, name="Modifier mon inscription")
        ).to_be_visible()
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
        expect(page).to_have_url(re.compile(rf"/{segment}$"))
        page.wait_for_load_state("load")
        wait_for_htmx(page)
        assert page.evaluate("() => typeof window.htmx") == "object"
        assert_accessible(page, f"{heading}, page entière")


def test_wizard_errors_when_htmx_never_arrives(context: BrowserContext, live_server) -> None:  # type: ignore[no-untyped-def]
    page = context.new_page()
    draft = registered_draft(page, live_server, "axe-states-wizard@example.fr")
    block_htmx(page)

    # 1 - Identification: the address emptied, a second line typed, then Suivant.
    goto_without_htmx(page, f"{draft}/identification")
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    page.get_by_label("Adresse 1").fill("")
    page.get_by_label("Adresse 2").fill("Bâtiment B, escalier 3")
    page.get_by_label("Téléphone personnel").fill("0600000000")
    with page.expect_navigation():  # a plain submission: a whole page comes back
        next_tab(page)
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    expect(page.locator("header.site-header")).to_have_count(1)
    expect_error_shown(
        page, page.get_by_label("Adresse 1"), "Saisissez votre adresse (numéro et voie)."
    )
    expect(page).to_have_title(re.compile(r"^Erreur : Étape 1 sur 6 : Identification"))
    expect(page.get_by_label("Adresse 1")).to_have_value("")
    expect(page.get_by_label("Adresse 2")).to_have_value("Bâtiment B, escalier 3")  # kept
    expect(page.get_by_label("Téléphone personnel")).to_have_value("0600000000")
    expect(page.get_by_label("Code postal")).to_have_value("78270")
    assert_accessible(page, "1 - Identification en erreur, sans htmx")

    # 3 - Situation actuelle: no Corps, another Statut chosen, then Suivant.
    goto_without_htmx(page, f"{draft}/situation")
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    page.get_by_label("Corps").select_option("")
    statut = page.get_by_label("Statut")
    other = statut.locator("option:not([value='']):not(:checked)").first.get_attribute("value")
    assert other, "Statut has a single choice"
    statut.select_option(other)
    page.get_by_label("Localité").fill("78000-VERSAILLES")
    with page.expect_navigation():
        next_tab(page)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    expect(page.locator("header.site-header")).to_have_count(1)
    expect_error_shown(page, page.get_by_label("Corps"), "Choisissez votre corps.")
    expect(page).to_have_title(re.compile(r"^Erreur : Étape 3 sur 6 : Situation actuelle"))
    expect(page.get_by_label("Statut")).to_have_value(other)  # kept
    expect(page.get_by_label("Localité")).to_have_value("78000-VERSAILLES")
    expect(page.get_by_label("Département", exact=True)).to_have_value("078")
    assert_accessible(page, "3 - Situation actuelle en erreur, sans htmx")


def test_pieces_error_when_htmx_never_arrives(context: BrowserContext, live_server) -> None:  # type: ignore[no-untyped-def]
    page = context.new_page()
    log_in(page, candidate_with_bia(live_server, "axe-states-pieces@example.fr"))
    block_htmx(page)
    goto_without_htmx(page, "/mes-justificatifs")
    expect(page.get_by_role("heading", level=1, name="Mes justificatifs")).to_be_visible()
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file("vide.pdf", b""))
    with page.expect_navigation():  # a plain multipart submission
        page.get_by_role("button", name="Ajouter").click()
    expect(page).to_have_url(re.compile(r"/mes-justificatifs/[^/]+/\d+/ajouter$"))
    expect(page.get_by_role("heading", level=1, name="Mes justificatifs")).to_be_visible()
    expect_error_shown(
        page, page.get_by_label(LABEL, exact=True), "Le fichier « vide.pdf » est vide."
    )
    expect(page).to_have_title(re.compile(r"^Erreur : Mes justificatifs"))
    # Nothing typed to keep: a browser never refills a file input; the piece has no file yet.
    expect(page.get_by_role("link", name="vide.pdf", exact=True)).to_have_count(0)
    assert_accessible(page, "Mes justificatifs en erreur, sans htmx")
