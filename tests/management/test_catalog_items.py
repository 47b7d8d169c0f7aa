"""Catalog items in the back office: qualifications, specialties, sessions and papers (national:
read by every manager, changed by a national administrator only), piece requirements (scoped
to the manager's académies), and a whole session's catalog exported and imported as one ZIP.
Every change is audited, shows on the candidate's side at the next request, and bad input is
refused in French with nothing changed."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from portal.catalog.models import OpeningPeriod, Paper, Qualification, Specialty
from portal.catalog.models import Session as ExamSession
from portal.management.models import AuditEntry
from portal.pieces.models import Piece
from tests._support.candidates import log_in
from tests._support.web import field_error
from tests.management.conftest import (
    NATIONAL_MANAGER,
    RENNES_MANAGER,
    VERSAILLES_MANAGER,
    bia_period,
    manager_login,
)
from tests.registrations.conftest import IDENTIFICATION, SITUATION, form_values, location

PARIS = ZoneInfo("Europe/Paris")


def wall(instant) -> str:  # type: ignore[no-untyped-def]
    return instant.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


async def _ids(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A national item of each kind, and a piece in Versailles and in Rennes."""
    async with db.read() as session:
        bia = (await session.exec(select(Qualification).where(Qualification.code == "BIA"))).one()
        specialty = (
            await session.exec(select(Specialty).where(Specialty.qualification_id == bia.id))
        ).first()
        exam = (
            await session.exec(select(ExamSession).where(ExamSession.qualification_id == bia.id))
        ).first()
        paper = (await session.exec(select(Paper))).first()
        versailles = (
            await session.exec(select(Piece).where(Piece.academy_code == "versailles"))
        ).first()
        rennes = (
            await session.exec(select(Piece).where(Piece.academy_code != "versailles"))
        ).first()
    return {
        "qualification_id": bia.id,
        "specialty": specialty.id,  # type: ignore[union-attr]
        "session": exam.id,  # type: ignore[union-attr]
        "paper": paper.id,  # type: ignore[union-attr]
        "piece_versailles": versailles.id if versailles else 0,  # type: ignore[union-attr]
        "piece_other": rennes.id if rennes else 0,  # type: ignore[union-attr]
    }


async def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def _audit(db) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list((await session.exec(select(AuditEntry).order_by(AuditEntry.id))).all())


def national_routes(ids: dict[str, int]) -> list[tuple[str, str, dict[str, int]]]:
    q = {"qualification_id": ids["qualification_id"]}
    return [
        ("POST", "management:qualification_create", {}),
        ("POST", "management:qualification_update", q),
        ("POST", "management:qualification_delete", q),
        ("POST", "management:specialty_create", q),
        ("POST", "management:session_create", q),
        ("POST", "management:paper_create", q),
        ("GET", "management:specialty", {"item_id": ids["specialty"]}),
        ("POST", "management:specialty_update", {"item_id": ids["specialty"]}),
        ("POST", "management:specialty_delete", {"item_id": ids["specialty"]}),
        ("GET", "management:session", {"item_id": ids["session"]}),
        ("POST", "management:session_update", {"item_id": ids["session"]}),
        ("POST", "management:session_delete", {"item_id": ids["session"]}),
        ("GET", "management:paper", {"item_id": ids["paper"]}),
        ("POST", "management:paper_update", {"item_id": ids["paper"]}),
        ("POST", "management:paper_delete", {"item_id": ids["paper"]}),
    ]


async def test_an_academy_manager_reads_national_items_and_changes_none(client, app, world) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    ids = await _ids(db)
    await manager_login(client, VERSAILLES_MANAGER)
    listing = unescape((await client.get(app.route_reverse("management:qualifications"))).text)
    assert "BREVET D'INITIATION AERONAUTIQUE" in listing and "Créer un examen" not in listing
    page = await client.get(
        app.route_reverse("management:qualification", qualification_id=ids["qualification_id"])
    )
    assert page.status_code == 200 and "Modifier l&#39;examen" not in page.text
    before = (await _count(db, Qualification), await _count(db, Specialty), await _count(db, Paper))
    for method, name, params in national_routes(ids):
        url = app.route_reverse(name, **params)
        answer = await (client.get(url) if method == "GET" else client.submit(url, {"code": "X"}))
        assert answer.status_code == 404, (name, answer.status_code)
    after = (await _count(db, Qualification), await _count(db, Specialty), await _count(db, Paper))
    assert before == after and await _audit(db) == []


async def test_every_post_needs_the_csrf_token(client, app, world) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    ids = await _ids(db)
    await manager_login(client, NATIONAL_MANAGER)
    routes = [(m, n, p) for m, n, p in national_routes(ids) if m == "POST"] + [
        ("POST", "management:requirement_create", {}),
        ("POST", "management:requirement_update", {"piece_id": ids["piece_versailles"]}),
        ("POST", "management:requirement_delete", {"piece_id": ids["piece_versailles"]}),
        ("POST", "management:catalog_import", {}),
    ]
    for _method, name, params in routes:
        answer = await client.post(app.route_reverse(name, **params), data={"code": "X"})
        assert answer.status_code == 403, (name, answer.status_code)
    assert await _audit(db) == []


async def test_national_qualification_specialty_session_and_paper_reach_the_candidate(  # type: ignore[no-untyped-def]
    client, app, world, candidate, clock
) -> None:
    db = app.state.db
    await manager_login(client, NATIONAL_MANAGER)
    await client.get(app.route_reverse("management:qualifications"))
    create = app.route_reverse("management:qualification_create")
    bad = await client.submit(create, {"code": "é é", "domain_code": "G09", "name": ""})
    assert bad.status_code == 200
    assert "Le code s'écrit avec des lettres sans accent" in unescape(
        field_error(bad.text, "examen_code") or ""
    )
    assert "Choisissez le domaine" in unescape(field_error(bad.text, "examen_domain_code") or "")
    assert field_error(bad.text, "examen_name") == "Indiquez l&#39;intitulé."
    duplicate = await client.submit(create, {"code": "bia", "domain_code": "G01", "name": "X"})
    assert "Un autre examen porte déjà ce code." in unescape(duplicate.text)
    count = await _count(db, Qualification)
    done = await client.submit(
        create, {"code": "ulm", "domain_code": "G01", "name": "BREVET ULM", "asks_situation": "oui"}
    )
    assert done.status_code == 303 and await _count(db, Qualification) == count + 1
    async with db.read() as session:
        ulm = (await session.exec(select(Qualification).where(Qualification.code == "ULM"))).one()
    assert ulm.asks_situation and not ulm.requires_residence_academy
    [created] = await _audit(db)
    assert created.action == "catalog_item_created" and created.before == {}
    assert created.after["code"] == "ULM" and created.after["situation actuelle"] == "oui"

    # A specialty, then a paper for every specialty of the CCPE1D: the candidate sees both.
    async with db.read() as session:
        ccpe = (
            await session.exec(select(Qualification).where(Qualification.code == "CCPE1D"))
        ).one()
        exam = (
            await session.exec(select(ExamSession).where(ExamSession.qualification_id == ccpe.id))
        ).first()
    add_specialty = app.route_reverse("management:specialty_create", qualification_id=ccpe.id)
    refused = await client.submit(add_specialty, {"code": "", "name": "", "position": "x"})
    assert field_error(refused.text, "secteur_code") == "Indiquez le code, par exemple ACA."
    assert field_error(refused.text, "secteur_position") == "Indiquez un nombre entier de 0 à 999."
    assert (
        await client.submit(
            add_specialty, {"code": "aero", "name": "AERONAUTIQUE NOUVELLE", "position": "9"}
        )
    ).status_code == 303
    async with db.read() as session:
        new = (await session.exec(select(Specialty).where(Specialty.code == "AERO"))).one()
    add_paper = app.route_reverse("management:paper_create", qualification_id=ccpe.id)
    no_group = await client.submit(
        add_paper, {"code": "090", "label": "EPREUVE NOUVELLE", "kind": "choice", "mode": "Orale"}
    )
    assert "Indiquez le groupe" in unescape(
        field_error(no_group.text, "epreuve_choice_group") or ""
    )
    assert (
        await client.submit(
            add_paper,
            {
                "code": "090",
                "label": "EPREUVE NOUVELLE FACULTATIVE",
                "kind": "optional",
                "mode": "Orale",
            },
        )
    ).status_code == 303
    # A period in Versailles for the new specialty, by the national administrator.
    period = await client.submit(
        app.route_reverse("management:period_create"),
        {
            "specialty": str(new.id),
            "session": str(exam.id),  # type: ignore[union-attr]
            "academy": "versailles",
            "opens_at": wall(clock() - timedelta(days=1)),
            "closes_at": wall(clock() + timedelta(days=20)),
        },
    )
    assert period.status_code == 303, unescape(period.text)[:3000]
    await client.submit(app.route_reverse("accounts:logout"))

    await log_in(client)
    selector = await client.get(
        app.route_reverse("catalog:register") + "?domaine=G02&qualification=CCPE1D"
    )
    assert "AERONAUTIQUE NOUVELLE" in unescape(selector.text)
    async with db.read() as session:
        pid = (
            await session.exec(
                select(OpeningPeriod.id).where(
                    OpeningPeriod.specialty_id == new.id, OpeningPeriod.academy_code == "versailles"
                )
            )
        ).one()
    start = app.route_reverse("registrations:new", period_id=pid)
    await client.get(app.route_reverse("registrations:start", period_id=pid))
    base = location(await client.submit(start)).rsplit("/", 1)[0]
    await client.submit(f"{base}/identification", IDENTIFICATION)
    page = await client.get(f"{base}/qualification")
    await client.submit(f"{base}/qualification", form_values(page.text))
    await client.submit(f"{base}/situation", SITUATION)
    papers = unescape((await client.get(f"{base}/epreuves")).text)
    assert "EPREUVE NOUVELLE FACULTATIVE" in papers


async def test_items_in_use_are_not_deleted_unused_ones_are(client, app, world) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    ids = await _ids(db)  # the BIA: Alice and Bob are registered to it
    await manager_login(client, NATIONAL_MANAGER)
    await client.get(app.route_reverse("management:qualifications"))
    counts = (
        await _count(db, Specialty),
        await _count(db, ExamSession),
        await _count(db, OpeningPeriod),
    )
    for name, params in (
        ("management:qualification_delete", {"qualification_id": ids["qualification_id"]}),
        ("management:specialty_delete", {"item_id": ids["specialty"]}),
        ("management:session_delete", {"item_id": ids["session"]}),
    ):
        refused = await client.submit(app.route_reverse(name, **params))
        assert refused.status_code == 303
        shown = unescape((await client.get(refused.headers["location"])).text)
        assert "Des candidats ont déjà des inscriptions" in shown and "Rien n'a changé" in shown
    assert counts == (
        await _count(db, Specialty),
        await _count(db, ExamSession),
        await _count(db, OpeningPeriod),
    )
    assert await _audit(db) == []
    # A session's year cannot move under its registrations; its end can.
    year_url = app.route_reverse("management:session_update", item_id=ids["session"])
    async with db.read() as session:
        exam = await session.get(ExamSession, ids["session"])
    moved = await client.submit(year_url, {"year": str(exam.year + 5)})  # type: ignore[union-attr]
    assert "son année ne peut plus changer" in unescape(
        field_error(moved.text, "session_year") or ""
    )
    ended = await client.submit(year_url, {"year": str(exam.year), "ends_on": "31/07/2030"})  # type: ignore[union-attr]
    assert ended.status_code == 303
    [entry] = await _audit(db)
    assert entry.action == "catalog_item_changed"
    assert entry.before["fin de session"] == (
        exam.ends_on.strftime("%d/%m/%Y") if exam.ends_on else ""
    )  # type: ignore[union-attr]
    assert entry.after["fin de session"] == "31/07/2030"
    # An unused qualification goes, with its specialty.
    await client.submit(
        app.route_reverse("management:qualification_create"),
        {"code": "TMP", "domain_code": "G01", "name": "A SUPPRIMER"},
    )
    async with db.read() as session:
        tmp = (await session.exec(select(Qualification).where(Qualification.code == "TMP"))).one()
    await client.submit(
        app.route_reverse("management:specialty_create", qualification_id=tmp.id),
        {"code": "S1", "name": "SECTEUR"},
    )
    gone = await client.submit(
        app.route_reverse("management:qualification_delete", qualification_id=tmp.id)
    )
    assert gone.status_code == 303
    async with db.read() as session:
        assert await session.get(Qualification, tmp.id) is None
        assert (await session.exec(select(Specialty).where(Specialty.code == "S1"))).all() == []
    deleted = (await _audit(db))[-1]
    assert deleted.action == "catalog_item_deleted" and deleted.before["code"] == "TMP"


async def test_pieces_are_scoped_checked_audited_and_reach_the_candidate(
    client, app, world, clock
) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    period = await bia_period(db, "versailles", clock)
    async with db.write() as session:
        other = Piece(
            session_id=period.session_id,
            academy_code="rennes",
            code="RENNES",
            label="Pièce de Rennes",
            group_label="Rennes",
            deposit_mode="postal",
            closes_at=clock() + timedelta(days=30),
        )
        session.add(other)
        await session.flush()
        other_id = other.id
    await manager_login(client, VERSAILLES_MANAGER)
    listing = unescape((await client.get(app.route_reverse("management:requirements"))).text)
    assert "Pièce de Rennes" not in listing
    for answer in (
        await client.get(app.route_reverse("management:requirement", piece_id=other_id)),
        await client.submit(
            app.route_reverse("management:requirement_update", piece_id=other_id), {}
        ),
        await client.submit(app.route_reverse("management:requirement_delete", piece_id=other_id)),
    ):
        assert answer.status_code == 404
    create = app.route_reverse("management:requirement_create")
    values = {
        "session": str(period.session_id),
        "academy": "versailles",
        "code": "brevet",
        "label": "Attestation de natation",
        "group_label": "Pièces du BIA",
        "deposit_mode": "online",
        "closes_at": wall(clock() + timedelta(days=15)),
        "format_pdf": "on",
        "max_megabytes": "3",
        "max_files": "2",
        "required": "oui",
    }
    count = await _count(db, Piece)
    bad = await client.submit(
        create,
        {
            **values,
            "academy": "rennes",
            "closes_at": "31/02/2026 10:00",
            "max_megabytes": "900",
            "format_pdf": "",
        },
    )
    assert field_error(bad.text, "academy") == "Choisissez une de vos académies."
    assert "JJ/MM/AAAA HH:MM" in unescape(field_error(bad.text, "closes_at") or "")
    assert field_error(bad.text, "max_megabytes") == "Indiquez un nombre entier de 1 à 40."
    assert "au moins un format" in unescape(field_error(bad.text, "formats") or "")
    assert await _count(db, Piece) == count and await _audit(db) == []
    assert (await client.submit(create, values)).status_code == 303
    async with db.read() as session:
        piece = (await session.exec(select(Piece).where(Piece.code == "BREVET"))).one()
    assert (piece.max_bytes, piece.max_files, piece.formats) == (3_000_000, 2, "pdf")
    [entry] = await _audit(db)
    assert entry.action == "catalog_item_created" and entry.academy_code == "versailles"
    assert entry.after["intitulé"] == "Attestation de natation"
    # Alice (Versailles, BIA) sees it in Mes justificatifs at once.
    await client.submit(app.route_reverse("accounts:logout"))
    await log_in(client, "alice.martin@example.fr")
    assert "Attestation de natation" in unescape(
        (await client.get(app.route_reverse("pieces:list"))).text
    )
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, VERSAILLES_MANAGER)
    edit = app.route_reverse("management:requirement_update", piece_id=piece.id)
    await client.get(app.route_reverse("management:requirement", piece_id=piece.id))
    assert (
        await client.submit(edit, {**values, "label": "Attestation de natation (25 m)"})
    ).status_code == 303
    changed = (await _audit(db))[-1]
    assert changed.before["intitulé"] == "Attestation de natation"
    assert changed.after["intitulé"] == "Attestation de natation (25 m)"
    gone = await client.submit(
        app.route_reverse("management:requirement_delete", piece_id=piece.id)
    )
    assert gone.status_code == 303
    async with db.read() as session:
        assert await session.get(Piece, piece.id) is None


def _zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, ("\ufeff" + text).encode("utf-8"))
    return buffer.getvalue()


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


async def test_a_session_catalog_round_trip_to_next_year(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    current = await bia_period(db, "versailles", clock)
    async with db.read() as session:
        exam = await session.get(ExamSession, current.session_id)
    year = exam.year  # type: ignore[union-attr]
    # Labels a spreadsheet would read as a formula, or that start with its quoting apostrophe.
    formula, quoted = '=HYPERLINK("http://exemple.invalid")', "'Attestation"
    async with db.write() as session:
        pieces = (
            await session.exec(
                select(Piece)
                .where(Piece.session_id == current.session_id, Piece.academy_code == "versailles")
                .order_by(Piece.position, Piece.id)
            )
        ).all()
        pieces[0].label, pieces[0].group_label = formula, quoted
        session.add(pieces[0])
    await manager_login(client, VERSAILLES_MANAGER)
    exported = await client.get(app.route_reverse("management:catalog_export") + f"?session={year}")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    parts = _parts(exported.content)
    assert "'=HYPERLINK(" in parts["pieces.csv"] and ";''Attestation" in parts["pieces.csv"]
    assert set(parts) == {
        "examens.csv",
        "secteurs.csv",
        "sessions.csv",
        "epreuves.csv",
        "pieces.csv",
        "periodes.csv",
    }
    assert "BIA;G01;BREVET D'INITIATION AERONAUTIQUE" in parts["examens.csv"]
    assert ";rennes;" not in parts["pieces.csv"] + parts["periodes.csv"]  # the scope only

    def next_year(text: str) -> str:
        """Every year of the data lines one later: sessions and dates (02/12/2026 10:00)."""
        header, *lines = text.split("\r\n")
        later = [re.sub(r"\b(20[0-9]{2})\b", lambda m: str(int(m[1]) + 1), line) for line in lines]
        return "\r\n".join([header, *later])

    moved = {name: next_year(text) for name, text in parts.items()}
    url = app.route_reverse("management:catalog_import")
    await client.get(app.route_reverse("management:qualifications"))

    async def upload(data: bytes):  # type: ignore[no-untyped-def]
        return await client.post(
            url,
            data={"_csrf_token": client.csrf_token()},
            files={"catalog_file": ("catalogue.zip", data, "application/zip")},
        )

    before = (
        await _count(db, ExamSession),
        await _count(db, Piece),
        await _count(db, OpeningPeriod),
        await _count(db, Paper),
    )
    # A column renamed: the headers are checked first, every part at once.
    renamed = {
        **moved,
        "secteurs.csv": moved["secteurs.csv"].replace("examen;code;", "examen;kode;", 1),
    }
    refused = unescape((await upload(_zip(renamed))).text)
    assert "rien n'a changé" in refused
    assert "secteurs.csv : La première ligne doit être exactement" in refused
    assert "colonne inattendue : « kode »" in refused
    # Then the lines: a bad date, an unknown code, a change to a national item.
    wrong = dict(moved)
    pieces_lines = wrong["pieces.csv"].split("\r\n")
    assert len(pieces_lines) > 2
    cells = pieces_lines[1].split(";")
    cells[10] = "32/13/2030 10:00"
    pieces_lines[1] = ";".join(cells)
    wrong["pieces.csv"] = "\r\n".join(pieces_lines)
    wrong["periodes.csv"] += f"XXX;ACA;{year + 1};versailles;01/09/2030 10:00;01/10/2030 10:00\r\n"
    wrong["examens.csv"] = wrong["examens.csv"].replace("BREVET D'INITIATION", "BREVET CHANGE")
    refused = unescape((await upload(_zip(wrong))).text)
    assert "pieces.csv, ligne 2, colonne « date_limite »" in refused
    last = len(wrong["periodes.csv"].strip().split("\r\n"))
    assert f"periodes.csv, ligne {last} : examen inconnu « XXX »." in refused
    assert "examens.csv, ligne" in refused and "seul un administrateur national" in refused
    not_zip = unescape((await upload(b"examen;secteur\r\n")).text)
    assert "pas une archive ZIP" in not_zip
    after = (
        await _count(db, ExamSession),
        await _count(db, Piece),
        await _count(db, OpeningPeriod),
        await _count(db, Paper),
    )
    assert before == after and await _audit(db) == []

    done = await upload(_zip(moved))
    assert done.status_code == 303, unescape(done.text)[-3000:]
    flash = unescape((await client.get(done.headers["location"])).text)
    assert "Catalogue importé" in flash
    async with db.read() as session:
        created = (
            await session.exec(select(ExamSession).where(ExamSession.year == year + 1))
        ).all()
        periods = (
            await session.exec(
                select(OpeningPeriod)
                .join(ExamSession, ExamSession.id == OpeningPeriod.session_id)
                .where(ExamSession.year == year + 1)
            )
        ).all()
        pieces = (
            await session.exec(
                select(Piece)
                .join(ExamSession, ExamSession.id == Piece.session_id)
                .where(ExamSession.year == year + 1)
            )
        ).all()
    assert len(created) == len(parts["sessions.csv"].strip().split("\r\n")) - 1
    assert len(periods) == len(parts["periodes.csv"].strip().split("\r\n")) - 1
    assert len(pieces) == len(parts["pieces.csv"].strip().split("\r\n")) - 1
    assert {p.academy_code for p in periods + pieces} == {"versailles"}
    [entry] = await _audit(db)
    assert entry.action == "catalog_imported" and entry.after["périodes"] == len(periods)
    # The next year's export gives back what was imported.
    again = _parts(
        (
            await client.get(
                app.route_reverse("management:catalog_export") + f"?session={year + 1}"
            )
        ).content
    )
    assert again["periodes.csv"] == moved["periodes.csv"]
    assert again["pieces.csv"] == moved["pieces.csv"]
    assert (formula, quoted) in {(p.label, p.group_label) for p in pieces}  # read back as written


@pytest.mark.parametrize("email", [RENNES_MANAGER])
async def test_an_import_outside_the_scope_writes_nothing(client, app, world, clock, email) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    current = await bia_period(db, "versailles", clock)
    async with db.read() as session:
        exam = await session.get(ExamSession, current.session_id)
    await manager_login(client, VERSAILLES_MANAGER)
    parts = _parts(
        (
            await client.get(
                app.route_reverse("management:catalog_export") + f"?session={exam.year}"  # type: ignore[union-attr]
            )
        ).content
    )
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, email)
    await client.get(app.route_reverse("management:qualifications"))
    refused = await client.post(
        app.route_reverse("management:catalog_import"),
        data={"_csrf_token": client.csrf_token()},
        files={"catalog_file": ("c.zip", _zip(parts), "application/zip")},
    )
    text = unescape(refused.text)
    assert "académie « versailles » : pas une de vos académies." in text
    assert await _audit(db) == []


def catalog_get_routes(app, ids: dict[str, int]) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        app.route_reverse("management:qualifications"),
        app.route_reverse("management:qualification", qualification_id=ids["qualification_id"]),
        app.route_reverse("management:specialty", item_id=ids["specialty"]),
        app.route_reverse("management:session", item_id=ids["session"]),
        app.route_reverse("management:paper", item_id=ids["paper"]),
        app.route_reverse("management:requirements"),
        app.route_reverse("management:requirement", piece_id=ids["piece_versailles"]),
        app.route_reverse("management:catalog_export") + "?session=2027",
    ]


async def test_anonymous_visitors_and_candidates_get_404(client, app, world, candidate) -> None:  # type: ignore[no-untyped-def]
    ids = await _ids(app.state.db)
    for url in catalog_get_routes(app, ids):
        assert (await client.get(url)).status_code == 404, url
    await log_in(client)
    for url in catalog_get_routes(app, ids):
        assert (await client.get(url)).status_code == 404, url
    for _method, name, params in national_routes(ids):
        if _method == "POST":
            url = app.route_reverse(name, **params)
            assert (await client.submit(url, {"code": "X"})).status_code == 404, url


async def test_a_chosen_paper_keeps_its_nature(client, app, world) -> None:  # type: ignore[no-untyped-def]
    from portal.registrations.models import RegistrationPaper

    db = app.state.db
    async with db.read() as session:
        used = (await session.exec(select(RegistrationPaper))).first()
        paper = await session.get(Paper, used.paper_id)  # type: ignore[union-attr]
    await manager_login(client, NATIONAL_MANAGER)
    url = app.route_reverse("management:paper_update", item_id=paper.id)  # type: ignore[union-attr]
    page = await client.get(app.route_reverse("management:paper", item_id=paper.id))  # type: ignore[union-attr]
    assert page.status_code == 200 and paper.label in unescape(page.text)  # type: ignore[union-attr]
    values = {
        "specialty": str(paper.specialty_id or ""),  # type: ignore[union-attr]
        "code": paper.code,  # type: ignore[union-attr]
        "label": paper.label,  # type: ignore[union-attr]
        "kind": paper.kind,  # type: ignore[union-attr]
        "choice_group": paper.choice_group or "",  # type: ignore[union-attr]
        "mode": paper.mode,  # type: ignore[union-attr]
    }
    other = "optional" if paper.kind != "optional" else "mandatory"  # type: ignore[union-attr]
    refused = await client.submit(url, {**values, "kind": other})
    assert "Des candidats ont déjà choisi cette épreuve" in unescape(
        field_error(refused.text, "epreuve_kind") or ""
    )
    renamed = await client.submit(url, {**values, "label": "EPREUVE RENOMMEE"})
    assert renamed.status_code == 303
    async with db.read() as session:
        kept = await session.get(Paper, paper.id)  # type: ignore[union-attr]
    assert kept.kind == paper.kind and kept.label == "EPREUVE RENOMMEE"  # type: ignore[union-attr]
    refused = await client.submit(
        app.route_reverse("management:paper_delete", item_id=paper.id)  # type: ignore[union-attr]
    )
    assert "ne peut pas être supprimée" in unescape(
        (await client.get(refused.headers["location"])).text
    )


async def test_a_national_import_creates_national_items(client, app, world) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await manager_login(client, NATIONAL_MANAGER)
    await client.get(app.route_reverse("management:qualifications"))
    url = app.route_reverse("management:catalog_import")
    parts = {
        "examens.csv": "code;domaine;intitule;situation;academie_de_residence\r\n"
        "PLN;G01;BREVET DE PILOTE;non;oui\r\n",
        "secteurs.csv": "examen;code;intitule;ordre\r\nPLN;VOL;VOL A VOILE;1\r\n",
        "sessions.csv": "examen;session;fin_de_session\r\nPLN;2031;30/06/2031\r\n",
        "epreuves.csv": "examen;secteur;code;intitule;nature;groupe;mode;ordre\r\n"
        "PLN;;010;THEORIE;obligatoire;;Ecrite;1\r\n"
        "PLN;VOL;020;PRATIQUE;au choix;Pratique;orale;2\r\n"
        "PLN;VOL;030;SIMULATEUR;au choix;;Orale;3\r\n",
    }

    async def upload(files: dict[str, str]):  # type: ignore[no-untyped-def]
        return await client.post(
            url,
            data={"_csrf_token": client.csrf_token()},
            files={"catalog_file": ("c.zip", _zip(files), "application/zip")},
        )

    refused = unescape((await upload({**parts, "notes.txt": "x"})).text)
    assert "notes.txt : fichier inattendu dans l'archive" in refused
    refused = unescape((await upload(parts)).text)
    assert "epreuves.csv, ligne 4, colonne « groupe » : Indiquez le groupe" in refused
    async with db.read() as session:
        assert (
            await session.exec(select(Qualification).where(Qualification.code == "PLN"))
        ).first() is None
    parts["epreuves.csv"] = parts["epreuves.csv"].replace(
        "au choix;;Orale", "au choix;Pratique;Orale"
    )
    done = await upload(parts)
    assert done.status_code == 303
    async with db.read() as session:
        pln = (await session.exec(select(Qualification).where(Qualification.code == "PLN"))).one()
        papers = (await session.exec(select(Paper).where(Paper.qualification_id == pln.id))).all()
        exam = (
            await session.exec(select(ExamSession).where(ExamSession.qualification_id == pln.id))
        ).one()
    assert pln.requires_residence_academy and not pln.asks_situation
    assert sorted((p.code, p.kind, p.choice_group, p.mode) for p in papers) == [
        ("010", "mandatory", None, "Ecrite"),
        ("020", "choice", "Pratique", "Orale"),
        ("030", "choice", "Pratique", "Orale"),
    ]
    assert exam.year == 2031 and exam.ends_on.isoformat() == "2031-06-30"  # type: ignore[union-attr]
    [entry] = await _audit(db)
    assert entry.after["examens"] == 1 and entry.after["épreuves"] == 3


async def test_a_piece_a_candidate_started_keeps_its_mode_and_stays(
    client, app, world, clock
) -> None:  # type: ignore[no-untyped-def]
    from portal.pieces.models import RegistrationPiece

    db = app.state.db
    period = await bia_period(db, "versailles", clock)
    async with db.write() as session:
        piece = (
            await session.exec(
                select(Piece).where(
                    Piece.session_id == period.session_id, Piece.academy_code == "versailles"
                )
            )
        ).first()
        assert piece is not None
        session.add(
            RegistrationPiece(
                registration_id=world.versailles.id, piece_id=piece.id, changed_at=clock()
            )
        )
    await manager_login(client, VERSAILLES_MANAGER)
    page = await client.get(app.route_reverse("management:requirement", piece_id=piece.id))
    assert page.status_code == 200
    values = {
        "session": str(piece.session_id),
        "academy": piece.academy_code,
        "specialty": str(piece.specialty_id or ""),
        "code": piece.code,
        "label": piece.label,
        "group_label": piece.group_label,
        "deposit_mode": "postal" if piece.deposit_mode != "postal" else "online",
        "closes_at": wall(piece.closes_at),
        "format_pdf": "on",
        "required": "oui",
    }
    url = app.route_reverse("management:requirement_update", piece_id=piece.id)
    refused = await client.submit(url, values)
    assert "ne peuvent plus changer" in unescape(field_error(refused.text, "deposit_mode") or "")
    deleted = await client.submit(
        app.route_reverse("management:requirement_delete", piece_id=piece.id)
    )
    assert "elle ne peut pas être supprimée" in unescape(
        (await client.get(deleted.headers["location"])).text
    )
    async with db.read() as session:
        kept = await session.get(Piece, piece.id)
    assert kept is not None and kept.deposit_mode == piece.deposit_mode
    assert await _audit(db) == []


async def test_a_new_examen_gets_its_managing_office(client, app, world) -> None:  # type: ignore[no-untyped-def]
    from portal.catalog.models import ManagingOffice

    db = app.state.db
    async with db.write() as session:
        new = Qualification(code="NEUF", domain_code="G01", name="EXAMEN NEUF")
        session.add(new)
        await session.flush()
        new_id = new.id
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse("management:office_create")
    await client.get(app.route_reverse("management:offices"))
    values = {
        "qualification": str(new_id),
        "academy": "versailles",
        "name": "Rectorat - DEC 9",
        "phone": "01 30 83 44 00",
        "email": "dec9@ac-versailles.fr",
        "postal_address": "3 boulevard de Lesseps\r\n78000 VERSAILLES",
    }
    count = await _count(db, ManagingOffice)
    elsewhere = await client.submit(url, {**values, "academy": "rennes", "email": "x"})
    assert field_error(elsewhere.text, "academy") == "Choisissez une de vos académies."
    assert "Saisissez une adresse mail valide" in unescape(
        field_error(elsewhere.text, "email") or ""
    )
    assert await _count(db, ManagingOffice) == count
    assert (await client.submit(url, values)).status_code == 303
    twice = await client.submit(url, values)
    assert "a déjà un service gestionnaire" in unescape(
        field_error(twice.text, "qualification") or ""
    )
    async with db.read() as session:
        office = (
            await session.exec(
                select(ManagingOffice).where(ManagingOffice.qualification_id == new_id)
            )
        ).one()
    assert office.academy_code == "versailles"
    assert office.postal_address == "3 boulevard de Lesseps\n78000 VERSAILLES"
    [entry] = await _audit(db)
    assert entry.action == "office_saved" and entry.after["examen"] == "NEUF"
    assert entry.academy_code == "versailles"
    assert (await client.post(url, data=values)).status_code == 403  # no CSRF token
