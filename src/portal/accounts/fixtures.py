"""Demo account for newcomers (`portal demo load`): an activated candidate, created idempotently.

Login: jean.talu@example.fr / password: Demo.Soleil!62 (documented in the README).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from portal.accounts import passwords
from portal.accounts.models import Account
from portal.accounts.records import by_email
from portal.db import Database
from portal.settings import Settings

DEMO_EMAIL = "jean.talu@example.fr"
DEMO_PASSWORD = "Demo.Soleil!62"  # noqa: S105 - a documented demo password, not a secret


def activated_account(email: str, password_hash: str, now: datetime, **identity: object) -> Account:
    """An activated candidate (the demo's, the tests'): Jean TALU of the guide unless told."""
    values: dict[str, object] = {
        "civility": "M",
        "birth_name": "TALU",
        "first_names": "Jean",
        "birth_country_code": "100",
        "birth_date": date(2002, 1, 1),
        "birth_department_code": "062",
        "birth_city": "BEUVRY",
        **identity,
    }
    return Account(
        email=email,
        password_hash=password_hash,
        password_changed_at=now,
        activation_nonce=secrets.token_urlsafe(16),
        activation_expires_at=now,
        activated_at=now,
        created_at=now,
        updated_at=now,
        **values,  # type: ignore[arg-type]
    )


async def load_demo_accounts(db: Database, settings: Settings, now: datetime) -> dict[str, int]:
    async with db.read() as session:
        existing = await by_email(session, DEMO_EMAIL)
    if (
        existing is not None
        and existing.is_active
        and await passwords.verify_password(existing.password_hash, DEMO_PASSWORD, settings)
    ):
        return {"demo accounts": 0}
    password_hash = await passwords.hash_password(DEMO_PASSWORD, settings)
    async with db.write() as session:
        account = await by_email(session, DEMO_EMAIL)
        if account is None:
            account = activated_account(DEMO_EMAIL, password_hash, now)
            session.add(account)
        else:
            account.password_hash = password_hash
            account.password_changed_at = now
            account.updated_at = now
        account.activated_at = account.activated_at or now
    return {"demo accounts": 1}
