""" "Modifier mon compte" (guide §4): editable while no registration exists, then only email and
password, with the managing office to contact; a new email only after its confirmation by link;
a password change asks for the current one and ends the other sessions."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from portal.accounts.models import Account
from portal.catalog.models import (
    ManagingOffice,
    OpeningPeriod,
    Qualification,
    Session,
    Specialty,
)
from portal.registrations.models import Registration
from portal.web.sessions import COOKIE_NAME
from tests.accounts.conftest import (
    EMAIL,
    PASSWORD,
    deliver,
    field_error,
    log_in,
    mail_link,
    sign_up_and_activate,
    unescape,
)
from tests.conftest import Mailbox

LOCK_SENTENCE = (
    "Les informations de votre compte ne sont pas modifiables car vous avez au moins une "
    "inscription en cours."
)


async def logged_in(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    assert (await log_in(client)).status_code == 303


async def edit_values(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    html = (await client.get("/compte/modifier")).text
    names = [
        "civility",
        "birth_name",
        "birth_name_confirmation",
        "usage_name",
        "first_names",
        "birth_country",
        "birth_date",
        "birth_date_confirmation",
        "birth_department",
        "birth_city",
        "email",
        "email_confirmation",
    ]
    values = {}
    for name in names:
        value = _value(html, name)
        if value is not None:
            values[name] = value
    return values


def _value(html: str, name: str) -> str | None:
    import re

    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    if match:
        return unescape(match.group(1))
    select = re.search(rf'name="{name}".*?</select>', html, re.S)
    if select:
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(0))
        return chosen.group(1) if chosen else ""
    return None


async def add_registration(  # type: ignore[no-untyped-def]
    db,
    account_id: int,
    now,
    *,
    academy: str = "aix-marseille",
    office: tuple[str, str, str] = ("Rectorat", "0442266803", "contact@ac-aixmarseille.fr"),
    code: str = "TEST-CC",
    number: str = "001",
) -> None:
    async with db.write() as session:
        qualification = Qualification(code=code, domain_code="G02", name="CERTIFICATION TEST")
        session.add(qualification)
        await session.flush()
        specialty = Specialty(qualification_id=qualification.id, code="ART", name="ARTS")
        exam_session = Session(qualification_id=qualification.id, year=2027)
        session.add_all([specialty, exam_session])
        await session.flush()
        session.add(
            ManagingOffice(
                academy_code=academy,
                qualification_id=qualification.id,
                name=office[0],
                phone=office[1],
                email=office[2],
                postal_address="Place Lucien Paye\n13100 Aix-en-Provence",
            )
        )
        period = OpeningPeriod(
            session_id=exam_session.id,
            specialty_id=specialty.id,
            academy_code=academy,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=10),
        )
        session.add(period)
        await session.flush()
        session.add(
            Registration(
                account_id=account_id,
                opening_period_id=period.id,
                registration_number=number,
                created_at=now,
                updated_at=now,
            )
        )


async def the_account(db) -> Account:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return (await session.exec(select(Account).where(Account.id == 1))).one()


async def test_the_form_is_prefilled_and_editable_without_registration(
    client, app, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await logged_in(client, app, mailbox)
    values = await edit_values(client)
    assert values["birth_name"] == "TALU" and values["birth_date"] == "01/01/2002"
    assert values["birth_department"] == "062" and values["email"] == EMAIL
    page = await client.get("/compte/modifier")
    assert LOCK_SENTENCE not in page.text and "<h1>Modifier mes informations</h1>" in page.text
    values.update(usage_name="Martin", first_names="Jean, Pierre")
    response = await client.submit("/compte/modifier", values)
    assert response.status_code == 303
    assert "Vos informations ont été enregistrées." in (await client.get("/compte/modifier")).text
    account = await the_account(db)
    assert account.usage_name == "MARTIN" and account.first_names == "Jean, Pierre"
    await deliver(app)
    assert len(mailbox.to(EMAIL)) == 1  # no mail on modification (guide 2.0, DECISIONS 6)


async def test_edit_errors_are_shown_and_nothing_changes(client, app, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    await logged_in(client, app, mailbox)
    values = await edit_values(client)
    values.update(birth_name_confirmation="AUTRE", birth_date="30/02/2002")
    response = await client.submit("/compte/modifier", values)
    assert response.status_code == 200 and "<title>Erreur : " in response.text
    assert unescape(field_error(response.text, "birth_name_confirmation") or "") == (
        "Le nom de famille et sa confirmation ne sont pas identiques."
    )
    assert 'value="AUTRE"' in response.text
    assert (await the_account(db)).birth_name == "TALU"


async def test_once_a_registration_exists_only_email_and_password_change(
    client, app, db, clock, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await logged_in(client, app, mailbox)
    await add_registration(db, 1, clock())
    page = await client.get("/compte/modifier")
    text = unescape(page.text)
    assert LOCK_SENTENCE in text
    assert (
        "Pour toute modification, veuillez contacter le service : "
        "Rectorat - 0442266803 - contact@ac-aixmarseille.fr"
    ) in text
    assert 'name="birth_name"' not in text and 'name="email"' in text and 'name="password"' in text
    assert "<dd>TALU</dd>" in text
    # a forged post of identity fields changes nothing
    response = await client.submit(
        "/compte/modifier",
        {
            "birth_name": "PIRATE",
            "birth_name_confirmation": "PIRATE",
            "email": EMAIL,
            "email_confirmation": EMAIL,
        },
    )
    assert response.status_code == 303
    assert (await the_account(db)).birth_name == "TALU"
    # a withdrawn registration no longer locks
    async with db.write() as session:
        registration = (await session.exec(select(Registration))).one()
        registration.withdrawn_at = clock()
    assert LOCK_SENTENCE not in unescape((await client.get("/compte/modifier")).text)


async def test_the_lock_message_names_every_managing_office(
    client, app, db, clock, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await logged_in(client, app, mailbox)
    await add_registration(db, 1, clock())
    await add_registration(
        db,
        1,
        clock(),
        academy="rennes",
        office=("Rectorat de Rennes - DEC", "0223214567", "dec@ac-rennes.fr"),
        code="TEST-BIA",
        number="002",
    )
    text = unescape((await client.get("/compte/modifier")).text)
    assert LOCK_SENTENCE in text
    assert "veuillez contacter les services gestionnaires de vos inscriptions :" in text
    assert "<li>Rectorat - 0442266803 - contact@ac-aixmarseille.fr</li>" in text
    assert "<li>Rectorat de Rennes - DEC - 0223214567 - dec@ac-rennes.fr</li>" in text


async def test_password_change_needs_the_current_one_and_ends_other_sessions(
    client, app, db, mailbox
) -> None:  # type: ignore[no-untyped-def]
    await logged_in(client, app, mailbox)
    elsewhere = client.cookies[COOKIE_NAME]
    client.cookies.delete(COOKIE_NAME)
    await log_in(client)
    values = await edit_values(client)
    new = "Autre.Mot2passe"
    missing = await client.submit(
        "/compte/modifier", {**values, "password": new, "password_confirmation": new}
    )
    assert unescape(field_error(missing.text, "current_password") or "") == (
        "Saisissez votre mot de passe actuel pour changer d'adresse mail ou de mot de passe."
    )
    wrong = await client.submit(
        "/compte/modifier",
        {
            **values,
            "password": new,
            "password_confirmation": new,
            "current_password": "Faux.Mot2passe",
        },
    )
    assert unescape(field_error(wrong.text, "current_password") or "") == (
        "Le mot de passe actuel n'est pas correct."
    )
    assert new not in wrong.text
    done = await client.submit(
        "/compte/modifier",
        {**values, "password": new, "password_confirmation": new, "current_password": PASSWORD},
    )
    assert done.status_code == 303
    assert (await client.get("/espace")).status_code == 200  # this session stays
    current = client.cookies[COOKIE_NAME]
    client.cookies.delete(COOKIE_NAME)
    client.cookies.set(COOKIE_NAME, elsewhere)
    assert (await client.get("/espace")).status_code == 303  # the other one ended
    client.cookies.delete(COOKIE_NAME)
    client.cookies.set(COOKIE_NAME, current)
    await deliver(app)
    subjects = [m["Subject"] for m in await mailbox.wait_for(EMAIL, count=2)]
    assert "[Portail Candidat] Votre mot de passe a été modifié" in subjects


async def test_new_email_takes_effect_only_after_confirmation(client, app, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    await logged_in(client, app, mailbox)
    values = await edit_values(client)
    new_email = "jean.talu@exemple.fr"
    response = await client.submit(
        "/compte/modifier",
        {
            **values,
            "email": new_email,
            "email_confirmation": new_email,
            "current_password": PASSWORD,
        },
    )
    assert response.status_code == 303
    page = unescape((await client.get("/compte/modifier")).text)
    assert f"Un mail de confirmation a été envoyé à {new_email}" in page
    assert (await the_account(db)).email == EMAIL  # not yet
    link = await mail_link(app, mailbox, new_email, path="/compte/email/confirmer/")
    notice = [m for m in mailbox.to(EMAIL) if "changement" in m["Subject"]]
    assert notice and new_email in Mailbox.text(notice[0])
    confirmed = await client.get(link)
    assert confirmed.status_code == 303
    account = await the_account(db)
    assert account.email == new_email and account.pending_email is None
    assert (await client.get(link)).status_code == 400  # single use
    await client.submit("/deconnexion")
    assert (await log_in(client, email=new_email)).status_code == 303


async def test_an_email_of_another_account_is_not_revealed(client, app, db, mailbox) -> None:  # type: ignore[no-untyped-def]
    other = "autre@ac-rennes.fr"
    await sign_up_and_activate(client, app, mailbox, email=other, email_confirmation=other)
    await logged_in(client, app, mailbox)
    values = await edit_values(client)
    response = await client.submit(
        "/compte/modifier",
        {**values, "email": other, "email_confirmation": other, "current_password": PASSWORD},
    )
    assert response.status_code == 303  # same answer as for a free address
    await deliver(app)
    warnings = [m for m in await mailbox.wait_for(other, count=2) if "Tentative" in m["Subject"]]
    assert warnings and not Mailbox.links(warnings[0])[0].count("/compte/email/confirmer/")


async def test_my_data_holds_everything_about_me_and_nothing_about_others(
    client, app, db, clock, mailbox
) -> None:  # type: ignore[no-untyped-def]
    other = "autre@ac-rennes.fr"
    await sign_up_and_activate(
        client, app, mailbox, email=other, email_confirmation=other, first_names="Zoé"
    )
    await logged_in(client, app, mailbox)
    await add_registration(db, 2, clock())
    response = await client.get("/compte/mes-donnees")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.content)
    assert data["compte"]["email"] == EMAIL and data["compte"]["birth_name"] == "TALU"
    assert "password_hash" not in data["compte"] and "$argon2" not in response.text
    assert (
        len(data["inscriptions"]) == 1 and data["inscriptions"][0]["registration_number"] == "001"
    )
    assert len(data["sessions_ouvertes"]) == 1
    assert [m["objet"] for m in data["mails"]] == ["[Portail Candidat] Activer mon compte"]
    assert other not in response.text and "Zoé" not in response.text
    assert (await client.get("/compte/mes-donnees")).headers["cache-control"] == "no-store"


async def test_candidate_pages_need_a_login(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/espace", "/compte/modifier", "/compte/mes-donnees", "/formulaires"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/connexion?suivant={path}"
