"""Login (guide §3 "Veuillez vous identifier"): the same answer in similar time for an unknown email
and a wrong password, throttling shared through the database, trusted proxies only, `suivant`."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.accounts import passwords, throttling
from portal.accounts.models import Account, LoginThrottle
from portal.web.sessions import COOKIE_NAME
from tests.accounts.conftest import EMAIL, PASSWORD, log_in, sign_up_and_activate


def _answer(html: str, email: str) -> str:
    """The page without what legitimately differs: the typed email and the CSRF token."""
    html = html.replace(email, "EMAIL")
    return re.sub(r'(value="|x-csrftoken": ")[^"]+"', r'\1TOKEN"', html)


async def test_login_page_has_the_guide_wording(client) -> None:  # type: ignore[no-untyped-def]
    html = (await client.get("/connexion")).text
    assert "<h1>Veuillez vous identifier</h1>" in html
    assert ">Login <span" in html and ">Mot de passe <span" in html
    assert (
        'href="/mot-de-passe/oublie">Mot de passe oublié, réinitialisation du mot de passe</a>'
        in html
    )
    assert """href="/compte/creer">Je n'ai pas de compte</a>""" in html
    assert '<button type="submit">Se connecter</button>' in html
    assert 'autocomplete="current-password"' in html


async def test_unknown_email_and_wrong_password_get_the_same_answer(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    wrong = await log_in(client, password="Mauvais.Mot2passe")
    unknown = await log_in(client, email="inconnu@ac-rennes.fr", password="Mauvais.Mot2passe")
    assert wrong.status_code == unknown.status_code == 200
    assert "Adresse mail ou mot de passe incorrect." in wrong.text
    assert "<title>Erreur : " in wrong.text
    assert _answer(wrong.text, EMAIL) == _answer(unknown.text, "inconnu@ac-rennes.fr")
    assert COOKIE_NAME not in wrong.cookies and COOKIE_NAME not in unknown.cookies


async def test_unknown_email_and_wrong_password_do_the_same_work(  # type: ignore[no-untyped-def]
    client, app, mailbox, monkeypatch
) -> None:
    """No timing here (timings live in bench/): an unknown email and a wrong password must each
    run exactly one real argon2 verification, against a hash of the same cost."""
    await sign_up_and_activate(client, app, mailbox)
    await client.get("/connexion")
    verified: list[str] = []
    real = passwords._verify_sync

    def counting(stored_hash: str, password: str, settings):  # type: ignore[no-untyped-def]
        verified.append(stored_hash.rsplit("$", 2)[0])  # algorithm, version and cost
        return real(stored_hash, password, settings)

    monkeypatch.setattr(passwords, "_verify_sync", counting)
    answers = {}
    for label, email in (("wrong", EMAIL), ("unknown", "inconnu@ac-rennes.fr")):
        verified.clear()
        response = await client.submit(
            "/connexion", {"email": email, "password": "Mauvais.Mot2passe"}
        )
        assert len(verified) == 1, (label, verified)
        answers[label] = (response.status_code, verified[0])
    assert answers["wrong"] == answers["unknown"]
    assert answers["wrong"][1].startswith("$argon2id$")


async def test_throttling_grows_then_pauses_and_says_when(client, app, db, clock, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    for _ in range(throttling.FREE_FAILURES):
        response = await log_in(client, password="Mauvais.Mot2passe")
        assert "Réessayez" not in response.text
    fifth = await log_in(client, password="Mauvais.Mot2passe")
    assert "Par sécurité, réessayez dans 1 minute." in fifth.text
    # while the delay runs, even the right password is not checked: 429, a French page, when
    blocked = await log_in(client)
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "60"
    assert "Trop de tentatives" in blocked.text
    assert COOKIE_NAME not in blocked.cookies
    waits = []
    for _ in range(5, throttling.MAX_FAILURES):
        clock.advance(minutes=31)
        response = await log_in(client, password="Mauvais.Mot2passe")
        waits.append(re.search(r"réessayez dans (\d+) minute", response.text).group(1))  # type: ignore[union-attr]
    assert waits == ["2", "4", "8", "16", "30"]  # growing, then the pause at the 10th failure
    clock.advance(minutes=29)
    assert (await log_in(client)).headers["retry-after"] == "60"
    clock.advance(minutes=1, seconds=1)
    assert (await log_in(client)).status_code == 303  # success clears the counter
    async with db.read() as session:
        assert await session.get(LoginThrottle, throttling.login_key(EMAIL)) is None


async def test_unknown_emails_are_throttled_exactly_like_known_ones(client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        response = await log_in(client, email="inconnu@ac-rennes.fr", password="Mauvais.Mot2passe")
    assert "réessayez dans 1 minute" in response.text


async def test_the_client_address_is_throttled_across_emails(client, settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(throttling.ADDRESS_FACTOR * throttling.FREE_FAILURES + 1):
        response = await log_in(
            client, email=f"essai{n}@ac-rennes.fr", password="Mauvais.Mot2passe"
        )
    assert "réessayez dans 1 minute" in response.text
    other = await log_in(client, email="encore@ac-rennes.fr", password="Mauvais.Mot2passe")
    assert other.status_code == 429 and other.headers["retry-after"] == "60"


def test_delays_follow_the_policy() -> None:
    assert [throttling.delay_after(n) for n in range(1, 12)] == [
        timedelta(0),
        timedelta(0),
        timedelta(0),
        timedelta(0),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(minutes=16),
        timedelta(minutes=30),
        timedelta(minutes=30),
    ]


@pytest.mark.parametrize(
    ("peer", "header", "proxies", "expected"),
    [
        ("203.0.113.9", "198.51.100.1", (), "203.0.113.9"),  # no proxy trusted: header ignored
        ("10.0.0.2", "198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", ("10.0.0.0/8",), "198.51.100.1"),
        ("203.0.113.9", "198.51.100.1", ("10.0.0.0/8",), "203.0.113.9"),  # peer not trusted
        ("10.0.0.2", "pas-une-ip", ("10.0.0.2",), "10.0.0.2"),
        ("::1", "2001:db8::1", ("::1",), "2001:db8::1"),
    ],
)
def test_forwarded_for_is_trusted_only_from_configured_proxies(
    peer, header, proxies, expected
) -> None:  # type: ignore[no-untyped-def]
    assert throttling.client_address(peer, header, proxies) == expected


async def test_a_spoofed_forwarded_for_does_not_escape_throttling(client) -> None:  # type: ignore[no-untyped-def]
    for n in range(throttling.ADDRESS_FACTOR * throttling.FREE_FAILURES + 1):
        await client.get("/connexion")
        response = await client.submit(
            "/connexion",
            {"email": f"essai{n}@ac-rennes.fr", "password": "Mauvais.Mot2passe"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
    assert "réessayez dans 1 minute" in response.text


async def test_suivant_is_honoured_only_for_local_paths(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    guarded = await client.get("/compte/modifier")
    assert guarded.headers["location"] == "/connexion?suivant=/compte/modifier"
    page = await client.get("/connexion?suivant=/compte/modifier")
    assert 'name="suivant" value="/compte/modifier"' in page.text
    response = await log_in(client, suivant="/compte/modifier")
    assert response.headers["location"] == "/compte/modifier"
    for evil in (
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        await client.post("/deconnexion", data={"_csrf_token": client.csrf_token()})
        response = await log_in(client, suivant=evil)
        assert response.headers["location"] == "/espace", evil


async def test_logout_is_a_post_that_revokes_the_session(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    await log_in(client)
    home = await client.get("/espace")
    assert 'action="/deconnexion"' in home.text and "Se déconnecter</button>" in home.text
    assert (await client.get("/deconnexion")).status_code == 405
    response = await client.submit("/deconnexion")
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert (await client.get("/espace")).status_code == 303
    assert "Vous êtes déconnecté(e)." in (await client.get("/")).text


async def test_menu_for_visitors_and_candidates(client, app, mailbox) -> None:  # type: ignore[no-untyped-def]
    public = (await client.get("/connexion")).text
    nav = public.split('aria-label="Menu principal"')[1].split("</nav>")[0]
    assert re.findall(r">([^<>]+)</a>", nav) == [
        "Accueil",
        "Ouverture des services",
        "Créer un compte",
        "Se connecter",
    ]
    assert '<a href="/connexion" aria-current="page">Se connecter</a>' in nav
    await sign_up_and_activate(client, app, mailbox)
    await log_in(client)
    page = (await client.get("/formulaires")).text
    nav = page.split('aria-label="Menu principal"')[1].split("</nav>")[0]
    assert [label.replace("&#39;", "'") for label in re.findall(r">([^<>]+)</a>", nav)] == [
        "Modifier mon compte",
        "M'inscrire",
        "Mes inscriptions",
        "Mes documents",
        "Mes justificatifs",
        "Formulaires",
    ]
    for href in ("/m-inscrire", "/mes-inscriptions", "/mes-documents", "/mes-justificatifs"):
        assert f'href="{href}"' in nav
    assert '<a href="/formulaires" aria-current="page">Formulaires</a>' in nav
    assert (
        "Actuellement, cette section n'est pas utilisée dans le cadre des examens/certifications."
        in page
    )


async def test_hashes_are_upgraded_at_login_when_parameters_change(
    client, app, db, mailbox, settings
) -> None:  # type: ignore[no-untyped-def]
    await sign_up_and_activate(client, app, mailbox)
    weaker = dataclasses.replace(
        settings, password_hash_memory_kib=8192, password_hash_iterations=1
    )
    old_hash = passwords.hash_password_sync(PASSWORD, weaker)
    async with db.write() as session:
        account = (await session.exec(select(Account))).one()
        account.password_hash = old_hash
    assert (await log_in(client)).status_code == 303
    async with db.read() as session:
        account = (await session.exec(select(Account))).one()
    assert account.password_hash != old_hash
    assert account.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
