"""Mes justificatifs in Chromium: upload, delete and "J'ai fourni toutes mes pièces" with
JavaScript on (the row swaps in place) and off (plain multipart forms and redirects), by keyboard
only; axe-core finds no violation in any state (empty, uploaded, error, locked, each status);
the progress bar moves for a large upload at an emulated 400 kbit/s."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.accounts.models import Account
from portal.db import Database
from portal.pieces import service
from portal.pieces.models import Piece, PieceStatus
from portal.registrations.models import Registration
from portal.settings import Settings
from tests.browser.helpers import assert_accessible, is_focused, tab_to, wait_for_htmx
from tests.browser.test_documents import register_with_documents
from tests.browser.test_registrations import create_candidate, log_in
from tests.pieces.helpers import pdf_bytes

pytestmark = pytest.mark.browser
LABEL = "Fichier pour « Autorisation parentale (candidats mineurs) »"
LOCK = "J'ai fourni toutes mes pièces"


def _run(live_server, coro_factory):  # type: ignore[no-untyped-def]
    settings = Settings.from_env({**live_server.env})

    async def work():  # type: ignore[no-untyped-def]
        db = Database(settings.database_url)
        try:
            return await coro_factory(db)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work()).result()


def set_status(live_server, email: str, status: PieceStatus, **kwargs) -> None:  # type: ignore[no-untyped-def]
    async def write(db: Database) -> None:
        async with db.write() as session:
            account = (await session.exec(select(Account).where(Account.email == email))).one()
            registration = (
                await session.exec(
                    select(Registration).where(Registration.account_id == account.id)
                )
            ).one()
            piece = (await session.exec(select(Piece).where(Piece.code == "AUTORISATION"))).one()
            await service.set_status(
                session, registration, piece.id, status, now=datetime.now(UTC), **kwargs
            )

    _run(live_server, write)


def candidate_with_bia(live_server, email: str) -> str:  # type: ignore[no-untyped-def]
    create_candidate(live_server, email)
    register_with_documents(live_server, email)  # BIA in Versailles: the AUTORISATION piece
    return email


def pdf_file(name: str = "autorisation.pdf", data: bytes | None = None) -> dict:
    return {
        "name": name,
        "mimeType": "application/pdf",
        "buffer": pdf_bytes() if data is None else data,
    }


def test_upload_delete_lock_and_statuses_with_javascript(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = candidate_with_bia(live_server, "pieces-js@example.fr")
    log_in(page, email)
    page.goto("/mes-justificatifs")
    expect(page.get_by_role("heading", level=1, name="Mes justificatifs")).to_be_visible()
    expect(
        page.get_by_text("Formats acceptés : PDF, JPEG, PNG ou photo HEIC (iPhone)")
    ).to_be_visible()
    assert_accessible(page, "empty")
    # an error, in place
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file("vide.pdf", b""))
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("Le fichier « vide.pdf » est vide.")).to_be_visible()
    assert page.url.endswith("/mes-justificatifs")
    assert_accessible(page, "error")
    # the row swaps with the new file
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file())
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_role("link", name="autorisation.pdf")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Le fichier « autorisation.pdf » a été déposé.")
    assert page.url.endswith("/mes-justificatifs")
    assert_accessible(page, "uploaded")
    page.get_by_role("button", name="Supprimer le fichier autorisation.pdf").click()
    expect(page.get_by_role("link", name="autorisation.pdf")).to_have_count(0)
    wait_for_htmx(page)
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file())
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_role("link", name="autorisation.pdf")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_role("button", name=LOCK).click()
    expect(page.get_by_text("Vous avez indiqué avoir fourni toutes les pièces")).to_be_visible()
    expect(page.get_by_role("button", name="Supprimer le fichier autorisation.pdf")).to_have_count(
        0
    )
    assert_accessible(page, "locked")
    for status, words in (
        (PieceStatus.received, "Reçue"),
        (PieceStatus.non_compliant, "Non conforme"),
        (PieceStatus.compliant, "Conforme"),
    ):
        set_status(
            live_server, email, status, comment="Pièce illisible", received_on=date(2019, 9, 23)
        )
        page.reload()
        expect(page.locator(".piece-status strong")).to_have_text(words)
        assert_accessible(page, words)


def test_the_badge_refreshes_in_place(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = candidate_with_bia(live_server, "pieces-poll@example.fr")
    # The page's timers on a clock of the test's own: the 30 s poll is jumped to, not waited for.
    page.clock.install()
    log_in(page, email)
    page.goto("/mes-justificatifs")
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file())
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_role("link", name="autorisation.pdf")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_role("button", name=LOCK).click()
    expect(page.get_by_text("Vous avez indiqué avoir fourni toutes les pièces")).to_be_visible()
    row = page.locator("li.piece").first
    trigger = row.get_attribute("data-hx-trigger")
    assert trigger == "every 30s"
    # A manager's status, while the page stays open: the row's own poll brings it in.
    set_status(live_server, email, PieceStatus.compliant)
    page.clock.run_for(20_000)
    expect(row).not_to_contain_text("Conforme")  # not before its 30 s
    page.clock.run_for(11_000)
    expect(row.locator(".piece-status strong")).to_have_text("Conforme")
    assert page.locator("li.piece[data-hx-trigger]").count() == 0  # nothing can change: stops


def test_upload_delete_and_lock_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    email = candidate_with_bia(live_server, "pieces-nojs@example.fr")
    log_in(page, email)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes justificatifs"
    ).click()
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file("vide.pdf", b""))
    page.get_by_role("button", name="Ajouter").click()
    expect(page.locator(".error-summary")).to_contain_text("Le fichier « vide.pdf » est vide.")
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file())
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("Le fichier « autorisation.pdf » a été déposé.")).to_be_visible()
    page.get_by_role("button", name="Supprimer le fichier autorisation.pdf").click()
    expect(page.get_by_text("Le fichier « autorisation.pdf » a été supprimé.")).to_be_visible()
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file())
    page.get_by_role("button", name="Ajouter").click()
    page.get_by_role("button", name=LOCK).click()
    expect(
        page.get_by_text("Vos pièces sont transmises au gestionnaire pour contrôle.")
    ).to_be_visible()
    expect(page.get_by_text("Vous avez indiqué avoir fourni toutes les pièces")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_keyboard_only(browser, live_server, javascript: bool) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        email = candidate_with_bia(
            live_server, f"pieces-keys-{'js' if javascript else 'nojs'}@example.fr"
        )
        log_in(page, email)
        page.goto("/mes-justificatifs")
        file_input = page.get_by_label(LABEL, exact=True)
        tab_to(page, file_input)
        file_input.set_input_files(pdf_file())  # the file picker is the system's own dialog
        add = page.get_by_role("button", name="Ajouter")
        tab_to(page, add)
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="autorisation.pdf")).to_be_visible()
        if javascript:
            wait_for_htmx(page)
            # the replaced button's focus moves to the piece's heading, not to the page's top
            heading = page.locator("li.piece h4").first
            expect(heading).to_be_focused()
        lock = page.get_by_role("button", name=LOCK)
        tab_to(page, lock, max_tabs=120)
        assert is_focused(lock)
        page.keyboard.press("Enter")
        expect(page.get_by_text("Vous avez indiqué avoir fourni toutes les pièces")).to_be_visible()
        if javascript:
            expect(page.locator("section.piece-group h3").first).to_be_focused()
    finally:
        context.close()


def test_progress_bar_moves_at_400_kbits(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    email = candidate_with_bia(live_server, "pieces-slow@example.fr")
    log_in(page, email)
    page.goto("/mes-justificatifs")
    big = pdf_bytes() + b"%" + b"x" * 400_000 + b"\n"
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 40, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
    )
    page.get_by_label(LABEL, exact=True).set_input_files(pdf_file("gros.pdf", big))
    page.get_by_role("button", name="Ajouter").click()
    page.wait_for_function(
        "() => { const p = document.querySelector('progress.upload-progress');"
        " return p && !p.hidden && p.value > 0 && p.value < 100; }",
        timeout=20_000,
    )
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(page.locator("li.piece").first).to_contain_text("gros.pdf", timeout=30_000)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_one_byte_too_big_is_answered_not_reset(browser, live_server, javascript: bool) -> None:  # type: ignore[no-untyped-def]
    """One byte over the piece's limit, from a real browser: the message comes back with and
    without JavaScript. (On 127.0.0.1 the answer arrives even when the rest of the body is not
    read; reading it to the end is for real networks, and this test does not prove it.)"""
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        email = candidate_with_bia(
            live_server, f"pieces-big-{'js' if javascript else 'nojs'}@example.fr"
        )
        log_in(page, email)
        page.goto("/mes-justificatifs")
        data = pdf_bytes()
        data += b"%" + b"x" * (5_000_001 - len(data) - 2) + b"\n"
        assert len(data) == 5_000_001
        page.get_by_label(LABEL, exact=True).set_input_files(pdf_file("gros.pdf", data))
        page.get_by_role("button", name="Ajouter").click()
        expect(
            page.get_by_text(
                "Le fichier « gros.pdf » dépasse la taille maximale de 5 Mo (5\u202f000\u202f000 octets)."
            ).first
        ).to_be_visible()
        if javascript:
            assert_accessible(page, "too big")
    finally:
        context.close()
