"""The documents themselves: read back from real PDFs with pypdf, versions, hostile input that
must print literally and fetch nothing, the verification page."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader
from sqlalchemy import delete
from sqlmodel import select

from portal.catalog.models import ManagingOffice, OpeningPeriod
from portal.dates import paris
from portal.db import Database
from portal.documents import codes, files, models, reading, service
from portal.documents.models import Document
from portal.documents.pdf import Renderer
from tests.documents.helpers import (
    modify_address,
    pdf_text,
    publish_current,
    register_bia,
    register_certification,
    registration_row,
    twin_text,
    words,
)
from tests.registrations.conftest import log_in, make_account

HOSTILE = "<b>&\"'"
VERIFY_URL = "http://127.0.0.1:8000/verifier"


async def render(app, settings, document: Document) -> str:  # type: ignore[no-untyped-def]
    renderer = Renderer(settings.pdf_font_dir, 2)  # worker processes, as the application's
    try:
        data = await files.document_pdf(settings, renderer, document, verify_url=VERIFY_URL)
    finally:
        renderer.close()
    return pdf_text(data)


async def test_recap_pdf_carries_names_numbers_version_date(
    client, app, candidate, clock, settings
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    document = await publish_current(app.state.db, clock())
    text = await render(app, settings, document)
    async with app.state.db.read() as session:
        from portal.accounts.models import Account

        account = await session.get(Account, candidate)
    assert "Récapitulatif d'inscription" in text
    assert "TALU Jean" in text and account.candidate_number in text
    assert "N° inscription" in text and "001" in text
    assert f"Version n°1 mis à jour le {paris(clock())}" in text
    assert "CERTIFICATION COMPLEMENTAIRE" in text and "ACADÉMIE DE VERSAILLES" in text
    assert "0783371R" in text  # workplace with its UAI
    assert "Epreuve(s) obligatoire(s)" in text
    assert "Service gestionnaire" in text and "Téléphone :" in text
    assert codes.grouped(document.verification_code) in text and VERIFY_URL in text
    assert "retourner" not in text  # only G01 is returned signed
    reader = PdfReader(io.BytesIO(files.cache_path(settings, document).read_bytes()))
    meta = reader.metadata
    assert meta.title.startswith("Récapitulatif d'inscription - ")
    assert meta.author == models.AUTHOR and "ACADÉMIE DE VERSAILLES" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "fr-FR"


async def test_g01_confirmation_says_return_it_signed_before_the_date(
    client, app, candidate, clock, settings
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_bia(client, app)
    document = await publish_current(app.state.db, clock())
    registration = await registration_row(app.state.db)
    async with app.state.db.read() as session:
        period = await session.get(OpeningPeriod, registration.opening_period_id)
    text = await render(app, settings, document)
    assert document.kind == "confirmation" and "Confirmation d'inscription" in text
    deadline = paris(period.closes_at, "dd/MM/yyyy")
    assert f"Document à retourner signé au service gestionnaire avant le {deadline}" in text
    assert "Date et signature du candidat" in text and "Signature" in text


async def test_a_modification_publishes_version_2_and_keeps_version_1(
    client, app, candidate, clock, settings
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    first = await publish_current(app.state.db, clock())
    assert (await publish_current(app.state.db, clock())).id == first.id  # a replay: same row
    clock.advance(minutes=5)
    await modify_address(client, "001", "Rue du soleil")
    second = await publish_current(app.state.db, clock())
    assert (first.version, second.version) == (1, 2)
    text = await render(app, settings, second)
    assert f"Version n°2 mis à jour le {paris(clock())}" in text and "Rue du soleil" in text
    old = await render(app, settings, first)
    assert "Version n°1" in old and "Rue de la pluie" in old  # kept for the record
    page = unescape((await client.get("/mes-documents/001")).text)
    assert "Version n°2" in page and "Version n°1" not in page  # the candidate sees the current
    assert "Rue du soleil" in pdf_text(
        (await client.get("/mes-documents/001/recapitulatif/pdf")).content
    )
    v1 = await client.get("/verifier", params={"code": first.verification_code})
    assert "Ce document n'est plus à jour" in unescape(v1.text)
    v2 = await client.get("/verifier", params={"code": second.verification_code})
    assert "C'est la version en vigueur" in unescape(v2.text)


async def test_a_hostile_name_prints_literally(
    client, app, demo, clock, settings, password_hash
) -> None:  # type: ignore[no-untyped-def]
    await make_account(
        app.state.db, clock, password_hash, "jean_talu@ac-rennes.fr", first_names=HOSTILE
    )
    await log_in(client)
    await register_certification(client, app)
    document = await publish_current(app.state.db, clock())
    text = await render(app, settings, document)
    assert f"TALU {HOSTILE}" in text
    twin = (await client.get("/mes-documents/001/recapitulatif")).text
    assert "<b>&" not in twin and "&lt;b&gt;&amp;" in twin


class Canary:
    """An HTTP server on 127.0.0.1 that counts every request it receives."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red; }")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


async def test_rendering_never_fetches_anything(
    app, demo, candidate, clock, settings, canary
) -> None:  # type: ignore[no-untyped-def]
    import httpx

    async with httpx.AsyncClient() as http:  # the canary does answer
        assert (await http.get(f"{canary.url}/alive")).status_code == 200
    canary.paths.clear()
    traps = [
        f"{canary.url}/plain-url",
        f'<img src="{canary.url}/img.png">',
        f'<link rel="stylesheet" href="{canary.url}/style.css">',
        f'<style>@import url("{canary.url}/import.css");</style>',
        f"@import url({canary.url}/bare-import.css);",
        f'<div style="background-image: url({canary.url}/bg.png)">x</div>',
    ]
    await register_in_db(app, clock)
    registration = await registration_row(app.state.db)
    summary = dict(registration.summary)
    summary["sections"].append({"title": traps[1], "rows": [[trap, trap] for trap in traps]})
    summary["papers"].append({"kind": traps[2], "label": traps[3], "mode": traps[4]})
    now = clock()
    async with app.state.db.write() as session:
        # The save published the plain summary: this version's is the one holding the traps.
        await session.exec(delete(Document).where(Document.registration_id == registration.id))
        documents = [
            await service.publish_summary(
                session, registration=registration, summary=summary, now=now
            ),
            await service.publish_pieces_request(
                session,
                registration=registration,
                now=now,
                requirements=[
                    {"label": trap, "mode": "postal", "deadline": now, "detail": trap}
                    for trap in traps
                ],
                return_address=traps,
            ),
            await service.publish_convocation(
                session,
                registration=registration,
                now=now,
                sittings=[{"paper": trap, "starts_at": now, "place": trap} for trap in traps],
            ),
        ]
    for document in documents:
        text = "".join((await render(app, settings, document)).split())  # narrow cells wrap
        assert f"{canary.url}/plain-url" in text and "<imgsrc=" in text  # printed, as text
    assert canary.paths == []


async def register_in_db(app, clock) -> None:  # type: ignore[no-untyped-def]
    """A saved registration made with the wizard's own objects (no HTTP needed here)."""
    from portal.accounts.models import Account
    from tests._support.registrations import save_registration
    from tests.registrations.conftest import IDENTIFICATION, SITUATION, period_id

    db = app.state.db
    pid = await period_id(db, "CCPE1D", "versailles", "ACA")
    async with db.read() as session:
        period = await session.get(OpeningPeriod, pid)
        account = (await session.exec(select(Account))).first()
    clean = {
        "identification": IDENTIFICATION,
        "qualification": {"period": pid},
        "situation": SITUATION,
        "papers": {"optional": [], "choice": {}},
    }
    await save_registration(db, account.id, period, clean, clock())


async def test_pieces_request_reminder_and_convocation(
    app, demo, candidate, clock, settings
) -> None:  # type: ignore[no-untyped-def]
    await register_in_db(app, clock)
    registration = await registration_row(app.state.db)
    deadline = datetime(2020, 3, 31, 21, 59, tzinfo=UTC)  # 23:59 in Paris (summer time)
    requirements = [
        {"label": "Copie de la carte d'identité", "mode": "online", "deadline": deadline},
        {
            "label": "Attestation de l'employeur",
            "mode": "postal",
            "deadline": deadline,
            "detail": "Original signé",
        },
        {"label": "Photographie", "mode": "other", "deadline": deadline},
    ]
    async with app.state.db.write() as session:
        request = await service.publish_pieces_request(
            session, registration=registration, requirements=requirements, now=clock()
        )
        reminder = await service.publish_pieces_request(
            session,
            registration=registration,
            requirements=requirements[1:],
            now=clock(),
            reminder=True,
        )
        again = await service.publish_pieces_request(
            session, registration=registration, requirements=requirements, now=clock()
        )
        convocation = await service.publish_convocation(
            session,
            registration=registration,
            now=clock(),
            sittings=[
                {
                    "paper": "010 - EPREUVE 1",
                    "starts_at": datetime(2020, 5, 12, 7, 30, tzinfo=UTC),
                    "place": "Lycée Hoche\n73 avenue de Saint-Cloud\n78000 VERSAILLES",
                }
            ],
        )
    assert (request.version, reminder.version, again.version) == (1, 1, 2)
    text = await render(app, settings, request)
    assert "Demande de pièces justificatives" in text
    for expected in (
        "Copie de la carte d'identité",
        "En ligne",
        "Par courrier",
        "Autres modalités",
        "Original signé",
        "31/03/2020 23:59",
        "Date limite (heure de Paris)",
        "Adresse de retour par courrier",
    ):
        assert expected in text, expected
    assert "Relance de pièces justificatives" in await render(app, settings, reminder)
    text = await render(app, settings, convocation)
    assert "Convocation aux épreuves" in text and "010 - EPREUVE 1" in text
    assert "mardi 12/05/2020" in text and "09:30" in text and "Lycée Hoche" in text


async def test_each_pdf_says_what_its_twin_says(client, app, candidate, clock, settings) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_bia(client, app)
    await publish_current(app.state.db, clock())
    registration = await registration_row(app.state.db)
    now = clock()
    async with app.state.db.write() as session:
        await service.publish_pieces_request(
            session,
            registration=registration,
            now=now,
            requirements=[{"label": "Pièce d'identité", "mode": "online", "deadline": now}],
        )
        await service.publish_pieces_request(
            session,
            registration=registration,
            now=now,
            reminder=True,
            requirements=[{"label": "Pièce d'identité", "mode": "online", "deadline": now}],
        )
        await service.publish_convocation(
            session,
            registration=registration,
            now=now,
            sittings=[{"paper": "010 - EPREUVE 1", "starts_at": now, "place": "Salle 1"}],
        )
    for kind in ("confirmation", "demande-pieces", "relance-pieces", "convocation"):
        twin = await client.get(f"/mes-documents/001/{kind}")
        pdf = await client.get(f"/mes-documents/001/{kind}/pdf")
        assert twin.status_code == pdf.status_code == 200, kind
        pdf_words, twin_words = words(pdf_text(pdf.content)), words(twin_text(twin.text))
        assert twin_words <= pdf_words, (kind, twin_words - pdf_words)
        footer = {"page", "/", "-", "1", "2", "3", "N°", "version"}
        assert pdf_words - twin_words <= footer, (kind, pdf_words - twin_words)


async def test_concurrent_renders_match_serial_ones(app, demo, candidate, clock, settings) -> None:  # type: ignore[no-untyped-def]
    """xhtml2pdf and reportlab keep some global state: renders on several threads at once must
    still give each document its own text, in worker processes as in threads."""
    await register_in_db(app, clock)
    registration = await registration_row(app.state.db)
    summary = dict(registration.summary)
    documents = []
    for index in range(6):
        summary["sections"][1]["rows"][3] = ["Prénoms", f"Candidat{index}"]
        registration.version = index + 2  # the save published version 1
        async with app.state.db.write() as session:
            documents.append(
                await service.publish_summary(
                    session, registration=registration, summary=summary, now=clock()
                )
            )
    htmls = [
        files.pdf_html(settings, reading.view(d), verify_url=VERIFY_URL, fonts=True)
        for d in documents
    ]
    for processes in (True, False):  # worker processes (the application's), threads
        renderer = Renderer(settings.pdf_font_dir, 3, processes=processes)
        try:
            together = await asyncio.gather(*(renderer.render(html) for html in htmls))
            for index, data in enumerate(together):
                text = pdf_text(data)
                assert f"Candidat{index}" in text and f"Version n°{index + 2} " in text
                assert pdf_text(await renderer.render(htmls[index])) == text
        finally:
            renderer.close()


SAMPLE_CONTENT = {  # a document's frozen content, as publish_summary stores it
    "kind": "recapitulatif",
    "title": "Récapitulatif d'inscription",
    "candidate_number": "01938019334",
    "registration_number": "001",
    "candidate_name": "TALU Jean",
    "qualification": "CERTIFICATION COMPLEMENTAIRE : ARTS CINEMA et AUDIOVISUEL",
    "domain_label": "Autres certifications",
    "year": 2020,
    "academy": "ACADÉMIE DE VERSAILLES",
    "office": None,
    "summary": {"sections": [{"title": "Identification", "rows": [["Nom", "TALU"]]}], "papers": []},
    "version": 1,
    "published_at": datetime(2019, 9, 18, 7, 34, tzinfo=UTC),
    "verification_code_grouped": "ABCD-EFGH-JKLM-NPQR",
    "unsaved": False,
    "author": models.AUTHOR,
}


async def test_renderer_workers_are_niced_replaced_when_killed_and_stopped(settings) -> None:  # type: ignore[no-untyped-def]
    html = files.pdf_html(
        settings, {**SAMPLE_CONTENT, "candidate_name": "Émile Çédille"}, verify_url="", fonts=True
    )
    renderer = Renderer(settings.pdf_font_dir, 2)
    try:
        assert "Émile Çédille" in pdf_text(await renderer.render(html))
        workers = list(renderer._pool._processes.values())  # type: ignore[union-attr]
        assert workers and all(os.getpriority(os.PRIO_PROCESS, w.pid) == 10 for w in workers)
        for worker in workers:  # killed from outside (out of memory, an operator)
            worker.kill()
            worker.join()
        assert "Émile Çédille" in pdf_text(await renderer.render(html))  # a new pool, once
        replaced = list(renderer._pool._processes.values())  # type: ignore[union-attr]
        assert replaced and not {w.pid for w in replaced} & {w.pid for w in workers}
    finally:
        renderer.close()
    assert renderer._pool is None and not any(w.is_alive() for w in replaced)


async def test_verification_shows_nothing_personal_and_throttles(
    client, app, candidate, clock
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    document = await publish_current(app.state.db, clock())
    await client.submit("/deconnexion")
    form = await client.get("/verifier")
    assert form.status_code == 200 and 'name="code"' in form.text
    typed = codes.grouped(document.verification_code).lower().replace("-", " ")
    page = unescape((await client.get("/verifier", params={"code": typed})).text)
    assert "Ce document est authentique" in page
    assert "Récapitulatif d'inscription" in page and "Version n°1 mis à jour le" in page
    assert "CERTIFICATION COMPLEMENTAIRE" in page and "ACADÉMIE DE VERSAILLES" in page
    assert "C'est la version en vigueur" in page
    async with app.state.db.read() as session:
        from portal.accounts.models import Account

        account = await session.get(Account, candidate)
    for personal in ("TALU", "Jean", account.candidate_number, "Rue de la pluie", "0783371R"):
        assert personal not in page, personal
    assert "001" not in page.split("<main", 1)[1]
    # Unknown codes: a few are free (typos), then the address must wait, even with a good code.
    for attempt in range(service_free_failures() + 1):
        wrong = await client.get("/verifier", params={"code": f"AAAA-AAAA-AAAA-AAA{attempt}"})
        assert wrong.status_code == 200
        assert "Aucun document ne correspond à ce code" in unescape(wrong.text)
    blocked = await client.get("/verifier", params={"code": "ZZZZ-ZZZZ-ZZZZ-ZZZB"})
    refused = await client.get("/verifier", params={"code": document.verification_code})
    assert blocked.status_code == refused.status_code == 429
    assert "Trop de codes inconnus" in unescape(refused.text)
    assert "Ce document est authentique" not in unescape(refused.text)
    clock.advance(minutes=2)
    assert (await client.get("/verifier", params={"code": typed})).status_code == 200


def service_free_failures() -> int:
    from portal.accounts.throttling import FREE_FAILURES

    return FREE_FAILURES


def test_codes_are_long_random_and_forgiving() -> None:
    made = {codes.new_code() for _ in range(1000)}
    assert len(made) == 1000 and all(len(c) == codes.CODE_LENGTH for c in made)
    code = made.pop()
    assert codes.normalized_code(codes.grouped(code).lower()) == code
    assert codes.normalized_code(" " + " ".join(codes.grouped(code).split("-"))) == code
    assert codes.normalized_code("ABCD-EFGH") is None
    assert codes.normalized_code("<script>alert(1)</script>") is None


async def test_the_summary_context_from_memory_is_the_one_read(app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    """A save publishes its summary with the period taken from the catalog in memory: what it
    says (qualification, domain, year, académie, closing, office) is what the database says."""
    await register_in_db(app, clock)
    registration = await registration_row(app.state.db)
    async with app.state.db.read() as session:
        from_memory = await service._context(session, registration)
        read = await service._context_read(session, registration)
    assert from_memory == read
    assert from_memory.closes_at.tzinfo is not None


async def test_an_office_changed_by_another_process_shows_in_the_next_summary(
    app, candidate, clock, settings
) -> None:  # type: ignore[no-untyped-def]
    """The managing office comes from the catalog in memory: a change made by another worker
    (a manager's edit) is in the very next summary's context."""
    await register_in_db(app, clock)
    registration = await registration_row(app.state.db)
    async with app.state.db.read() as session:
        before = await service._context(session, registration)  # the catalog now in memory
    assert before.office is not None and before.office.name != "Rectorat - DEC 9"
    other = Database(settings.database_url)
    try:
        async with other.write() as session:
            office = await session.get(ManagingOffice, before.office.id)
            assert office is not None
            office.name = "Rectorat - DEC 9"
            session.add(office)
    finally:
        await other.dispose()
    async with app.state.db.read() as session:
        after = await service._context(session, registration)
    assert after.office is not None and after.office.name == "Rectorat - DEC 9"
