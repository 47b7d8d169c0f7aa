"""Catalog management: opening periods (Paris time, order and overlap checks, the daylight-saving
gap, only the manager's académies) and home-page announcements (national administrators only);
bad input gets a French message and changes nothing; every change is audited."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.catalog.models import Announcement, OpeningPeriod
from portal.catalog.models import Session as ExamSession
from portal.management.models import AuditEntry
from tests._support.web import field_error
from tests.management.conftest import (
    NATIONAL_MANAGER,
    VERSAILLES_MANAGER,
    bia_period,
    manager_login,
)

PARIS = ZoneInfo("Europe/Paris")


def wall(instant) -> str:  # type: ignore[no-untyped-def]
    return instant.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


async def test_periods_are_scoped_and_checked(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    versailles = await bia_period(db, "versailles", clock)
    rennes = await bia_period(db, "rennes", clock)
    await manager_login(client, VERSAILLES_MANAGER)
    page = unescape((await client.get(app.route_reverse("management:periods"))).text)
    assert "ACADÉMIE DE VERSAILLES" in page or "VERSAILLES" in page
    assert "RENNES" not in page.split("<h2>Ouvrir une période</h2>")[0]
    assert (
        await client.get(app.route_reverse("management:period", period_id=rennes.id))
    ).status_code == 404
    url = app.route_reverse("management:period_update", period_id=versailles.id)
    assert (
        await client.submit(app.route_reverse("management:period_update", period_id=rennes.id), {})
    ).status_code == 404
    backwards = await client.submit(
        url, {"opens_at": "20/10/2026 10:00", "closes_at": "17/09/2026 10:00"}
    )
    assert unescape(field_error(backwards.text, "closes_at") or "") == (
        "La fermeture doit être postérieure à l'ouverture."
    )
    gap = await client.submit(
        url, {"opens_at": "29/03/2026 02:30", "closes_at": "20/10/2026 10:00"}
    )
    assert "n'existe pas en heure de Paris" in unescape(field_error(gap.text, "opens_at") or "")
    garbage = await client.submit(url, {"opens_at": "demain", "closes_at": ""})
    assert "JJ/MM/AAAA HH:MM" in unescape(field_error(garbage.text, "opens_at") or "")
    async with db.read() as session:
        unchanged = await session.get(OpeningPeriod, versailles.id)
        assert (unchanged.opens_at, unchanged.closes_at) == (
            versailles.opens_at,
            versailles.closes_at,
        )  # type: ignore[union-attr]
        assert (await session.exec(select(AuditEntry))).all() == []
    closes = versailles.closes_at + timedelta(days=7)
    done = await client.submit(
        url, {"opens_at": wall(versailles.opens_at), "closes_at": wall(closes)}
    )
    assert done.status_code == 303
    async with db.read() as session:
        changed = await session.get(OpeningPeriod, versailles.id)
        [entry] = (await session.exec(select(AuditEntry))).all()
    assert changed.closes_at == closes  # type: ignore[union-attr]
    assert entry.action == "period_saved" and entry.after["fermeture"] == wall(closes)


async def test_a_new_period_overlap_duplicate_and_academy(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    current = await bia_period(db, "versailles", clock)
    async with db.write() as session:
        exam = await session.get(ExamSession, current.session_id)
        following = ExamSession(qualification_id=exam.qualification_id, year=exam.year + 1)  # type: ignore[union-attr]
        session.add(following)
        await session.flush()
        next_id = following.id
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse("management:period_create")
    await client.get(app.route_reverse("management:periods"))
    base = {
        "specialty": str(current.specialty_id),
        "session": str(next_id),
        "academy": "versailles",
    }
    overlapping = await client.submit(
        url, {**base, "opens_at": wall(current.opens_at), "closes_at": wall(current.closes_at)}
    )
    assert f"chevauche celle de la session {exam.year}" in unescape(
        field_error(overlapping.text, "opens_at") or ""
    )  # type: ignore[union-attr]
    duplicate = await client.submit(
        url,
        {
            **base,
            "session": str(current.session_id),
            "opens_at": "01/01/2030 10:00",
            "closes_at": "01/02/2030 10:00",
        },
    )
    assert "existe déjà" in unescape(field_error(duplicate.text, "session") or "")
    elsewhere = await client.submit(
        url,
        {
            **base,
            "academy": "rennes",
            "opens_at": "01/01/2030 10:00",
            "closes_at": "01/02/2030 10:00",
        },
    )
    assert (
        unescape(field_error(elsewhere.text, "academy") or "") == "Choisissez une de vos académies."
    )
    after = current.closes_at + timedelta(days=200)
    done = await client.submit(
        url, {**base, "opens_at": wall(after), "closes_at": wall(after + timedelta(days=30))}
    )
    assert done.status_code == 303
    async with db.read() as session:
        created = (
            await session.exec(select(OpeningPeriod).where(OpeningPeriod.session_id == next_id))
        ).one()
    assert created.academy_code == "versailles" and created.opens_at == after


async def test_announcements_national_only_checked_and_shown(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await manager_login(client, VERSAILLES_MANAGER)
    assert (await client.get(app.route_reverse("management:announcements"))).status_code == 404
    assert (
        await client.submit(app.route_reverse("management:announcement_create"), {"message": "x"})
    ).status_code == 404
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, NATIONAL_MANAGER)
    url = app.route_reverse("management:announcement_create")
    await client.get(app.route_reverse("management:announcements"))
    start, end = clock() - timedelta(hours=1), clock() + timedelta(days=2)
    bad = await client.submit(
        url, {"message": "", "shows_from": wall(end), "shows_until": wall(start)}
    )
    assert field_error(bad.text, "message") == "Saisissez le message."
    assert unescape(field_error(bad.text, "shows_until") or "") == (
        "La fin de l'affichage doit être postérieure à son début."
    )
    async with db.read() as session:
        before = len((await session.exec(select(Announcement))).all())
    message = "Maintenance du portail le samedi soir."
    done = await client.submit(
        url, {"message": message, "shows_from": wall(start), "shows_until": wall(end)}
    )
    assert done.status_code == 303
    assert message in unescape((await client.get("/")).text)
    async with db.read() as session:
        rows = (await session.exec(select(Announcement))).all()
        assert len(rows) == before + 1
        mine = next(a for a in rows if a.message == message)
    delete = app.route_reverse("management:announcement_delete", announcement_id=mine.id)
    assert (await client.submit(delete)).status_code == 303
    assert message not in unescape((await client.get("/")).text)
    async with db.read() as session:
        actions = [e.action for e in (await session.exec(select(AuditEntry))).all()]
    assert actions == ["announcement_saved", "announcement_deleted"]


async def test_managing_offices_scoped_checked_and_audited(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    from portal.catalog.models import ManagingOffice

    db = app.state.db
    async with db.read() as session:
        offices = (await session.exec(select(ManagingOffice))).all()
    mine = next(o for o in offices if o.academy_code == "versailles")
    others = [o for o in offices if o.academy_code != "versailles"]
    await manager_login(client, VERSAILLES_MANAGER)
    listing = unescape((await client.get(app.route_reverse("management:offices"))).text)
    assert mine.name in listing
    for other in others:
        assert (
            await client.get(app.route_reverse("management:office", office_id=other.id))
        ).status_code == 404
        assert (
            await client.submit(
                app.route_reverse("management:office_update", office_id=other.id), {}
            )
        ).status_code == 404
    url = app.route_reverse("management:office_update", office_id=mine.id)
    values = {
        "name": mine.name,
        "phone": "01 30 83 44 00",
        "email": "dec",
        "postal_address": mine.postal_address,
    }
    bad = await client.submit(url, {**values, "name": ""})
    assert field_error(bad.text, "name") == "Indiquez le nom du service."
    assert (
        field_error(bad.text, "email")
        == "Saisissez une adresse mail valide, par exemple dec@ac-versailles.fr."
    )
    async with db.read() as session:
        assert (await session.get(ManagingOffice, mine.id)).phone == mine.phone  # type: ignore[union-attr]
    done = await client.submit(url, {**values, "email": "dec4@ac-versailles.fr"})
    assert done.status_code == 303
    async with db.read() as session:
        saved = await session.get(ManagingOffice, mine.id)
        [entry] = (await session.exec(select(AuditEntry))).all()
    assert saved.phone == "01 30 83 44 00" and saved.email == "dec4@ac-versailles.fr"  # type: ignore[union-attr]
    assert entry.action == "office_saved" and entry.after["email"] == "dec4@ac-versailles.fr"


async def test_export_then_import_next_year(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    current = await bia_period(db, "versailles", clock)
    async with db.read() as session:
        exam = await session.get(ExamSession, current.session_id)
    year = exam.year  # type: ignore[union-attr]
    await manager_login(client, VERSAILLES_MANAGER)
    exported = await client.get(app.route_reverse("management:periods_export") + f"?session={year}")
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    lines = exported.content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "examen;secteur;session;academie;ouverture;fermeture"
    rows = [line.split(";") for line in lines[1:] if line]
    assert rows and {row[3] for row in rows} == {"versailles"}  # only the manager's académies
    bia = next(row for row in rows if row[0] == "BIA")
    assert bia[4] == wall(current.opens_at) and bia[5] == wall(current.closes_at)
    url = app.route_reverse("management:periods_import")
    await client.get(app.route_reverse("management:periods"))

    async def upload(text: str):  # type: ignore[no-untyped-def]
        return await client.post(
            url,
            data={"_csrf_token": client.csrf_token()},
            files={"file": ("periodes.csv", text.encode("utf-8"), "text/csv")},
        )

    def period_count() -> int:
        return len(rows)

    wrong = await upload("examen;specialite;session;academie;ouverture;fermeture\r\n")
    assert "colonne inattendue : « specialite »" in unescape(wrong.text)
    assert "colonne manquante : « secteur »" in unescape(wrong.text)
    next_year = [
        [row[0], row[1], str(year + 1), row[3], "01/09/2030 10:00", "01/10/2030 10:00"]
        for row in rows
    ]
    bad = [
        *next_year,
        ["BIA", next_year[0][1], str(year + 1), "rennes", "01/09/2030 10:00", "01/10/2030 10:00"],
    ]
    bad_text = "examen;secteur;session;academie;ouverture;fermeture\n" + "\n".join(
        ";".join(r) for r in bad
    )
    refused = unescape((await upload(bad_text)).text)
    assert f"Ligne {len(bad) + 1} : académie « rennes » : pas une de vos académies." in refused
    assert "rien n'a changé" in refused
    async with db.read() as session:
        assert (
            await session.exec(select(ExamSession).where(ExamSession.year == year + 1))
        ).all() == []  # all or nothing: not even the session
    good_text = "examen;secteur;session;academie;ouverture;fermeture\n" + "\n".join(
        ";".join(r) for r in next_year
    )
    done = await upload(good_text)
    assert done.status_code == 303
    async with db.read() as session:
        created = (
            await session.exec(
                select(OpeningPeriod)
                .join(ExamSession, ExamSession.id == OpeningPeriod.session_id)
                .where(ExamSession.year == year + 1)
            )
        ).all()
    assert len(created) == period_count()
    assert {wall(p.opens_at) for p in created} == {"01/09/2030 10:00"}
    again = await upload(good_text)  # the same file again: the same periods, updated
    assert again.status_code == 303
