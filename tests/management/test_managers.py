"""Manager accounts: created by an operator without any password, a mailed single-use link to
choose one (72 h), then the ordinary login (its throttling included) leads to /gestion. A manager
who never chose a password is erased with the accounts never activated."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from portal.accounts.models import Account
from portal.accounts.signup import purge_unactivated
from portal.composition import ACCOUNT_HOOKS
from portal.mail.sender import deliver_pending
from portal.management.errors import ManagementError
from portal.management.managers import create_manager
from portal.management.models import AuditEntry, Manager, ManagerAcademy
from portal.settings import Settings
from portal.web.links import Links
from tests._support.candidates import EMAIL, log_in
from tests.conftest import Mailbox
from tests.test_cli import portal

NEW = "Gestion.Versailles7"
MANAGER = "marie.curie@ac-versailles.fr"


@pytest.fixture
def settings(settings: Settings, smtp_server: Mailbox) -> Settings:
    return dataclasses.replace(settings, smtp_host=smtp_server.host, smtp_port=smtp_server.port)


def links_of(app) -> Links:  # type: ignore[no-untyped-def]
    return Links(app.state.settings.base_url, app.route_reverse)


async def welcome_link(app, mailbox: Mailbox, address: str, count: int = 1) -> str:  # type: ignore[no-untyped-def]
    state = app.state
    await deliver_pending(state.db, state.settings, state.clock())
    messages = await mailbox.wait_for(address, count=count)
    found = [link for link in Mailbox.links(messages[count - 1]) if "/gestion/bienvenue/" in link]
    assert found, Mailbox.text(messages[count - 1])
    return found[0].removeprefix(state.settings.base_url)


async def test_create_mail_choose_password_then_login_to_gestion(  # type: ignore[no-untyped-def]
    client, app, db, clock, mailbox, reference
) -> None:
    created = await create_manager(
        db,
        app.state.settings,
        links_of(app),
        clock(),
        " Marie.Curie@AC-Versailles.fr ",
        academies=["versailles", "Rennes"],
    )
    assert (
        created.new and created.email == MANAGER and created.academies == ("rennes", "versailles")
    )
    async with db.read() as session:
        account = (await session.exec(select(Account).where(Account.email == MANAGER))).one()
        assert account.is_manager and not account.is_active and account.birth_name is None
        codes = (await session.exec(select(ManagerAcademy.academy_code))).all()
        assert sorted(codes) == ["rennes", "versailles"]
        [entry] = (await session.exec(select(AuditEntry))).all()
        assert entry.action == "manager_created" and entry.after["academies"] == [
            "rennes",
            "versailles",
        ]
    link = await welcome_link(app, mailbox, MANAGER)
    [mail] = mailbox.to(MANAGER)
    assert mail["Subject"] == "[Portail Candidat] Votre accès à l'espace gestion"
    assert "72 heures" in Mailbox.text(mail)
    # nobody can log in before a password is chosen
    assert (await log_in(client, MANAGER, NEW)).status_code == 200
    form = await client.get(link)
    assert form.status_code == 200 and MANAGER in form.text
    # the candidates' password rule applies
    weak = await client.submit(link, {"password": "court", "password_confirmation": "court"})
    assert weak.status_code == 200 and 'aria-invalid="true"' in weak.text
    done = await client.submit(link, {"password": NEW, "password_confirmation": NEW})
    assert done.status_code == 303
    assert done.headers["location"].startswith(app.route_reverse("accounts:login"))
    # single use
    again = await client.get(link)
    assert again.status_code == 404 and "une seule fois" in again.text
    response = await log_in(client, MANAGER, NEW)
    assert response.status_code == 303
    assert response.headers["location"] == app.route_reverse("management:home")
    assert (await client.get(app.route_reverse("management:home"))).status_code == 200


async def test_same_login_throttling_for_managers(
    client, app, db, clock, mailbox, reference
) -> None:  # type: ignore[no-untyped-def]
    await create_manager(
        db, app.state.settings, links_of(app), clock(), MANAGER, academies=["versailles"]
    )
    link = await welcome_link(app, mailbox, MANAGER)
    await client.get(link)
    await client.submit(link, {"password": NEW, "password_confirmation": NEW})
    statuses = [(await log_in(client, MANAGER, "Mauvais.Mot2passe")).status_code for _ in range(12)]
    assert 429 in statuses  # the login's own throttling, as for candidates
    assert (await log_in(client, MANAGER, NEW)).status_code == 429


async def test_refusals_change_nothing(app, db, clock, reference, candidate) -> None:  # type: ignore[no-untyped-def]
    settings, links = app.state.settings, links_of(app)
    cases = [
        ({"academies": []}, "au moins une académie"),
        ({"academies": ["atlantide"]}, "Académie inconnue : atlantide"),
        ({"academies": ["versailles"], "all_academies": True}, "pas les deux"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ManagementError, match=message):
            await create_manager(db, settings, links, clock(), MANAGER, **kwargs)
    with pytest.raises(ManagementError, match="compte candidat"):
        await create_manager(db, settings, links, clock(), EMAIL, academies=["versailles"])
    async with db.read() as session:
        assert (await session.exec(select(Manager))).all() == []
        assert (await session.exec(select(AuditEntry))).all() == []


async def test_again_changes_the_academies_and_a_late_manager_is_purged(  # type: ignore[no-untyped-def]
    app, db, clock, mailbox, reference
) -> None:
    settings, links = app.state.settings, links_of(app)
    await create_manager(db, settings, links, clock(), MANAGER, academies=["versailles"])
    again = await create_manager(db, settings, links, clock(), MANAGER, all_academies=True)
    assert not again.new
    async with db.read() as session:
        [manager] = (await session.exec(select(Manager))).all()
        assert manager.all_academies
        assert (await session.exec(select(ManagerAcademy))).all() == []
    clock.advance(hours=71)
    assert await purge_unactivated(db, clock(), ACCOUNT_HOOKS) == 0
    clock.advance(hours=2)
    assert await purge_unactivated(db, clock(), ACCOUNT_HOOKS) == 1
    async with db.read() as session:
        assert (await session.exec(select(Manager))).all() == []
        assert (await session.exec(select(Account))).all() == []


@pytest.mark.sqlite_only("the command runs on the default SQLite file of its runtime folder")
def test_the_command_takes_no_password_and_queues_the_mail(tmp_path: Path, dialect) -> None:  # type: ignore[no-untyped-def]
    assert portal(tmp_path, "demo", "load").returncode == 0
    created = portal(
        tmp_path,
        "manager",
        "create",
        "--email",
        MANAGER,
        "--academy",
        "versailles",
        "--academy",
        "lyon",
    )
    assert created.returncode == 0, created.stderr
    assert "Gestionnaire créé" in created.stdout and "lyon, versailles" in created.stdout
    db = sqlite3.connect(tmp_path / "portal.sqlite3")
    [(to, body)] = db.execute(
        "SELECT to_address, body_text FROM mail_outbox WHERE kind = 'manager_welcome'"
    ).fetchall()
    assert to == MANAGER and "/gestion/bienvenue/" in body
    assert "/gestion/bienvenue/" not in created.stdout  # the link goes to the mailbox only
    refused = portal(tmp_path, "manager", "create", "--email", "x@example.fr")
    assert refused.returncode == 1 and "au moins une académie" in refused.stderr
    national = portal(tmp_path, "manager", "create", "--email", "n@example.fr", "--all-academies")
    assert national.returncode == 0 and "toutes les académies" in national.stdout
