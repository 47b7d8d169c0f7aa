"""Wizard states in Chromium that the journeys do not reach: the account's data recalled on
Identification after tabs swapped by htmx (never resent, always shown), "Modifier mon compte"
with a stale form, and "Enregistrer" pressed after the period closed during a modification —
with JavaScript on (axe-core clean) and off."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import OpeningPeriod, Qualification, Specialty
from portal.catalog.service import get_period
from portal.composition import ON_REGISTRATION_SAVED
from portal.db import Database
from portal.registrations import drafts, saving, summary
from portal.registrations.wizard import Entry, load_wizard
from portal.settings import Settings
from tests.browser.conftest import LiveServer
from tests.browser.helpers import assert_accessible, wait_for_htmx
from tests.browser.test_experience import ExpectedFailures
from tests.browser.test_registrations import (
    choose_period,
    create_candidate,
    fill_identification,
    log_in,
    next_tab,
)

pytestmark = pytest.mark.browser
RECALLED = {
    "Nom de famille": "TALU",
    "Prénoms": "Jean",
    "Date de naissance": "01/01/2002",
    "Commune de naissance": "BEUVRY",
}


def _expect_account_recalled(page: Page, email: str) -> None:
    for label, value in RECALLED.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    expect(page.get_by_label("Adresse mail", exact=True)).to_have_value(email)
    expect(page.get_by_role("link", name="Modifier mon compte").first).to_be_visible()
    # Once on the page, never twice (the parts kept aside are moved, not copied).
    assert page.locator("#champ-account-birth-name").count() == 1


def test_account_data_recalled_on_identification_after_swaps(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "states-recalled@example.fr")
    log_in(page, email)
    choose_period(page)
    wait_for_htmx(page)
    _expect_account_recalled(page, email)
    fill_identification(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    wait_for_htmx(page)
    expect(page.get_by_label("Nom de famille", exact=True)).to_be_hidden()  # kept aside, hidden
    page.get_by_role("button", name="Précédent").click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    wait_for_htmx(page)
    _expect_account_recalled(page, email)
    expect(page.get_by_label("Adresse 1")).to_have_value("Rue de la pluie")
    assert_accessible(page, "Identification après Précédent")
    # A page loaded on another tab holds the parts too: its Identification tab shows them.
    page.get_by_role("link", name=re.compile(r"^2 - Qualification présentée")).click()
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_role("link", name=re.compile(r"^1 - Identification")).click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    wait_for_htmx(page)
    _expect_account_recalled(page, email)
    # An error comes back as the same tab: still shown.
    page.get_by_label("Adresse 1").fill("")
    next_tab(page)
    expect(page.locator(".error-summary")).to_be_visible()
    wait_for_htmx(page)
    _expect_account_recalled(page, email)
    assert_accessible(page, "Identification en erreur après des onglets")


def test_links_and_searches_inside_a_tab_go_where_they_belong(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    """Nothing inside a tab's form inherits its target: "Modifier mon compte" is one clean page
    (never swapped into the tab), and a second establishment search replaces the first's
    results (the results' region stays)."""
    log_in(page, create_candidate(live_server, "states-inherit@example.fr"))
    choose_period(page)
    wait_for_htmx(page)
    fill_identification(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="2 - Qualification présentée")).to_be_visible()
    wait_for_htmx(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="3 - Situation actuelle")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_label("Département", exact=True).select_option("078")
    search = page.get_by_label("Rechercher l'établissement ou le service")
    search.fill("lycee")
    expect(page.locator("#wizard-establishments input[name=establishment]").first).to_be_visible()
    wait_for_htmx(page)
    search.fill("0783371R")
    only = page.locator("#wizard-establishments input[name=establishment]")
    expect(only).to_have_count(1)
    expect(page.get_by_label(re.compile(r"\(0783371R\)"))).to_be_visible()
    wait_for_htmx(page)
    assert_accessible(page, "deuxième recherche d'établissement")

    page.get_by_role("link", name=re.compile(r"^1 - Identification")).click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    wait_for_htmx(page)
    page.locator("#wizard").get_by_role("link", name="Modifier mon compte").click()
    expect(page).to_have_url(re.compile(r"/compte/modifier$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier mes informations")
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.locator("#wizard")).to_have_count(0)
    assert_accessible(page, "Modifier mon compte depuis l'onglet Identification")


# -- "Enregistrer" after the period closed during a modification ------------------------------


def _with_db(live_server, work: Callable[[Database], Awaitable[Any]]) -> Any:  # type: ignore[no-untyped-def]
    """Run ``work`` against the live server's database (from another thread: Playwright's sync
    API owns this one's event loop)."""
    settings = Settings.from_env({**live_server.env})

    async def run() -> Any:
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _register_bia_versailles(live_server, email: str) -> int:  # type: ignore[no-untyped-def]
    """A saved BIA registration in Versailles (open in the demo), living at 78270 BLARU; its
    period's id."""

    async def work(db: Database) -> int:
        now = datetime.now(UTC)
        async with db.read() as session:
            account = (await session.exec(select(Account).where(Account.email == email))).one()
            period = (
                await session.exec(
                    select(OpeningPeriod)
                    .join(Specialty, Specialty.id == OpeningPeriod.specialty_id)
                    .join(Qualification, Qualification.id == Specialty.qualification_id)
                    .where(Qualification.code == "BIA", OpeningPeriod.academy_code == "versailles")
                )
            ).one()
            assert period.is_open(now)
            view = await get_period(session, period.id)
            assert view is not None
            clean = {
                "identification": {
                    "address_country": "100",
                    "address1": "Rue de la pluie",
                    "postal_code": "78270",
                    "commune": "78068",
                    "locality": "BLARU",
                    "nationality": "100",
                    "phone": "",
                },
                "qualification": {},
                "papers": {"optional": [], "choice": {}},
            }
            wizard = await load_wizard(
                session,
                account=account,
                entry=Entry(view.id, view.domain_code, view.academy.code),
                data={"clean": clean, "raw": {}},
                now=now,
            )
        assert wizard is not None
        draft = await drafts.open_new_draft(db, account.id, period, now)
        await saving.save(
            db,
            draft,
            period_id=period.id,
            record=wizard.record(),
            summary=summary.build(wizard),
            now=now,
            on_saved=ON_REGISTRATION_SAVED,
        )
        return period.id

    return _with_db(live_server, work)  # type: ignore[no-any-return]


def _set_closing(live_server, period_id: int, closes_at: datetime) -> datetime:  # type: ignore[no-untyped-def]
    """Move a period's closing (the catalog's version follows, so the server sees it on its
    next request); the closing it had."""

    async def work(db: Database) -> datetime:
        async with db.write() as session:
            period = await session.get(OpeningPeriod, period_id)
            assert period is not None
            before = period.closes_at
            period.closes_at = closes_at
            session.add(period)
        return before

    return _with_db(live_server, work)  # type: ignore[no-any-return]


@contextmanager
def _closed(live_server, period_id: int) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The period closed an hour ago, for the time of the block only (the demo's BIA in
    Versailles is open again for the tests that follow)."""
    before = _set_closing(live_server, period_id, datetime.now(UTC) - timedelta(hours=1))
    try:
        yield
    finally:
        _set_closing(live_server, period_id, before)


def _modify_up_to_the_recap(page: Page) -> None:
    page.goto("/mes-inscriptions")
    page.get_by_role("button", name="Modifier la candidature n° 001").click()
    expect(page.get_by_role("heading", level=1, name="Modifier mon inscription")).to_be_visible()
    page.goto(page.url.rsplit("/", 1)[0] + "/recapitulatif")  # every tab is filled in
    expect(page.get_by_role("heading", level=2, name="4 - Récapitulatif")).to_be_visible()


def _expect_closed_on_the_page(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/mes-inscriptions$"))
    expect(page.get_by_role("heading", level=1, name="Mes inscriptions")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text(
        re.compile(r"Le service d'inscription est fermé depuis le \d\d/\d\d/\d{4} à \d\d:\d\d")
    )
    expect(page.locator("#flash")).to_contain_text("(heure de Paris)")
    expect(page.get_by_text("Page introuvable")).to_have_count(0)
    expect(page.locator("header.site-header")).to_have_count(1)


def test_saving_after_the_period_closed_says_so_with_javascript(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "states-closed-js@example.fr")
    period_id = _register_bia_versailles(live_server, email)
    log_in(page, email)
    _modify_up_to_the_recap(page)
    wait_for_htmx(page)
    # The recap's "Modifier" is a whole page (never boosted into the tab), and comes back.
    page.get_by_role("link", name="Modifier : Adresse et contact").click()
    expect(page.get_by_role("heading", level=2, name="1 - Identification")).to_be_visible()
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.get_by_label("Nom de famille", exact=True)).to_have_value("TALU")
    wait_for_htmx(page)
    next_tab(page)
    expect(page.get_by_role("heading", level=2, name="4 - Récapitulatif")).to_be_visible()
    wait_for_htmx(page)
    with _closed(live_server, period_id):
        page.get_by_role("button", name="Enregistrer").click()
        _expect_closed_on_the_page(page)
        assert_accessible(page, "Mes inscriptions, service fermé pendant une modification")


def test_saving_after_the_period_closed_says_so_without_javascript(
    page_nojs: Page, live_server
) -> None:  # type: ignore[no-untyped-def]
    email = create_candidate(live_server, "states-closed-nojs@example.fr")
    period_id = _register_bia_versailles(live_server, email)
    log_in(page_nojs, email)
    _modify_up_to_the_recap(page_nojs)
    with _closed(live_server, period_id):
        page_nojs.get_by_role("button", name="Enregistrer").click()
        _expect_closed_on_the_page(page_nojs)


# -- "Modifier mon compte" with a stale form token --------------------------------------------


@pytest.fixture
def page_refused(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page with JavaScript on whose console may report the 403 a test provokes."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    problems = ExpectedFailures()
    context.on("console", problems.console)
    context.on("weberror", lambda web_error: problems.page_error(web_error.error))
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not problems.messages, "\n".join(problems.messages)


def test_stale_token_on_modifier_mon_compte_says_so_and_keeps_what_was_typed(
    page_refused: Page, live_server
) -> None:  # type: ignore[no-untyped-def]
    """Not a forged token: the browser's token cookie was renewed meanwhile (it expired, another
    tab got a new one), so the form left open carries a stale one."""
    page = page_refused
    log_in(page, create_candidate(live_server, "states-stale@example.fr"))
    page.goto("/compte/modifier")
    usage = page.locator("#champ-usage-name")
    usage.fill("TALU-NOUVEAU")
    # Leave the field first: its inline check runs now, with the valid token. Clicking
    # "Enregistrer" straight from the field sends the check too, and the alert its 403 brings
    # can move the button between mouse down and up, so that the click never lands.
    usage.press("Tab")
    wait_for_htmx(page)
    stale = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    page.context.clear_cookies(name="csrftoken")
    other = page.context.new_page()
    other.goto("/")
    other.close()
    renewed = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    assert renewed != stale
    page.get_by_role("button", name="Enregistrer").click()
    alert = page.locator("#alerte")
    expect(alert).to_contain_text("Ce formulaire avait expiré")
    expect(alert).to_contain_text("envoyez-le à nouveau")
    expect(usage).to_have_value("TALU-NOUVEAU")  # nothing typed is lost
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier mes informations")
    assert_accessible(page, "Modifier mon compte, jeton périmé")
    wait_for_htmx(page)  # the forms renewed with the valid token before sending again
    page.get_by_role("button", name="Envoyer à nouveau").click()
    expect(alert).to_be_empty()
    expect(page.locator("#flash")).to_contain_text(
        "Vos informations ont été enregistrées.", timeout=20_000
    )
    page.goto("/compte/modifier")
    expect(page.locator("#champ-usage-name")).to_have_value("TALU-NOUVEAU")
