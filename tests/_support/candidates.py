"""The tests' candidate, Jean TALU of the guide: an activated account built directly (the
sign-up journey has tests of its own), and a real login through the login form."""

from __future__ import annotations

from functools import cache

from portal.accounts import passwords
from portal.accounts.fixtures import activated_account
from portal.settings import Settings

PASSWORD = "Beuvry.Soleil62"
EMAIL = "jean_talu@ac-rennes.fr"


@cache
def password_hash() -> str:
    """PASSWORD hashed once per run with the production cost (the settings refuse a lower one)."""
    settings = Settings.from_env({}, secret_key="x" * 40)
    return passwords.hash_password_sync(PASSWORD, settings)


async def make_account(db, clock, password_hash: str, email: str, **identity) -> int:  # type: ignore[no-untyped-def]
    """An activated account whose password is PASSWORD; returns its id."""
    async with db.write() as session:
        account = activated_account(email, password_hash, clock(), **identity)
        session.add(account)
        await session.flush()
        return account.id  # type: ignore[return-value]


async def log_in(client, email: str = EMAIL, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    """Log in through the login form, as a person does (GET for the CSRF cookie, then POST)."""
    await client.get("/connexion")
    return await client.submit("/connexion", {"email": email, "password": password, **extra})


async def logged_in(client, email: str = EMAIL) -> None:  # type: ignore[no-untyped-def]
    """Log in and insist that it worked (a 303 to the next page)."""
    response = await log_in(client, email)
    assert response.status_code == 303, response.text
