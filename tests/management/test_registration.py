"""A registration's page (recap, versions and what changed, documents, journal), withdrawal and
identity correction with their reason, their effect on the candidate's side, and the audit log."""

from __future__ import annotations

from html import unescape

from sqlmodel import select

from portal.accounts.models import Account
from portal.management.models import AuditEntry
from tests._support.candidates import log_in
from tests._support.web import field_error
from tests.accounts.test_my_data import modify
from tests.management.conftest import BIA_CLEAN, RENNES_MANAGER, VERSAILLES_MANAGER, manager_login


async def test_page_shows_recap_versions_changes_and_documents(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    clock.advance(minutes=5)
    moved = {
        **BIA_CLEAN,
        "identification": {**BIA_CLEAN["identification"], "address1": "Rue du soleil"},
    }
    await modify(db, world.versailles_candidate, world.versailles, moved, clock())
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse("management:registration", registration_id=world.versailles.id)
    page = unescape((await client.get(url)).text)
    assert "MARTIN Alice – inscription n° 001" in page
    assert "Rue du soleil" in page and "Rue de la pluie" not in page  # the current recap
    assert "<td>01</td>" in page and "<td>02</td>" in page
    assert "Confirmation d'inscription : version n°2 publiée le" in page
    compared = unescape((await client.get(url + "?de=1&a=2")).text)
    section = compared.split('id="comparaison"')[1]
    assert "Ce qui a changé de la version 01 à la version 02" in section
    assert "<td>Adresse</td><td>Rue de la pluie" in section and "<td>Rue du soleil" in section
    assert "Nationalité" not in section  # only what changed
    missing = unescape((await client.get(url + "?de=1&a=7")).text)
    assert "Une de ces versions n'existe pas." in missing


async def test_withdrawal_leaves_mes_inscriptions_and_is_audited(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await log_in(client, "alice.martin@example.fr")
    assert "BREVET D'INITIATION AERONAUTIQUE" in unescape(
        (await client.get("/mes-inscriptions")).text
    )
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, VERSAILLES_MANAGER)
    url = app.route_reverse("management:withdraw", registration_id=world.versailles.id)
    form = await client.get(
        app.route_reverse("management:withdraw_form", registration_id=world.versailles.id)
    )
    assert form.status_code == 200 and "Motif de la désinscription" in unescape(form.text)
    empty = await client.submit(url, {"reason": "   "})
    assert empty.status_code == 200 and field_error(empty.text, "reason") == "Indiquez le motif."
    async with db.read() as session:
        assert (await session.exec(select(AuditEntry))).all() == []  # nothing changed
    clock.advance(minutes=1)
    done = await client.submit(url, {"reason": "Demande écrite du candidat"})
    assert done.status_code == 303
    page = unescape((await client.get(done.headers["location"])).text)
    assert "Désinscrite le" in page and "Demande écrite du candidat" in page
    assert "Désinscrire</a>" not in page  # once only
    again = await client.submit(url, {"reason": "encore"})
    assert "déjà désinscrite" in unescape(again.text)
    async with db.read() as session:
        [entry] = (await session.exec(select(AuditEntry))).all()
    assert entry.action == "withdrawn" and entry.actor_email == VERSAILLES_MANAGER
    assert entry.registration_id == world.versailles.id and entry.academy_code == "versailles"
    assert entry.before == {"état": "inscrite"} and entry.after == {"état": "désinscrite"}
    assert entry.at == clock()
    # the candidate's side: gone from Mes inscriptions and Mes documents, kept here
    await client.submit(app.route_reverse("accounts:logout"))
    await log_in(client, "alice.martin@example.fr")
    assert "BREVET D'INITIATION AERONAUTIQUE" not in unescape(
        (await client.get("/mes-inscriptions")).text
    )
    assert (await client.get("/mes-documents/001")).status_code == 404


async def test_identity_correction_with_reason_and_audit(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    db = app.state.db
    await manager_login(client, VERSAILLES_MANAGER)
    form_url = app.route_reverse("management:identity_form", registration_id=world.versailles.id)
    url = app.route_reverse("management:identity", registration_id=world.versailles.id)
    form = unescape((await client.get(form_url)).text)
    assert 'value="MARTIN"' in form and 'value="01/01/2002"' in form
    values = {
        "civility": "MME",
        "birth_name": "MARTIN-DURAND",
        "birth_name_confirmation": "MARTIN-DURAND",
        "usage_name": "",
        "first_names": "Alice",
        "birth_country": "100",
        "birth_date": "01/01/2002",
        "birth_date_confirmation": "01/01/2002",
        "birth_department": "062",
        "birth_city": "BEUVRY",
    }
    no_reason = await client.submit(url, {**values, "reason": ""})
    assert (
        field_error(no_reason.text, "reason")
        == "Indiquez le motif de la correction (la demande du candidat)."
    )
    mismatch = await client.submit(
        url, {**values, "birth_name_confirmation": "MARTIN", "reason": "x"}
    )
    assert field_error(mismatch.text, "birth_name_confirmation")
    async with db.read() as session:
        account = await session.get(Account, world.versailles_candidate)
        assert account.birth_name == "MARTIN"  # type: ignore[union-attr]
    done = await client.submit(url, {**values, "reason": "Acte de mariage reçu"})
    assert done.status_code == 303
    async with db.read() as session:
        account = await session.get(Account, world.versailles_candidate)
        [entry] = (await session.exec(select(AuditEntry))).all()
    assert account.birth_name == "MARTIN-DURAND" and account.civility == "MME"  # type: ignore[union-attr]
    assert entry.action == "identity_corrected" and entry.reason == "Acte de mariage reçu"
    assert entry.before == {"Civilité": "MONSIEUR", "Nom de famille": "MARTIN"}
    assert entry.after == {"Civilité": "MADAME", "Nom de famille": "MARTIN-DURAND"}
    page = unescape((await client.get(done.headers["location"])).text)
    assert "Nom de famille : MARTIN → MARTIN-DURAND" in page
    unchanged = await client.submit(url, {**values, "reason": "rien"})
    assert "Aucune donnée d'identité n'a été modifiée." in unescape(unchanged.text)


async def test_audit_exports_are_scoped(client, app, world, clock) -> None:  # type: ignore[no-untyped-def]
    await manager_login(client, VERSAILLES_MANAGER)
    await client.submit(
        app.route_reverse("management:withdraw", registration_id=world.versailles.id),
        {"reason": "=Demande"},
    )
    per_registration = await client.get(
        app.route_reverse("management:registration_audit", registration_id=world.versailles.id)
    )
    assert per_registration.content.startswith(b"\xef\xbb\xbf")
    lines = per_registration.content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "Date (heure de Paris);Gestionnaire;Action;Inscription (identifiant);Académie;Donnée;"
        "Avant;Après;Motif"
    )
    cells = lines[1].split(";")
    assert cells[1:] == [
        VERSAILLES_MANAGER,
        "Désinscription",
        str(world.versailles.id),
        "versailles",
        "état",
        "inscrite",
        "désinscrite",
        "'=Demande",
    ]
    await client.get(app.route_reverse("management:registrations_csv"))  # an export, audited
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, RENNES_MANAGER)
    rennes = (await client.get(app.route_reverse("management:audit_csv"))).content.decode(
        "utf-8-sig"
    )
    assert "Désinscription" not in rennes and VERSAILLES_MANAGER not in rennes
    await client.submit(app.route_reverse("accounts:logout"))
    await manager_login(client, VERSAILLES_MANAGER)
    mine = (await client.get(app.route_reverse("management:audit_csv"))).content.decode("utf-8-sig")
    assert "Désinscription" in mine and "Export CSV des inscriptions" in mine
