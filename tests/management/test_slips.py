"""Postal pieces by their cover slip (issue 13 item 6): the "Demande de pièces justificatives"
published from the catalog carries a slip per postal piece whose QR code holds a random code;
the round trip — the candidate's PDF, its QR image read back with pypdf and decoded with
zxing-cpp, posted to the scan page — marks the piece "Reçue" today; an unknown code or one of
another académie changes nothing and says so."""

from __future__ import annotations

import dataclasses
import io
from html import unescape
from zoneinfo import ZoneInfo

import zxingcpp
from pypdf import PdfReader
from sqlmodel import select

from portal.accounts.models import Account
from portal.accounts.records import erase
from portal.catalog.models import OpeningPeriod
from portal.catalog.models import Session as ExamSession
from portal.composition import ACCOUNT_HOOKS, RETENTION_REGISTRATION_ERASERS
from portal.management import slips
from portal.management.models import PieceSlip
from portal.management.retention import purge
from tests._support.candidates import log_in as candidate_login
from tests.documents.helpers import pdf_text
from tests.management.conftest import (
    NATIONAL_MANAGER,
    RENNES_MANAGER,
    VERSAILLES_MANAGER,
    manager_login,
)
from tests.management.review_helpers import (
    VERSAILLES_CANDIDATE,
    add_pieces,
    audit_entries,
    standing,
)

PARIS = ZoneInfo("Europe/Paris")


async def publish_request(client, app, registration_id: int) -> None:  # type: ignore[no-untyped-def]
    """The manager publishes the catalog's "Demande de pièces" to one registration."""
    url = app.route_reverse("management:publish")
    values = {
        "inscription": str(registration_id),
        "kind": "demande-pieces",
        "source": "catalogue",
    }
    preview = unescape((await client.submit(url, {**values, "action": "apercu"})).text)
    assert "Aperçu : Demande de pièces justificatives" in preview
    assert "Extrait de casier judiciaire" in preview and "Copie de la pièce d'identité" in preview
    assert "Publier pour 1 inscription" in preview
    done = await client.submit(url, {**values, "expected": "1", "action": "publier"})
    assert done.status_code == 303, done.text


def qr_codes(pdf: bytes) -> list[str]:
    """Every QR code drawn in the PDF, decoded from its images."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            found += [code.text for code in zxingcpp.read_barcodes(image.image)]
    return found


async def test_qr_round_trip_marks_the_postal_piece_received(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pieces = await add_pieces(db, world, clock)
    await manager_login(client, VERSAILLES_MANAGER)
    await publish_request(client, app, world.versailles.id)
    await client.submit(app.route_reverse("accounts:logout"))

    # the candidate downloads the demande: one slip, for the postal piece only
    await candidate_login(client, VERSAILLES_CANDIDATE)
    pdf = await client.get(app.route_reverse("documents:pdf", number="001", kind="demande-pieces"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    [code] = qr_codes(pdf.content)
    async with db.read() as session:
        [slip] = (await session.exec(select(PieceSlip))).all()
    assert code == slip.code and slip.piece_id == pieces.postal.id
    assert len(code) == slips.LENGTH and set(code) <= set(slips.ALPHABET)
    assert str(world.versailles.id) != code and str(pieces.postal.id) not in code
    text = pdf_text(pdf.content)
    assert "Bordereau à joindre à votre envoi" in text
    assert slips.grouped(code) in text  # printed too, to be typed by hand
    twin = unescape(
        (
            await client.get(
                app.route_reverse("documents:show", number="001", kind="demande-pieces")
            )
        ).text
    )
    assert slips.grouped(code) in twin  # the accessible twin names the slip as well
    await client.submit(app.route_reverse("accounts:logout"))

    # a Rennes manager scans it: not one of theirs, nothing changes
    await manager_login(client, RENNES_MANAGER)
    foreign = await client.submit(app.route_reverse("management:scan"), {"code": code})
    assert foreign.status_code == 303
    page = unescape((await client.get(foreign.headers["location"])).text)
    assert "Ce code ne correspond à aucun bordereau des académies que vous gérez" in page
    assert await standing(db, world.versailles.id, pieces.postal.id) is None
    await client.submit(app.route_reverse("accounts:logout"))

    # the Versailles manager scans it (the scanner types the code, then Enter)
    await manager_login(client, VERSAILLES_MANAGER)
    form = unescape((await client.get(app.route_reverse("management:scan_form"))).text)
    assert 'name="code"' in form and "autofocus" in form
    scanned = await client.submit(app.route_reverse("management:scan"), {"code": code})
    assert scanned.status_code == 303
    assert scanned.headers["location"] == app.route_reverse("management:scan_form")
    answer = unescape((await client.get(scanned.headers["location"])).text)
    day = f"{clock().astimezone(PARIS):%d/%m/%Y}"
    assert (
        f"Reçue le {day} : « Extrait de casier judiciaire » de MARTIN Alice "
        f"(N° candidat {await candidate_number(db, world.versailles_candidate)}, inscription 001)."
    ) in answer
    row = await standing(db, world.versailles.id, pieces.postal.id)
    assert row is not None and row.status == "received"
    assert row.received_on == clock().astimezone(PARIS).date()
    [entry] = await audit_entries(db, "piece_scanned")
    assert entry.actor_email == VERSAILLES_MANAGER and entry.registration_id == world.versailles.id
    assert entry.after["Extrait de casier judiciaire : statut"] == "Reçue"
    assert entry.before["Extrait de casier judiciaire : statut"] is None

    # scanned again (with htmx, typed by hand in lower case with spaces): already received
    again = await client.submit(
        app.route_reverse("management:scan"),
        {"code": slips.grouped(code).lower()},
        headers={"HX-Request": "true", "HX-Target": "scan-result"},
    )
    assert again.status_code == 200 and "<html" not in again.text
    assert 'data-scan="info"' in again.text
    assert f"Déjà reçue le {day}" in unescape(again.text)
    assert len(await audit_entries(db, "piece_scanned")) == 1

    # the candidate sees it received in "Mes justificatifs"
    await client.submit(app.route_reverse("accounts:logout"))
    await candidate_login(client, VERSAILLES_CANDIDATE)
    mine = unescape((await client.get(app.route_reverse("pieces:list"))).text)
    assert "Reçue" in mine and f"Date de réception : {day}" in mine


async def candidate_number(db, account_id: int) -> str:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        account = await session.get(Account, account_id)
    assert account is not None and account.candidate_number
    return account.candidate_number


async def test_an_unknown_code_changes_nothing(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await add_pieces(db, world, clock)
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse("management:scan")
    headers = {"HX-Request": "true", "HX-Target": "scan-result"}
    for typed in ("BCDEFGHJKNPRSTUV", "12345", "<script>", str(world.versailles.id)):
        answer = await client.submit(url, {"code": typed}, headers=headers)
        assert answer.status_code == 200
        assert 'data-scan="error"' in answer.text
        assert slips.UNKNOWN in unescape(answer.text)
        assert "<script>" not in answer.text
    empty = await client.submit(url, {"code": "  "}, headers=headers)
    assert "Scannez le bordereau, ou saisissez son code." in unescape(empty.text)
    assert await audit_entries(db) == []


async def test_a_withdrawn_registration_slip_is_refused(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    pieces = await add_pieces(db, world, clock)
    await manager_login(client, VERSAILLES_MANAGER)
    await publish_request(client, app, world.versailles.id)
    async with db.read() as session:
        [slip] = (await session.exec(select(PieceSlip))).all()
    withdraw = app.route_reverse("management:withdraw", registration_id=world.versailles.id)
    assert (await client.submit(withdraw, {"reason": "Demande écrite"})).status_code == 303
    answer = await client.submit(
        app.route_reverse("management:scan"),
        {"code": slip.code},
        headers={"HX-Request": "true", "HX-Target": "scan-result"},
    )
    assert 'data-scan="error"' in answer.text and "est désinscrite" in unescape(answer.text)
    assert await standing(db, world.versailles.id, pieces.postal.id) is None


def test_codes_are_random_and_typed_the_same_on_azerty_and_qwerty() -> None:
    codes = {slips.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == slips.LENGTH and set(c) <= set(slips.ALPHABET) for c in codes)
    assert not set(slips.ALPHABET) & set("AQWZM0123456789ILO")
    assert slips.normalized(" bcde-fghj kNPR stuv\n") == "BCDEFGHJKNPRSTUV"


async def test_slips_go_with_their_registrations(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    """An erased account (its own request) and the retention purge take the slips along: the
    slip's foreign key never blocks them."""
    db = app.state.db
    await add_pieces(db, world, clock)
    await manager_login(client, NATIONAL_MANAGER)
    await publish_request(client, app, world.versailles.id)
    url = app.route_reverse("management:publish")
    rennes = {"inscription": str(world.rennes.id), "kind": "demande-pieces", "source": "catalogue"}
    assert (
        await client.submit(url, {**rennes, "expected": "1", "action": "publier"})
    ).status_code == 303
    async with db.read() as session:
        assert len((await session.exec(select(PieceSlip))).all()) == 2
    async with db.write() as session:
        account = await session.get(Account, world.versailles_candidate)
        await erase(session, [account], ACCOUNT_HOOKS)  # type: ignore[list-item]
    async with db.read() as session:
        [left] = (await session.exec(select(PieceSlip))).all()
    assert left.registration_id == world.rennes.id
    settings = dataclasses.replace(app.state.settings, retention_closed_session_days=1)
    async with db.write() as session:
        period = await session.get(OpeningPeriod, world.rennes.opening_period_id)
        exam = await session.get(ExamSession, period.session_id)  # type: ignore[union-attr]
        exam.ends_on = clock().date()  # type: ignore[union-attr]
        session.add(exam)
    clock.advance(days=3)
    purged = await purge(db, settings, clock(), ACCOUNT_HOOKS, RETENTION_REGISTRATION_ERASERS)
    assert purged.registrations == 1
    async with db.read() as session:
        assert (await session.exec(select(PieceSlip))).all() == []
