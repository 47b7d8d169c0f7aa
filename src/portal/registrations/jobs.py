"""Periodic jobs of the registrations domain (listed in ``portal.composition``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.registrations import service
from portal.tasks import Job


async def drop_closed_drafts(state: Any) -> None:
    """A draft is dropped when its period closes."""
    await service.drop_drafts_of_closed_periods(state.db, state.clock())


DROP_CLOSED_DRAFTS = Job("drop-closed-drafts", timedelta(minutes=15), drop_closed_drafts)
