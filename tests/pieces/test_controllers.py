"""Mes justificatifs over HTTP: the guide's wording, "Ajouter" with and without htmx, every
rejection, "Supprimer", and another candidate's pieces and files answering 404."""

from __future__ import annotations

import re
from html import unescape

from PIL import Image

from portal.dates import paris
from portal.pieces.storage import Storage
from tests.pieces.helpers import (
    jpeg_bytes,
    log_in,
    pdf_bytes,
    piece,
    png_bytes,
    polyglot_pdf_zip,
    register_certification,
    send,
    set_limits,
    uploads,
)
from tests.registrations.conftest import location, make_account

DAYS = "(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
MONTHS = "(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"


async def test_listed_by_mode_and_deadline_in_the_guides_words(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    assert location(await client.get("/mes-justificatifs")).startswith("/connexion")
    await log_in(client)
    empty = unescape((await client.get("/mes-justificatifs")).text)
    assert "aucune pièce justificative ne vous est demandée" in empty
    await register_certification(client, app)
    page = unescape((await client.get("/mes-justificatifs")).text)
    rapport = await piece(app.state.db, "RAPPORT")
    online = (
        f"A déposer en ligne entre le {paris(rapport.opens_at, 'EEEE dd MMMM yyyy')} et le "
        f"{paris(rapport.closes_at, 'EEEE dd MMMM yyyy HH:mm')} (heure/Paris)"
    )
    assert online in page
    assert re.search(
        rf"A déposer en ligne entre le {DAYS} \d\d {MONTHS} \d{{4}} et le {DAYS} \d\d {MONTHS} "
        r"\d{4} 23:59 \(heure/Paris\)",
        page,
    )
    assert re.search(
        rf"A envoyer par voie postale avant le {DAYS} \d\d {MONTHS} \d{{4}} 23:59 \(heure/Paris\)",
        page,
    )
    # The postal piece points to the return address; the closed and the coming one say so.
    assert "3 boulevard de Lesseps" in page and "Gestion de la pièce non dématérialisée" in page
    assert "Le dépôt en ligne de cette pièce est fermé." in page
    assert "Le dépôt en ligne ouvre le" in page
    # The form states formats and size before a file is chosen.
    assert "Formats acceptés : PDF. Taille maximale : 5 Mo par fichier." in page
    assert "J'ai fourni toutes mes pièces" in page
    assert page.count('type="file"') == 2  # the two pieces open now


async def test_upload_without_javascript_then_download_and_delete(
    client, app, candidate, settings
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    data = pdf_bytes(2)
    response = await send(client, "001", rapport.id, [("rapport.pdf", data, "application/pdf")])
    assert location(response) == f"/mes-justificatifs#piece-{rapport.id}"
    page = unescape((await client.get("/mes-justificatifs")).text)
    assert "Le fichier « rapport.pdf » a été déposé." in page
    assert "rapport.pdf</a>" in page and "déposé le " in page
    [row] = await uploads(app.state.db)
    stored = Storage.under(settings.data_dir).path_of(row.storage_name)
    assert stored.read_bytes() == data and "pieces" in stored.parts
    assert row.storage_name not in ("rapport", "rapport.pdf") and row.size == len(data)
    assert not list(Storage.under(settings.data_dir).tmp.iterdir())
    download = await client.get(f"/mes-justificatifs/001/fichiers/{row.id}")
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == f'attachment; filename="piece-{row.id}.pdf"'
    # One file at most for this piece: the form is gone, "Supprimer" brings it back.
    assert "Fichier pour « Rapport d'activité »" not in page
    again = await send(client, "001", rapport.id, [("b.pdf", data, "application/pdf")])
    assert "supprimez-en un avant d'en ajouter un autre" in unescape(again.text)
    deleted = await client.submit(f"/mes-justificatifs/001/fichiers/{row.id}/supprimer")
    assert location(deleted).startswith("/mes-justificatifs")
    page = unescape((await client.get("/mes-justificatifs")).text)
    assert "Fichier pour « Rapport d'activité »" in page and "rapport.pdf</a>" not in page
    [kept] = await uploads(app.state.db)  # the version is kept, marked deleted
    assert kept.deleted_at is not None and stored.exists()


async def test_upload_with_htmx_swaps_the_row(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    response = await send(
        client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")], htmx=True
    )
    assert response.status_code == 200
    html = unescape(response.text)
    assert html.startswith("{% import") is False and html.lstrip().startswith(
        f'<li class="piece" id="piece-{rapport.id}"'
    )
    assert "r.pdf</a>" in html and "Statut :" in html and "<html" not in html
    assert 'data-hx-swap-oob="innerHTML:#flash"' in html
    assert "HX-Request" in response.headers["vary"]
    arrete = await piece(app.state.db, "ARRETE")
    bad = await send(client, "001", arrete.id, [("x.pdf", b"", "application/pdf")], htmx=True)
    assert bad.status_code == 200 and "Le fichier « x.pdf » est vide." in unescape(bad.text)


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


async def test_each_rejection_has_its_message(client, app, candidate, settings) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    db = app.state.db
    rapport = await set_limits(db, "RAPPORT", max_bytes=1000)
    arrete = await piece(db, "ARRETE")
    bomb = io_png_bomb()
    cases = [
        (
            rapport.id,
            ("big.pdf", b"%PDF-1.4\n" + b"x" * 992, "application/pdf"),
            "Le fichier « big.pdf » dépasse la taille maximale de 1 Ko (1\u202f000 octets).",
        ),
        (rapport.id, ("vide.pdf", b"", "application/pdf"), "Le fichier « vide.pdf » est vide."),
        (
            rapport.id,
            ("image.png", png_bytes(), "image/png"),
            "Le fichier « image.png » est au format PNG, qui n'est pas accepté pour cette pièce.",
        ),
        (
            rapport.id,
            ("facture.pdf", EXECUTABLE, "application/pdf"),
            "Le fichier « facture.pdf » n'est pas accepté : c'est un programme.",
        ),
        (
            arrete.id,
            ("polyglotte.pdf", polyglot_pdf_zip(), "application/pdf"),
            "contient aussi une archive cachée",
        ),
        (
            arrete.id,
            ("photo.jpg", png_bytes(), "image/jpeg"),
            "Le nom du fichier « photo.jpg » annonce un fichier JPEG, mais son contenu est au format PNG.",
        ),
        (arrete.id, ("bombe.png", bomb, "image/png"), "L'image « bombe.png » est trop grande"),
        (
            rapport.id,
            ("faux.pdf", b"%PDF-1.7\nnot really a pdf\n", "application/pdf"),
            "Le fichier « faux.pdf » n'est pas un PDF lisible",
        ),
    ]
    for piece_id, upload, message in cases:
        page = unescape((await send(client, "001", piece_id, [upload])).text)
        assert message in page, (upload[0], re.findall(r"field-error.*?</p>", page))
        assert page.count('class="error-summary"') == 1 and "<title>Erreur : " in page
    assert await uploads(db) == []
    # The page shown after a refusal carries the token the next form needs (the cookie's).
    tokens = set(re.findall(r'name="_csrf_token" value="([^"]+)"', page))
    assert tokens == {client.cookies["csrftoken"]}
    storage = Storage.under(settings.data_dir)
    assert not list(storage.tmp.glob("*")) and not list(storage.stored_names())
    # exactly at the limit: accepted
    exact = b"%PDF-1.4\n" + b"x" * 991
    assert len(exact) == 1000
    page = unescape(
        (await send(client, "001", rapport.id, [("pile.pdf", exact, "application/pdf")])).text
    )
    assert "dépasse" not in page  # refused for its content, not its size
    assert "n'est pas un PDF lisible" in page


def io_png_bomb() -> bytes:
    """A PNG of 10 000 × 10 000 pixels (100 Mpx) that weighs a few hundred kilobytes."""
    import io

    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


async def test_hostile_file_names_are_shown_escaped_never_used(
    client, app, candidate, settings
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    arrete = await piece(app.state.db, "ARRETE")
    name = '..\\..\\etc/<img src=x onerror="alert(1)">.pdf'
    response = await send(
        client, "001", arrete.id, [(name, pdf_bytes(), "application/pdf")], htmx=True
    )
    assert "<img src=x" not in response.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;.pdf" in response.text
    [row] = await uploads(app.state.db)
    assert row.file_name == '<img src=x onerror="alert(1)">.pdf'  # no folders, shown escaped
    assert re.fullmatch(r"[0-9a-f]{32}", row.storage_name)
    assert not (settings.data_dir.parent / "etc").exists()


async def test_csrf_is_required_and_nothing_is_kept(client, app, candidate, settings) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    refused = await send(
        client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")], csrf=False
    )
    assert refused.status_code == 403
    assert await uploads(app.state.db) == []
    assert not list(Storage.under(settings.data_dir).tmp.glob("*"))
    delete = await client.post("/mes-justificatifs/001/fichiers/1/supprimer")
    assert delete.status_code == 403


async def test_another_candidates_pieces_and_files_are_404(
    client, app, candidate, clock, password_hash
) -> None:  # type: ignore[no-untyped-def]
    await log_in(client)
    await register_certification(client, app)
    rapport = await piece(app.state.db, "RAPPORT")
    await send(client, "001", rapport.id, [("r.pdf", pdf_bytes(), "application/pdf")])
    [row] = await uploads(app.state.db)
    await client.submit("/deconnexion")
    other = "autre.candidat@example.fr"
    await make_account(app.state.db, clock, password_hash, other)
    await log_in(client, other)
    routes = [
        ("get", f"/mes-justificatifs/001/{rapport.id}"),
        ("get", f"/mes-justificatifs/001/fichiers/{row.id}"),
        ("get", "/mes-justificatifs/001/echeances.ics"),
        ("post", f"/mes-justificatifs/001/fichiers/{row.id}/supprimer"),
        ("post", f"/mes-justificatifs/001/{rapport.id}/tout-fourni"),
    ]
    for method, url in routes:
        response = await (client.get(url) if method == "get" else client.submit(url))
        assert response.status_code == 404, (url, response.status_code)
    upload = await send(client, "001", rapport.id, [("x.pdf", pdf_bytes(), "application/pdf")])
    assert upload.status_code == 404
    # The other candidate's own registration does not reach the first one's file either.
    await register_certification(client, app)
    assert (await client.get(f"/mes-justificatifs/001/fichiers/{row.id}")).status_code == 404
    delete = await client.submit(f"/mes-justificatifs/001/fichiers/{row.id}/supprimer")
    assert delete.status_code == 404
    assert [u.deleted_at for u in await uploads(app.state.db)] == [None]


async def test_deadlines_as_icalendar(client, app, candidate) -> None:  # type: ignore[no-untyped-def]
    from icalendar import Calendar

    await log_in(client)
    await register_certification(client, app)
    response = await client.get("/mes-justificatifs/001/echeances.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    rapport = await piece(app.state.db, "RAPPORT")
    assert len(events) == 4  # closed, online now, postal, to come
    starts = {e.decoded("dtstart").astimezone(rapport.closes_at.tzinfo) for e in events}
    assert rapport.closes_at in starts
    assert any("Dossier de candidature" in str(e["summary"]) for e in events)
    assert "VTIMEZONE" in response.text and "TZID=Europe/Paris" in response.text


async def test_heic_photo_loses_gps_and_is_turned_upright(client, app, candidate, settings) -> None:  # type: ignore[no-untyped-def]
    import io

    import pillow_heif

    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (48.0, 48.0, 0.0), 3: "E", 4: (2.0, 7.0, 0.0)}  # GPS
    exif[0x010F] = "Apple"
    image = Image.new("RGB", (64, 32), (10, 120, 200))
    heif = pillow_heif.from_pillow(image)
    out = io.BytesIO()
    heif.save(out, quality=80, exif=exif.tobytes())
    heic = out.getvalue()
    assert b"ftyp" in heic[:12]
    await log_in(client)
    await register_certification(client, app)
    arrete = await piece(app.state.db, "ARRETE")
    response = await send(client, "001", arrete.id, [("IMG_0001.HEIC", heic, "image/heic")])
    assert location(response)
    [row] = await uploads(app.state.db)
    assert row.media_type == "image/jpeg"
    kept = Storage.under(settings.data_dir).path_of(row.storage_name).read_bytes()
    with Image.open(io.BytesIO(kept)) as stored:
        assert stored.format == "JPEG" and stored.size == (32, 64)  # turned upright
        assert dict(stored.getexif()) == {}
        assert b"GPS" not in kept and b"Apple" not in kept


async def test_several_photos_become_one_pdf(client, app, candidate, settings) -> None:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader

    await log_in(client)
    await register_certification(client, app)
    arrete = await piece(app.state.db, "ARRETE")
    photos = [(f"page{i}.jpg", jpeg_bytes((60 + i, 80)), "image/jpeg") for i in range(3)]
    assert location(await send(client, "001", arrete.id, photos))
    [row] = await uploads(app.state.db)
    assert row.media_type == "application/pdf" and row.file_name == "3 photos réunies en PDF"
    kept = Storage.under(settings.data_dir).path_of(row.storage_name).read_bytes()
    assert len(PdfReader(io.BytesIO(kept)).pages) == 3
    too_many = [(f"p{i}.jpg", jpeg_bytes(), "image/jpeg") for i in range(4)]
    page = unescape((await send(client, "001", arrete.id, too_many)).text)
    assert "Vous pouvez déposer 3 fichiers au plus pour cette pièce." in page


async def test_postal_pieces_point_to_the_request_for_pieces(client, app, candidate, clock) -> None:  # type: ignore[no-untyped-def]
    from portal.documents import service as documents
    from portal.pieces import views
    from tests.pieces.helpers import registration_row

    await log_in(client)
    await register_certification(client, app)
    db = app.state.db
    registration = await registration_row(db)
    async with db.write() as session:
        groups = await views.groups(session, registration, clock())
        await documents.publish_pieces_request(
            session,
            registration=registration,
            requirements=views.request_items(groups),
            now=clock(),
            return_address=["Service des certifications", "1 rue du Retour", "78000 VERSAILLES"],
        )
    page = unescape((await client.get("/mes-justificatifs")).text)
    assert "1 rue du Retour" in page and "3 boulevard de Lesseps" not in page
    document = unescape((await client.get("/mes-documents/001/demande-pieces")).text)
    assert "Copie du diplôme le plus élevé" in document and "Par courrier" in document
    assert "1 rue du Retour" in document
