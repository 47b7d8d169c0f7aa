""" "Mes données" (guide §9): everything the portal holds about one candidate, nobody else.

Accounts exports the account; every other domain exports its own part through the hooks it
was given at composition (registrations, sessions, mails).
"""

from __future__ import annotations

from typing import Any

from portal.accounts import throttling
from portal.accounts.errors import AccountError
from portal.accounts.hooks import AccountHooks
from portal.accounts.models import Account, LoginThrottle
from portal.db import Database

HIDDEN = {"password_hash", "activation_nonce"}


def iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export_data(db: Database, hooks: AccountHooks, account_id: int) -> dict[str, Any]:
    async with db.read() as session:
        account = await session.get(Account, account_id)
        if account is None:
            raise AccountError("Ce compte n'existe plus.")
        data: dict[str, Any] = {
            "compte": {
                **{k: iso(v) for k, v in account.model_dump().items() if k not in HIDDEN},
                "password": (
                    "défini (seule une empreinte argon2id est conservée, jamais le mot de passe)"
                ),
            }
        }
        for export in hooks.exports:
            data.update(await export(session, account_id))
        throttle = await session.get(LoginThrottle, throttling.login_key(account.email))
    data["echecs_de_connexion"] = (
        {"nombre": throttle.failures, "dernier": iso(throttle.last_failure_at)}
        if throttle
        else None
    )
    return data
