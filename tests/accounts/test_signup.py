"""Sign-up, the activation mail and link (48 h, single use, superseded by a resend), one account
per email without telling strangers, against a real SMTP server."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlmodel import select

from portal.accounts.models import Account
from portal.mail.models import OutboxMail
from tests.accounts.conftest import (
    EMAIL,
    PASSWORD,
    deliver,
    log_in,
    mail_link,
    sign_up,
    sign_up_and_activate,
)
from tests.conftest import Mailbox

GUIDE_TEXT = [
    "Bonjour,",
    "Vous venez de créer un compte sur Portail Candidat. Votre inscription sera possible "
    "seulement quand vous aurez activé votre compte.",
    "Pour activer votre compte, veuillez cliquer sur le lien :",
    "Activer mon compte",
    "Si le lien ci-dessus ne fonctionne pas, il vous suffit de copier l'adresse suivante dans "
    "la barre de votre navigateur :",
    "Ce lien n'est valable que pour une durée de 48h. Passé ce délai, vos informations seront "
    "effacées.",
    "A bientôt sur Portail Candidat",
    "Cordialement\nLe Service Gestionnaire",
]


async def accounts(db) -> list[Account]:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return list((await session.exec(select(Account))).all())


async def test_sign_up_mail_activation_login_home(client, app, db, mailbox: Mailbox) -> None:  # type: ignore[no-untyped-def]
    response = await sign_up(client)
    assert response.status_code == 303 and response.headers["location"] == "/compte/merci"
    thanks = await client.get("/compte/merci")
    for sentence in (
        "MERCI !",
        "Votre compte est en cours de création.",
        "Votre inscription sera possible seulement lorsque votre compte sera activé.",
        f"Vous allez recevoir un mail à l'adresse <strong>{EMAIL}</strong>",
        "Ce lien n'est valable que pour une durée de 48h.",
    ):
        assert sentence in thanks.text.replace("&#39;", "'")
    [account] = await accounts(db)
    assert account.email == EMAIL and account.activated_at is None
    assert account.birth_name == "TALU" and account.birth_department_code == "062"

    # not activated yet: the right password gets the activation reminder, not a session
    refused = await log_in(client)
    assert refused.status_code == 200 and "pas encore activé" in refused.text

    await deliver(app)
    [message] = await mailbox.wait_for(EMAIL)
    assert message["Subject"] == "[Portail Candidat] Activer mon compte"
    text = Mailbox.text(message).replace("\r\n", "\n")
    for sentence in GUIDE_TEXT:
        assert sentence in text
    assert message.get_body(preferencelist=("html",)) is not None
    link = Mailbox.links(message)[0]
    assert link.startswith("http://127.0.0.1:8000/compte/activer/")

    activated = await client.get(link)
    assert activated.status_code == 303 and activated.headers["location"] == "/connexion"
    login_page = await client.get("/connexion")
    assert "Votre compte est activé" in login_page.text

    response = await log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/espace"
    home = await client.get("/espace")
    assert home.status_code == 200
    assert "Bienvenue Jean TALU" in home.text
    for entry in (
        "Modifier mon compte",
        "M&#39;inscrire",
        "Mes inscriptions",
        "Mes documents",
        "Mes justificatifs",
        "Formulaires",
        "Se déconnecter",
    ):
        assert entry in home.text or entry.replace("&#39;", "'") in home.text

    # the link is single use: a second click changes nothing and says so
    again = await client.get(link)
    assert again.status_code == 303 and again.headers["location"] == "/espace"
    assert "Votre compte est déjà activé" in (await client.get("/espace")).text


async def test_activation_at_47h59_works(client, app, clock, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    link = await mail_link(app, mailbox, EMAIL)
    clock.advance(hours=47, minutes=59)
    assert (await client.get(link)).status_code == 303
    [account] = await accounts(db)
    assert account.activated_at == clock()


async def test_activation_at_48h01_is_refused_with_the_resend_path(
    client, app, clock, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    link = await mail_link(app, mailbox, EMAIL)
    clock.advance(hours=48, minutes=1)
    response = await client.get(link)
    assert response.status_code == 410
    assert "Ce lien d&#39;activation n&#39;est plus valable" in response.text
    assert 'href="/compte/renvoyer-lien"' in response.text and "Renvoyer le lien" in response.text
    assert 'href="/compte/creer"' in response.text
    [account] = await accounts(db)
    assert account.activated_at is None


async def test_resend_supersedes_the_previous_link(client, app, clock, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    first = await mail_link(app, mailbox, EMAIL)
    clock.advance(minutes=5)
    await client.get("/compte/renvoyer-lien")
    response = await client.submit("/compte/renvoyer-lien", {"email": "JEAN_TALU@ac-rennes.fr"})
    assert response.status_code == 200
    assert "un nouveau lien d'activation vient de lui être envoyé" in response.text
    second = await mail_link(app, mailbox, EMAIL, count=2)
    assert second != first
    old = await client.get(first)
    assert old.status_code == 400 and "un lien plus récent" in old.text
    assert (await client.get(second)).status_code == 303


async def test_resend_extends_the_48h_and_answers_the_same_for_unknown(
    client, app, clock, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    await mail_link(app, mailbox, EMAIL)
    clock.advance(hours=40)
    await client.get("/compte/renvoyer-lien")
    known = await client.submit("/compte/renvoyer-lien", {"email": EMAIL})
    unknown = await client.submit("/compte/renvoyer-lien", {"email": "personne@ac-rennes.fr"})
    assert known.text.replace(EMAIL, "X") == unknown.text.replace("personne@ac-rennes.fr", "X")
    link = await mail_link(app, mailbox, EMAIL, count=2)
    clock.advance(hours=47)  # 87 h after sign-up, 47 h after the new link
    assert (await client.get(link)).status_code == 303
    assert len(mailbox.to("personne@ac-rennes.fr")) == 0


async def test_resend_right_after_sign_up_sends_a_mail_and_the_first_link_stops(
    client, app, clock, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    first = await mail_link(app, mailbox, EMAIL)
    await client.get("/compte/renvoyer-lien")
    response = await client.submit("/compte/renvoyer-lien", {"email": EMAIL})
    assert "un nouveau lien d'activation vient de lui être envoyé" in response.text
    second = await mail_link(app, mailbox, EMAIL, count=2)
    assert second != first
    assert (await client.get(first)).status_code == 400
    assert (await client.get(second)).status_code == 303


async def test_resend_on_an_expired_account_not_yet_purged_gives_a_fresh_48h_link(
    client, app, clock, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    first = await mail_link(app, mailbox, EMAIL)
    clock.advance(hours=49)  # the purge has not run yet
    refused = await log_in(client)
    assert "demandez un nouveau lien d'activation" in html.unescape(refused.text)
    await client.get("/compte/renvoyer-lien")
    await client.submit("/compte/renvoyer-lien", {"email": EMAIL})
    link = await mail_link(app, mailbox, EMAIL, count=2)
    [account] = await accounts(db)
    assert account.activation_expires_at == clock() + timedelta(hours=48)
    assert (await client.get(first)).status_code in (400, 410)
    clock.advance(hours=47, minutes=59)
    assert (await client.get(link)).status_code == 303
    assert (await accounts(db))[0].activated_at == clock()


async def test_login_after_a_resend_points_to_the_newest_mail(
    client, app, clock, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    first = await log_in(client)
    assert "ou demandez un nouveau lien" in first.text
    clock.advance(minutes=3)
    await client.get("/compte/renvoyer-lien")
    await client.submit("/compte/renvoyer-lien", {"email": EMAIL})
    after = await log_in(client)
    assert after.status_code == 200
    text = html.unescape(after.text)
    assert "demandez un nouveau lien" not in text
    assert "un nouveau lien d'activation vous a été envoyé le" in text
    assert "(heure de Paris)" in text and "mail le plus récent" in text


async def test_resend_is_limited_per_account_and_hour(client, app, clock, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    await client.get("/compte/renvoyer-lien")
    for _ in range(6):
        clock.advance(seconds=10)
        await client.submit("/compte/renvoyer-lien", {"email": EMAIL})
    async with db.read() as session:
        kinds = [m.kind for m in (await session.exec(select(OutboxMail))).all()]
    assert kinds == ["activation"] * 5  # the sign-up's and four new ones within the hour
    clock.advance(hours=1)
    await client.submit("/compte/renvoyer-lien", {"email": EMAIL})
    async with db.read() as session:
        assert len((await session.exec(select(OutboxMail))).all()) == 6


async def test_resend_rejects_a_malformed_email(client) -> None:  # type: ignore[no-untyped-def]
    await client.get("/compte/renvoyer-lien")
    response = await client.submit("/compte/renvoyer-lien", {"email": "pas-une-adresse"})
    assert "Erreur : " in response.text
    assert "Saisissez une adresse mail valide" in response.text


async def test_a_forged_or_altered_link_is_refused(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    link = await mail_link(app, mailbox, EMAIL)
    assert (await client.get(link[:-2] + "xx")).status_code == 400
    assert (await client.get("/compte/activer/n-importe-quoi")).status_code == 400


async def test_known_email_gets_the_same_page_and_its_owner_a_mail(
    client, app, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    mailbox.clear()
    other = await sign_up(
        client,
        birth_name="Intrus",
        birth_name_confirmation="Intrus",
        password="Autre.Mot2passe",
        password_confirmation="Autre.Mot2passe",
    )
    assert other.status_code == 303 and other.headers["location"] == "/compte/merci"
    thanks = await client.get("/compte/merci")
    assert "MERCI !" in thanks.text and EMAIL in thanks.text
    [account] = await accounts(db)
    assert account.birth_name == "TALU"  # nothing was overwritten
    await deliver(app)
    [warning] = await mailbox.wait_for(EMAIL)
    assert warning["Subject"] == "[Portail Candidat] Tentative de création de compte"
    assert "Un compte existe déjà pour cette adresse" in Mailbox.text(warning)
    # the original password still works
    assert (await log_in(client)).status_code == 303


async def test_emails_are_unique_case_insensitively(client, app, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    await sign_up(
        client, email="JEAN_TALU@AC-RENNES.FR", email_confirmation="jean_talu@AC-rennes.fr"
    )
    assert len(await accounts(db)) == 1


async def test_an_expired_pending_account_can_sign_up_again(
    client, app, clock, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    clock.advance(hours=49)
    await sign_up(client, first_names="Jeanne")
    [account] = await accounts(db)
    assert account.first_names == "Jeanne"
    async with db.read() as session:
        mails = (await session.exec(select(OutboxMail))).all()
    assert [m.kind for m in mails] == ["activation"]  # the first one went with its account


async def test_logged_in_visitors_are_sent_home(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    await log_in(client)
    assert (await client.get("/compte/creer")).headers["location"] == "/espace"
    assert (await client.get("/connexion")).headers["location"] == "/espace"
    assert PASSWORD
