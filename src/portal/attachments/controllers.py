"""Mes justificatifs (guide §10): the pieces asked for each registration.

No piece can be asked for yet (managers publish requests with the back-office issue), so the page
says so for each registration rather than leaving the menu entry without a page.
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from portal.db import Database
from portal.registrations import reading as registrations
from portal.web.auth import current_account_id, requires_account


class AttachmentsController(Controller):
    include_in_schema = False
    guards = [requires_account]

    @get("/mes-justificatifs", name="attachments:list")
    async def list(self, request: Request) -> Template:
        db: Database = request.app.state.db
        async with db.read() as session:
            cards = await registrations.cards(
                session, current_account_id(request), request.app.state.clock()
            )
        return Template(template_name="attachments/list.html.j2", context={"cards": cards})
