"""The account purge, run inside the server (and by `portal purge`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.accounts.signup import purge_unactivated
from portal.tasks import Job


async def purge_accounts_job(state: Any) -> None:
    await purge_unactivated(state.db, state.clock(), state.account_hooks)


PURGE_ACCOUNTS = Job("purge-accounts", timedelta(minutes=5), purge_accounts_job)
