"""Piece review and the scan of postal pieces in Chromium: axe-clean in every state with
JavaScript on (statuses swapped in place, focus on what answered, the scan's answer in a live
region with a sound made by the Web Audio API), by plain forms with JavaScript off, and by
keyboard only. The candidates register for the BIA in Lyon, whose pieces these tests add (other
browser tests use Versailles and keep its demo pieces)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import OpeningPeriod, Qualification, Specialty
from portal.db import Database
from portal.management import slips
from portal.pieces import service as pieces_service
from portal.pieces.models import Piece, ScanState
from portal.pieces.storage import Storage
from portal.settings import Settings
from tests._support.registrations import save_registration
from tests.browser.helpers import assert_accessible, is_focused, tab_to, wait_for_htmx
from tests.browser.test_backoffice import _run, create_manager, manager_log_in
from tests.browser.test_registrations import create_candidate
from tests.pieces.helpers import pdf_bytes

pytestmark = pytest.mark.browser

ONLINE = "Justificatif d'identité (navigateur)"
POSTAL = "Attestation de recensement (navigateur)"
CLEAN = {
    "identification": {
        "address_country": "100",
        "address1": "Rue de la pluie",
        "postal_code": "69001",
        "locality": "LYON",
        "nationality": "100",
        "phone": "",
    },
    "qualification": {},
    "papers": {"optional": [], "choice": {}},
}


@dataclass
class Case:
    registration_id: int
    online_id: int
    postal_id: int
    slip: str


def prepare(live_server, email: str) -> Case:  # type: ignore[no-untyped-def]
    """A BIA registration in Lyon asked an online piece (a PDF deposited) and a postal piece
    (its cover slip made, as publishing the demande makes it)."""
    create_candidate(live_server, email)
    settings = Settings.from_env({**live_server.env})

    async def write() -> Case:
        db = Database(settings.database_url)
        now = datetime.now(UTC)
        try:
            async with db.write() as session:
                account = (await session.exec(select(Account).where(Account.email == email))).one()
                period = (
                    await session.exec(
                        select(OpeningPeriod)
                        .join(Specialty, Specialty.id == OpeningPeriod.specialty_id)
                        .join(Qualification, Qualification.id == Specialty.qualification_id)
                        .where(Qualification.code == "BIA", OpeningPeriod.academy_code == "lyon")
                    )
                ).one()
                ids = {}
                for code, label, mode in (
                    ("NAV-ID", ONLINE, "online"),
                    ("NAV-RECENS", POSTAL, "postal"),
                ):
                    piece = (
                        await session.exec(
                            select(Piece).where(
                                Piece.code == code, Piece.session_id == period.session_id
                            )
                        )
                    ).first()
                    if piece is None:
                        piece = Piece(
                            session_id=period.session_id,
                            academy_code="lyon",
                            code=code,
                            label=label,
                            group_label="Dossier",
                            deposit_mode=mode,
                            opens_at=now - timedelta(days=1),
                            closes_at=now + timedelta(days=30),
                            formats="pdf",
                        )
                        session.add(piece)
                        await session.flush()
                    ids[mode] = piece.id
            registration = await save_registration(db, account.id, period, CLEAN, now)
            storage = Storage.under(settings.data_dir)
            storage.ensure()
            data = pdf_bytes()
            stored = storage.keep(storage.temporary_with(data))
            async with db.write() as session:
                await pieces_service.record_upload(
                    session,
                    registration,
                    ids["online"],
                    storage_name=stored,
                    file_name="identite.pdf",
                    media_type="application/pdf",
                    size=len(data),
                    sha256="0" * 64,
                    scan=ScanState.unscanned,
                    now=now,
                )
                codes = await slips.slip_codes(session, registration.id, [ids["postal"]], now)
            return Case(registration.id, ids["online"], ids["postal"], codes[ids["postal"]])  # type: ignore[arg-type]
        finally:
            await db.dispose()

    return _run(write())


def open_review(page: Page, case: Case) -> None:
    page.goto(f"/gestion/inscriptions/{case.registration_id}")
    page.get_by_role("link", name="Contrôler les pièces justificatives et leurs fichiers").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Pièces justificatives"))
    ).to_be_visible()


def block(page: Page, piece_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f"#review-piece-{piece_id}")


def test_review_with_javascript_in_place_and_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    case = prepare(live_server, "review-js@example.fr")
    create_manager(live_server, "review-js.manager@ac-lyon.fr", academies=("lyon",))
    manager_log_in(page, "review-js.manager@ac-lyon.fr")
    open_review(page, case)
    assert_accessible(page, "pieces review")
    online = block(page, case.online_id)
    link = online.get_by_role("link", name=re.compile("identite.pdf"))
    opened = page.request.get(link.get_attribute("href") or "")
    assert opened.status == 200 and opened.body() == pdf_bytes()
    url = page.url
    # "Non conforme" without a comment: the message next to the field, focus on the field
    online.get_by_label("Non conforme", exact=True).check()
    online.get_by_role("button", name=re.compile("Enregistrer le statut")).click()
    wait_for_htmx(page)
    error = online.locator(".field-error")
    expect(error).to_contain_text("Indiquez pourquoi la pièce n'est pas conforme")
    comment = online.get_by_label(re.compile("Commentaire au candidat"))
    assert is_focused(comment)
    assert page.url == url  # swapped in place, no navigation
    assert_accessible(page, "pieces review, comment missing")
    comment.fill("Le verso manque.")
    online.get_by_role("button", name=re.compile("Enregistrer le statut")).click()
    wait_for_htmx(page)
    expect(online.get_by_text("Statut enregistré : Non conforme.")).to_be_visible()
    expect(online.locator(".piece-status")).to_contain_text("Non conforme")
    expect(online.locator(".manager-comment")).to_contain_text("Le verso manque.")
    assert is_focused(online.get_by_role("heading", name=ONLINE))
    assert_accessible(page, "pieces review, saved")
    # the audit entry shows on the registration's page
    page.goto(f"/gestion/inscriptions/{case.registration_id}")
    expect(page.get_by_role("cell", name="Pièce justificative contrôlée")).to_be_visible()


def test_review_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    case = prepare(live_server, "review-nojs@example.fr")
    create_manager(live_server, "review-nojs.manager@ac-lyon.fr", academies=("lyon",))
    manager_log_in(page, "review-nojs.manager@ac-lyon.fr")
    open_review(page, case)
    postal = block(page, case.postal_id)
    postal.get_by_label("Non conforme", exact=True).check()
    postal.get_by_role("button", name=re.compile("Enregistrer le statut")).click()
    expect(page.get_by_role("heading", name="Le formulaire contient 1 erreur")).to_be_visible()
    expect(block(page, case.postal_id).locator(".field-error")).to_contain_text("Indiquez pourquoi")
    postal = block(page, case.postal_id)
    postal.get_by_label("Reçue", exact=True).check()
    postal.get_by_role("button", name=re.compile("Enregistrer le statut")).click()
    expect(page.get_by_text("Statut enregistré : Reçue.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/pieces#review-piece-{case.postal_id}$"))
    today = f"{datetime.now(UTC).astimezone(ZoneInfo('Europe/Paris')):%d/%m/%Y}"
    expect(block(page, case.postal_id).locator(".piece-status")).to_contain_text(
        f"Reçue – Date de réception : {today}"
    )
    # Marked by mistake: "Aucun statut" takes it back, by plain form too.
    postal = block(page, case.postal_id)
    postal.get_by_label("Aucun statut", exact=True).check()
    postal.get_by_role("button", name=re.compile("Enregistrer le statut")).click()
    expect(page.get_by_text("Statut enregistré : Aucun statut.")).to_be_visible()
    status = block(page, case.postal_id).locator(".piece-status")
    expect(status).to_contain_text("aucun")
    expect(status).not_to_contain_text("Date de réception")


def test_review_by_keyboard_only(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    case = prepare(live_server, "review-keys@example.fr")
    create_manager(live_server, "review-keys.manager@ac-lyon.fr", academies=("lyon",))
    manager_log_in(page, "review-keys.manager@ac-lyon.fr")
    open_review(page, case)
    online = block(page, case.online_id)
    tab_to(page, online.get_by_label("Reçue", exact=True), max_tabs=60)
    page.keyboard.press("ArrowDown")  # radios: the arrow keys move to "Non conforme"
    page.keyboard.press("ArrowDown")  # then "Conforme"
    assert is_focused(online.get_by_label("Conforme", exact=True))
    tab_to(page, online.get_by_role("button", name=re.compile("Enregistrer le statut")))
    page.keyboard.press("Enter")
    wait_for_htmx(page)
    expect(online.get_by_text("Statut enregistré : Conforme.")).to_be_visible()
    assert is_focused(online.get_by_role("heading", name=ONLINE))


def test_scan_page_with_javascript_sound_and_live_region(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    case = prepare(live_server, "scan-js@example.fr")
    create_manager(live_server, "scan-js.manager@ac-lyon.fr", academies=("lyon",))
    manager_log_in(page, "scan-js.manager@ac-lyon.fr")
    page.goto("/gestion/bordereaux")
    field = page.get_by_label("Code du bordereau")
    expect(field).to_be_focused()  # the scanner types straight away
    assert_accessible(page, "scan page")
    # count the tones the page makes (the Web Audio API, nothing fetched)
    page.evaluate(
        "() => { window.__tones = 0; const make = AudioContext.prototype.createOscillator;"
        " AudioContext.prototype.createOscillator = function () { window.__tones += 1;"
        " return make.call(this); }; }"
    )
    page.keyboard.type(case.slip)  # as a USB scanner: the code, then Enter
    page.keyboard.press("Enter")
    wait_for_htmx(page)
    result = page.locator("#scan-result")
    expect(result).to_have_attribute("role", "status")
    expect(result).to_contain_text(f"« {POSTAL} » de TALU Jean")
    expect(result).to_contain_text(re.compile(r"^Reçue le \d\d/\d\d/\d{4}"))
    expect(field).to_have_value("")
    expect(field).to_be_focused()  # ready for the next slip
    assert page.evaluate("() => window.__tones") == 1
    assert_accessible(page, "scan page, received")
    page.keyboard.type(case.slip)
    page.keyboard.press("Enter")
    wait_for_htmx(page)
    expect(result).to_contain_text("Déjà reçue")
    assert page.evaluate("() => window.__tones") == 3  # two short tones: nothing changed
    page.keyboard.type("INCONNU")
    page.keyboard.press("Enter")
    wait_for_htmx(page)
    expect(result).to_contain_text("Ce code ne correspond à aucun bordereau")
    assert page.evaluate("() => window.__tones") == 4
    assert_accessible(page, "scan page, unknown code")
    # the piece is received on the review page
    open_review(page, case)
    expect(block(page, case.postal_id).locator(".piece-status")).to_contain_text("Reçue")


def test_scan_page_without_javascript(page_nojs: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = page_nojs
    case = prepare(live_server, "scan-nojs@example.fr")
    create_manager(live_server, "scan-nojs.manager@ac-lyon.fr", academies=("lyon",))
    manager_log_in(page, "scan-nojs.manager@ac-lyon.fr")
    page.goto("/gestion/bordereaux")
    field = page.get_by_label("Code du bordereau")
    field.fill(slips.grouped(case.slip).lower())  # typed by hand, as printed
    field.press("Enter")
    expect(page.locator("#flash")).to_contain_text(f"« {POSTAL} » de TALU Jean")
    expect(page.get_by_label("Code du bordereau")).to_have_value("")
    page.get_by_label("Code du bordereau").fill("ABCD")
    page.get_by_role("button", name="Marquer la pièce reçue").click()
    expect(page.locator("#flash")).to_contain_text("Ce code ne correspond à aucun bordereau")


def test_piece_filter_and_relance_preview_are_accessible(page: Page, live_server) -> None:  # type: ignore[no-untyped-def]
    case = prepare(live_server, "relance-js@example.fr")
    create_manager(live_server, "relance-js.manager@ac-lyon.fr", academies=("lyon",))
    manager_log_in(page, "relance-js.manager@ac-lyon.fr")
    page.get_by_label("Pièces justificatives").select_option("manquantes")
    page.get_by_role("button", name="Afficher").click()
    wait_for_htmx(page)
    expect(page).to_have_url(re.compile(r"/gestion\?.*pieces=manquantes"))
    expect(page.locator("#management-results")).to_contain_text("TALU Jean")
    assert_accessible(page, "list filtered on missing pieces")
    page.get_by_role("link", name=re.compile("Publier un document pour les inscriptions")).click()
    expect(page.locator("#publish-count")).to_contain_text("inscription")
    assert_accessible(page, "publish form for the filtered list")
    # this registration alone: only its missing postal piece is reminded
    page.goto(f"/gestion/inscriptions/{case.registration_id}")
    page.get_by_role("link", name="Publier un document").click()
    page.get_by_label("Relance de pièces justificatives").check()
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(
        page.get_by_role("heading", name="Aperçu : Relance de pièces justificatives")
    ).to_be_visible()
    expect(page.locator("#apercu")).to_contain_text(POSTAL)
    expect(page.locator("#apercu")).not_to_contain_text(ONLINE)  # deposited: not reminded
    expect(page.get_by_role("button", name="Publier pour 1 inscription")).to_be_visible()
    assert_accessible(page, "relance preview")
