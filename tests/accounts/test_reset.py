"""Password reset by signed link: 1 h, single use, void once the password changes; every session
of the account ends and a confirmation mail is sent."""

from __future__ import annotations

from sqlmodel import select

from portal.web.sessions import COOKIE_NAME, WebSession
from tests.accounts.conftest import (
    EMAIL,
    PASSWORD,
    deliver,
    log_in,
    mail_link,
    sign_up_and_activate,
)
from tests.conftest import Mailbox

NEW = "Nouveau.Mot2passe"


async def ask_reset(client, app, mailbox, count: int = 2) -> str:  # type: ignore[no-untyped-def]
    await client.get("/mot-de-passe/oublie")
    response = await client.submit("/mot-de-passe/oublie", {"email": EMAIL.upper()})
    assert "un mail contenant un lien de réinitialisation vient de lui être envoyé" in response.text
    return await mail_link(app, mailbox, EMAIL, count=count, path="/mot-de-passe/reinitialiser/")


async def test_reset_ends_every_session_and_mails_a_confirmation(client, app, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    assert (await log_in(client)).status_code == 303
    other_device = client.cookies[COOKIE_NAME]  # a session opened elsewhere
    client.cookies.delete(COOKIE_NAME)
    link = await ask_reset(client, app, mailbox)
    [reset_mail] = [m for m in mailbox.to(EMAIL) if "Réinitialiser" in m["Subject"]]
    assert reset_mail["Subject"] == "[Portail Candidat] Réinitialiser mon mot de passe"
    assert "Ce lien n'est valable qu'une heure" in Mailbox.text(reset_mail)
    form = await client.get(link)
    assert form.status_code == 200 and "Choisir un nouveau mot de passe" in form.text
    response = await client.submit(link, {"password": NEW, "password_confirmation": NEW})
    assert response.status_code == 303 and response.headers["location"] == "/connexion"
    # the other device's session is gone
    client.cookies.set(COOKIE_NAME, other_device)
    assert (await client.get("/espace")).status_code == 303
    async with db.read() as session:
        assert (
            await session.exec(select(WebSession).where(WebSession.account_id.is_not(None)))
        ).all() == []  # type: ignore[union-attr]
    assert (await log_in(client, password=PASSWORD)).status_code == 200
    assert (await log_in(client, password=NEW)).status_code == 303
    await deliver(app)
    confirmation = await mailbox.wait_for(EMAIL, count=3)
    assert confirmation[-1]["Subject"] == "[Portail Candidat] Votre mot de passe a été modifié"
    # single use: the link is void once used
    again = await client.get(link)
    assert again.status_code == 400 and "Demander un nouveau lien" in again.text


async def test_reset_link_lasts_one_hour(client, app, clock, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    link = await ask_reset(client, app, mailbox)
    clock.advance(minutes=59)
    assert (await client.get(link)).status_code == 200
    clock.advance(minutes=2)
    expired = await client.get(link)
    assert expired.status_code == 410
    assert (
        "il n&#39;est valable qu&#39;une heure" in expired.text
        or "il n'est valable qu'une heure" in expired.text
    )


async def test_reset_link_dies_when_the_password_changes_otherwise(
    client, app, clock, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    first = await ask_reset(client, app, mailbox)
    clock.advance(minutes=2)
    second = await ask_reset(client, app, mailbox, count=3)
    await client.submit(second, {"password": NEW, "password_confirmation": NEW})
    assert (await client.get(first)).status_code == 400


async def test_reset_form_validates_the_new_password(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    link = await ask_reset(client, app, mailbox)
    await client.get(link)
    response = await client.submit(link, {"password": "court", "password_confirmation": "autre"})
    assert response.status_code == 200
    assert "Le mot de passe doit comporter au moins 8 caractères." in response.text
    assert "Le mot de passe et sa confirmation ne sont pas identiques." in response.text
    assert (await log_in(client)).status_code == 303  # unchanged


async def test_reset_clears_throttling_so_the_owner_gets_back_in(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    for _ in range(10):
        await log_in(client, password="Mauvais.Mot2passe")
    assert "Trop de tentatives" in (await log_in(client)).text
    link = await ask_reset(client, app, mailbox)
    await client.get(link)
    await client.submit(link, {"password": NEW, "password_confirmation": NEW})
    assert (await log_in(client, password=NEW)).status_code == 303


async def test_forgot_answers_the_same_for_unknown_emails(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await client.get("/mot-de-passe/oublie")
    response = await client.submit("/mot-de-passe/oublie", {"email": "inconnu@ac-rennes.fr"})
    assert "un mail contenant un lien de réinitialisation vient de lui être envoyé" in response.text
    assert await deliver(app) == 0
    bad = await client.submit("/mot-de-passe/oublie", {"email": ""})
    assert "Saisissez votre adresse mail." in bad.text


async def test_a_reset_activates_a_pending_account(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    from tests.accounts.conftest import sign_up

    await sign_up(client)
    link = await ask_reset(client, app, mailbox)
    await client.get(link)
    await client.submit(link, {"password": NEW, "password_confirmation": NEW})
    assert (await log_in(client, password=NEW)).status_code == 303
