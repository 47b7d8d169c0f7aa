"""The account purge, run inside the server (and by `portal purge`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.tasks import periodic


@periodic("purge-accounts", timedelta(minutes=5))
async def purge_accounts_job(state: Any) -> None:
    from portal.accounts.service import purge_unactivated

    await purge_unactivated(state.db, state.clock())
