"""Issue 9 in Chromium with JavaScript on: what htmx does is seen and heard — errors and lost
connections, focus and announcements after a step, one request per step, no fragment URL in the
address bar, Enter in the establishment search, a session that ends mid-selector. axe-core on
every state."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

from tests.browser.conftest import LiveServer, PageProblems
from tests.browser.helpers import assert_accessible, is_focused, wait_for_htmx
from tests.browser.test_registrations import (
    choose_period,
    create_candidate,
    fill_identification,
    log_in,
    next_tab,
)

pytestmark = pytest.mark.browser
FRAGMENT_PATHS = re.compile(r"/(etablissements|secteurs|listes)(\?|/|$)")


class ExpectedFailures(PageProblems):
    """As every page's, except what these tests provoke on purpose: htmx reports the 403 of a
    tampered token and the request that could not leave an offline browser on the console."""

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Response Status Error Code 403" in text or "ERR_INTERNET_DISCONNECTED" in text:
            return
        if text.startswith(("htmx:sendError", "htmx:afterRequest")):  # htmx's own log of it
            return
        super().console(message)


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    problems = ExpectedFailures()
    context.on("console", problems.console)
    context.on("weberror", lambda web_error: problems.page_error(web_error.error))
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not problems.messages, "\n".join(problems.messages)


def _on_identification(page: Page, live_server: LiveServer, email: str) -> None:
    log_in(page, create_candidate(live_server, email))
    choose_period(page)
    wait_for_htmx(page)


def _tamper_token(page: Page) -> None:
    page.evaluate(
        """() => {
        const bad = 'x'.repeat(128);
        document.querySelectorAll("input[name='_csrf_token']").forEach(i => { i.value = bad; });
        document.body.setAttribute('data-hx-headers', JSON.stringify({'x-csrftoken': bad}));
    }"""
    )


def test_tampered_token_says_so_keeps_what_was_typed_and_sends_again(
    page: Page, live_server
) -> None:  # type: ignore[no-untyped-def]
    _on_identification(page, live_server, "exp-csrf@example.fr")
    fill_identification(page)
    _tamper_token(page)
    next_tab(page)
    alert = page.locator("#alerte")
    expect(alert).to_contain_text("Ce formulaire avait expiré")
    expect(alert).to_contain_text("envoyez-le à nouveau")
    expect(page.get_by_label("Adresse 1")).to_have_value("Rue de la pluie")  # nothing lost
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    assert_accessible(page, "formulaire expiré")
    page.get_by_role("button", name="Envoyer à nouveau").click()
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    expect(alert).to_be_empty()


def test_offline_says_the_connection_was_lost_and_retries(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _on_identification(page, live_server, "exp-offline@example.fr")
    fill_identification(page)
    page.context.set_offline(True)
    next_tab(page)
    alert = page.locator("#alerte")
    expect(alert).to_contain_text("La connexion a été perdue.")
    expect(page.get_by_label("Téléphone personnel")).to_have_value("0123456789")
    assert_accessible(page, "connexion perdue")
    page.context.set_offline(False)
    page.get_by_role("button", name="Réessayer").click()
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()


def test_focus_title_and_announcement_after_a_step_and_one_request(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _on_identification(page, live_server, "exp-focus@example.fr")
    expect(page).to_have_title("Étape 1 sur 6 : Identification - M'inscrire - Portail Candidat")
    next_tab(page)  # nothing typed: the error summary takes the focus
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    expect(page.locator("#annonce")).to_have_text(re.compile(r"^Erreur : Étape 1 sur 6"))
    assert_accessible(page, "Identification en erreur")

    fill_identification(page)
    requests: list[Request] = []
    page.on(
        "request",
        lambda r: requests.append(r) if r.resource_type in ("xhr", "fetch", "document") else None,
    )
    next_tab(page)
    heading = page.get_by_role("heading", level=2, name="2 - Qualification présentée")
    expect(heading).to_be_visible()
    page.wait_for_function("() => document.activeElement.id === 'wizard-step-title'")
    assert is_focused(heading)
    expect(page).to_have_title(
        "Étape 2 sur 6 : Qualification présentée - M'inscrire - Portail Candidat"
    )
    expect(page.locator("#annonce")).to_have_text("Étape 2 sur 6 : Qualification présentée")
    expect(page).to_have_url(re.compile(r"/qualification$"))
    wait_for_htmx(page)
    steps = [r for r in requests if "/inscriptions/brouillon/" in r.url and "/listes/" not in r.url]
    assert len(steps) == 1 and steps[0].method == "POST", [(r.method, r.url) for r in steps]
    assert_accessible(page, "2 - Qualification présentée")

    page.get_by_role("button", name="Précédent").click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    page.wait_for_function("() => document.activeElement.id === 'wizard-step-title'")
    expect(page.locator("#annonce")).to_have_text("Étape 1 sur 6 : Identification")
    # The long lists arrive from their own URL; the chosen nationality stays chosen.
    expect(page.get_by_label("Nationalité")).to_have_value(re.compile(r".+"))
    page.wait_for_function(
        "() => document.querySelector('#champ-address-country').options.length > 100"
    )
    expect(page.get_by_label("Nationalité").locator("option:checked")).to_have_text("Français")


def test_no_fragment_url_in_the_address_bar_and_enter_searches(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _on_identification(page, live_server, "exp-search@example.fr")
    fill_identification(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    wait_for_htmx(page)
    certification = page.locator("#champ-qualification")
    certification.select_option(index=1)  # the sectors of that certification come in
    wait_for_htmx(page)
    assert not FRAGMENT_PATHS.search(page.url), page.url
    page.locator("#champ-period").select_option(index=1)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_label("Département", exact=True).select_option("078")
    search = page.get_by_label("Rechercher l'établissement ou le service")
    search.click()
    page.keyboard.type("0783371R", delay=20)
    page.keyboard.press("Enter")  # a search, not "Suivant"
    expect(page.get_by_label(re.compile(r"\(0783371R\)"))).to_be_visible()
    wait_for_htmx(page)
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    assert not FRAGMENT_PATHS.search(page.url), page.url
    expect(page).to_have_url(re.compile(r"/situation$"))
    assert_accessible(page, "3 - Situation actuelle, résultats")
    page.reload()  # whatever the address bar holds is a whole page
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()


def test_error_summary_link_focuses_the_field_and_shows_its_label(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _on_identification(page, live_server, "exp-summary@example.fr")
    page.set_viewport_size({"width": 400, "height": 500})
    next_tab(page)
    link = page.locator(".error-summary a", has_text="Saisissez votre adresse")
    link.click()
    field = page.get_by_label("Adresse 1")
    assert is_focused(field)
    in_view = page.evaluate(
        "() => { const r = document.querySelector(\"label[for='champ-address1']\").getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    assert in_view, "the label of the focused field is scrolled out of view"


def test_session_ended_mid_selector_lands_on_one_clean_login_page(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    log_in(page, create_candidate(live_server, "exp-session@example.fr"))
    page.goto("/m-inscrire")
    page.context.clear_cookies()  # the session ends (logout elsewhere, timeout)
    page.get_by_label("Domaine").select_option(label="Autres certifications")
    expect(page).to_have_url(re.compile(r"/connexion\?suivant="))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.locator("main")).to_have_count(1)
    assert_accessible(page, "connexion après fin de session")


def test_a_slow_step_shows_it_is_loading(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    _on_identification(page, live_server, "exp-slow@example.fr")
    fill_identification(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 2500, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    next_tab(page)
    expect(page.locator("#wizard")).to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("button", name="Suivant", exact=True)).to_be_disabled()
    expect(page.locator("#chargement")).to_have_text("Chargement en cours, merci de patienter…")
    assert_accessible(page, "onglet en cours de chargement")
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible(
        timeout=15_000
    )
    expect(page.locator("#chargement")).to_be_empty()
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def test_inline_checks_and_selector_results_are_announced(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto("/compte/creer")
    page.locator("#champ-email").fill("jean@ac-rennes.fr")
    page.locator("#champ-email-confirmation").fill("autre@ac-rennes.fr")
    page.locator("#champ-email-confirmation").press("Tab")
    expect(page.locator("#annonce")).to_contain_text("ne sont pas identiques")
    # An inline check never moves the focus (to an error summary or elsewhere).
    assert page.evaluate("() => document.activeElement.id") == "champ-password"
    log_in(page, create_candidate(live_server, "exp-announce@example.fr"))
    page.goto("/m-inscrire")
    page.get_by_label("Domaine").select_option(label="Autres certifications")
    expect(page.locator("#annonce")).to_have_text(re.compile(r"\d+ périodes? affichées?\.|Aucun"))
    wait_for_htmx(page)
    assert_accessible(page, "sélection annoncée")


def test_a_boosted_link_to_a_missing_page_shows_that_page(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.evaluate(
        "() => { const a = document.createElement('a'); a.href = '/page-qui-n-existe-pas';"
        " a.textContent = 'lien cassé'; document.querySelector('main').append(a); }"
    )
    page.get_by_role("link", name="lien cassé").click()
    expect(page.get_by_role("heading", level=1, name="Page introuvable")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/page-qui-n-existe-pas$"))
    assert_accessible(page, "page introuvable après un lien")


def test_establishment_group_is_required_and_its_error_link_focuses_the_search(
    page: Page, live_server
) -> None:  # type: ignore[no-untyped-def]
    _on_identification(page, live_server, "exp-radio@example.fr")
    fill_identification(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    wait_for_htmx(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_label("Département", exact=True).select_option("078")
    page.get_by_label("Rechercher l'établissement ou le service").fill("lycee")
    group = page.get_by_role("radiogroup", name=re.compile("Etablissement ou service"))
    expect(group).to_have_attribute("aria-required", "true")
    assert group.locator("input[type=radio]").first.get_attribute("required") is not None
    assert_accessible(page, "établissements proposés")
    wait_for_htmx(page)
    next_tab(page)  # nothing chosen: the error links to the search (the list is gone)
    link = page.locator(".error-summary a[href='#champ-establishment']")
    expect(link).to_be_visible()
    link.click()
    assert is_focused(page.get_by_label("Rechercher l'établissement ou le service"))
    assert_accessible(page, "établissement en erreur")


def test_tampered_token_on_modifier_mon_compte_keeps_what_was_typed(
    page: Page, live_server
) -> None:  # type: ignore[no-untyped-def]
    log_in(page, create_candidate(live_server, "exp-account@example.fr"))
    page.goto("/compte/modifier")
    usage = page.locator("#champ-usage-name")
    usage.fill("TALU-NOUVEAU")
    _tamper_token(page)
    page.get_by_role("button", name="Enregistrer").click()
    alert = page.locator("#alerte")
    expect(alert).to_contain_text("Ce formulaire avait expiré")
    expect(usage).to_have_value("TALU-NOUVEAU")
    assert_accessible(page, "Modifier mon compte, formulaire expiré")
    page.get_by_role("button", name="Envoyer à nouveau").click()
    expect(alert).to_be_empty()
    expect(page.locator("#flash")).to_contain_text(
        "Vos informations ont été enregistrées.", timeout=20_000
    )


def test_a_press_on_the_submit_button_right_after_typing_is_never_lost(
    page: Page, live_server
) -> None:  # type: ignore[no-untyped-def]
    """Pressing "Enregistrer" straight from a field leaves the field: its inline check went out,
    and its answer, back while the button was still held (a person's click lasts about 100 ms, a
    check on a good connection less), took the field's error away; the button moved up and the
    release landed beside it, so the form was never sent. The form being sent, the check is not."""
    log_in(page, create_candidate(live_server, "exp-press@example.fr"))
    page.goto("/compte/modifier")
    confirmation = page.locator("#champ-email-confirmation")
    confirmation.fill("autre@example.fr")
    confirmation.press("Tab")
    expect(page.locator("#champ-email-confirmation-erreur")).to_be_visible()
    wait_for_htmx(page)
    confirmation.fill("exp-press@example.fr")  # corrected: its error would go, moving the button
    box = page.get_by_role("button", name="Enregistrer").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.wait_for_timeout(700)  # longer than a check takes to come back
    page.mouse.up()
    expect(page.locator("#flash")).to_contain_text("Aucune modification n'a été faite.")
    assert_accessible(page, "Modifier mon compte, envoyé d'un clic")
