"""Mes justificatifs (guide §10): the pieces asked for each registration.

No piece can be asked for yet (managers publish requests with the back-office issue), so the page
says so for each registration rather than leaving the menu entry without a page.
"""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from portal.db import Database
from portal.registrations import reading as registrations
from portal.web.auth import current_account_id, requires_account


class PiecesController(Controller):
    include_in_schema = False
    guards = [requires_account]

    @get("/mes-justificatifs", name="pieces:list")
    async def list(
        self, request: Request, db: NamedDependency[Database], now: NamedDependency[datetime]
    ) -> Template:
        async with db.read() as session:
            cards = await registrations.cards(session, current_account_id(request), now)
        return Template(template_name="pieces/list.html.j2", context={"cards": cards})
