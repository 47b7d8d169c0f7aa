"""Mes documents (guide §8): the candidate's registrations, then the documents of one.

For now the one document is the registration summary (confirmation for G01, récapitulatif for
G02), shown as its accessible HTML version; the PDFs and the documents a manager publishes come
with the documents issue and join this list.
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from portal.accounts.models import Account
from portal.db import Database
from portal.registrations import reading as registrations
from portal.web.auth import current_account_id, requires_account


class DocumentsController(Controller):
    include_in_schema = False
    guards = [requires_account]

    @get("/mes-documents", name="documents:list")
    async def list(self, request: Request) -> Template:
        db: Database = request.app.state.db
        account_id = current_account_id(request)
        async with db.read() as session:
            account = await session.get(Account, account_id)
            cards = await registrations.cards(session, account_id, request.app.state.clock())
        return Template(
            template_name="documents/list.html.j2", context={"account": account, "cards": cards}
        )

    @get("/mes-documents/{number:str}", name="documents:registration")
    async def registration(self, request: Request, number: FromPath[str]) -> Template:
        db: Database = request.app.state.db
        account_id = current_account_id(request)
        async with db.read() as session:
            account = await session.get(Account, account_id)
            registration = await registrations.get_registration(session, account_id, number)
        if account is None or registration is None or registration.withdrawn_at is not None:
            raise NotFoundException()
        summary = registration.summary or {}
        documents = [
            {
                "label": summary.get("document_label", "Récapitulatif d'inscription"),
                "url": f"/mes-inscriptions/{number}/imprimer",
                "version": registration.version,
                "updated_at": registration.updated_at,
            }
        ]
        return Template(
            template_name="documents/registration.html.j2",
            context={"account": account, "registration": registration, "documents": documents},
        )
