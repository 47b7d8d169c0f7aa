"""Mes documents (guide §8), the documents' PDFs and HTML twins, and the public /verifier page.

Every document route finds the document through the logged-in candidate's own registration:
anyone else's answers 404, like a document that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from portal.accounts import throttling
from portal.accounts.models import Account
from portal.db import Database
from portal.documents import files, reading, service, verification
from portal.documents.models import KIND_LABELS, DocumentKind
from portal.documents.pdf import Renderer
from portal.registrations import drafts, summary
from portal.registrations import reading as registrations
from portal.registrations.errors import DraftAlreadySaved
from portal.registrations.models import Registration
from portal.settings import Settings
from portal.web.auth import current_account_id, requires_account

NO_STORE = {"Cache-Control": "no-store"}


def verify_url(request: Request, settings: Settings) -> str:
    return settings.base_url + request.app.route_reverse("documents:verify")


def pdf_response(data: bytes, file_name: str, *, attachment: bool = True) -> Response[bytes]:
    disposition = "attachment" if attachment else "inline"
    return Response(
        data,
        media_type="application/pdf",
        headers={**NO_STORE, "Content-Disposition": f'{disposition}; filename="{file_name}"'},
    )


def _kind(kind: str) -> str:
    if kind not in {k.value for k in DocumentKind}:
        raise NotFoundException()
    return kind


class DocumentsController(Controller):
    include_in_schema = False
    guards = [requires_account]

    @get("/mes-documents", name="documents:list")
    async def list(
        self, request: Request, db: NamedDependency[Database], now: NamedDependency[datetime]
    ) -> Template:
        account_id = current_account_id(request)
        async with db.read() as session:
            account = await session.get(Account, account_id)
            cards = await registrations.cards(session, account_id, now)
        return Template(
            template_name="documents/list.html.j2",
            context={"account": account, "cards": cards},
            headers=NO_STORE,
        )

    @get("/mes-documents/{number:str}", name="documents:registration")
    async def registration(
        self, request: Request, db: NamedDependency[Database], number: FromPath[str]
    ) -> Template:
        account_id = current_account_id(request)
        async with db.read() as session:
            account = await session.get(Account, account_id)
            registration = await reading.owned_registration(session, account_id, number)
            if account is None or registration is None:
                raise NotFoundException()
            documents = await reading.current_documents(session, registration.id)  # type: ignore[arg-type]
        return Template(
            template_name="documents/registration.html.j2",
            context={"account": account, "registration": registration, "documents": documents},
            headers=NO_STORE,
        )

    @get("/mes-documents/{number:str}/{kind:str}", name="documents:show")
    async def show(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        number: FromPath[str],
        kind: FromPath[str],
    ) -> Template:
        """The HTML twin: the same content as the PDF, as an accessible page."""
        async with db.read() as session:
            found = await reading.current_document(
                session, current_account_id(request), number, _kind(kind)
            )
        if found is None:
            raise NotFoundException()
        registration, document = found
        return Template(
            template_name="documents/show.html.j2",
            context={
                "doc": reading.view(document),
                "registration": registration,
                "verify_url": verify_url(request, settings),
            },
            headers=NO_STORE,
        )

    @get("/mes-documents/{number:str}/{kind:str}/pdf", name="documents:pdf")
    async def pdf(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        renderer: NamedDependency[Renderer],
        number: FromPath[str],
        kind: FromPath[str],
    ) -> Response[bytes]:
        async with db.read() as session:
            found = await reading.current_document(
                session, current_account_id(request), number, _kind(kind)
            )
        if found is None:
            raise NotFoundException()
        _registration, document = found
        data = await files.document_pdf(
            settings, renderer, document, verify_url=verify_url(request, settings)
        )
        return pdf_response(data, files.file_name(reading.view(document)))

    @get("/mes-inscriptions/{number:str}/pdf", name="documents:summary_pdf")
    async def summary_pdf(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        renderer: NamedDependency[Renderer],
        number: FromPath[str],
    ) -> Response[bytes]:
        """Visualiser/imprimer on the N° Inscription tab: the current confirmation or recap."""
        async with db.read() as session:
            found = await reading.current_summary(session, current_account_id(request), number)
        if found is None:
            raise NotFoundException()
        _registration, document = found
        data = await files.document_pdf(
            settings, renderer, document, verify_url=verify_url(request, settings)
        )
        return pdf_response(data, files.file_name(reading.view(document)), attachment=False)

    @get("/inscriptions/brouillon/{key:str}/apercu/pdf", name="documents:draft_pdf")
    async def draft_pdf(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        renderer: NamedDependency[Renderer],
        now: NamedDependency[datetime],
        key: FromPath[str],
    ) -> Response[bytes]:
        """Visualiser/imprimer on the Récapitulatif tab: the draft's recap, "non enregistrée"."""
        account_id = current_account_id(request)
        async with db.read() as session:
            try:
                loaded = await drafts.load(session, account_id, key, now)
            except DraftAlreadySaved:
                loaded = None
            if loaded is None:
                raise NotFoundException()
            unsaved = Registration(
                account_id=account_id,
                opening_period_id=loaded.wizard.period.id,
                registration_number="",
                created_at=now,
                updated_at=now,
            )
            content = await service.draft_view(
                session, registration_like=unsaved, summary=summary.build(loaded.wizard)
            )
        data = await files.draft_pdf(renderer, settings, content)
        return pdf_response(data, "inscription-non-enregistree.pdf", attachment=False)


class VerificationController(Controller):
    """Public: whoever holds a document checks its code; only non-personal facts are shown."""

    include_in_schema = False

    @get("/verifier", name="documents:verify")
    async def verify(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        code: FromQuery[str] = "",
    ) -> Template:
        context: dict[str, Any] = {"code": code[:40], "asked": bool(code.strip()), "result": None}
        status = 200
        if context["asked"]:
            address = throttling.client_address(
                request.client.host if request.client else None,
                request.headers.get("x-forwarded-for"),
                settings.trusted_proxies,
            )
            try:
                async with db.write() as session:
                    context["result"] = await verification.verify(
                        session, typed=code, address=address, now=now
                    )
            except verification.TooManyAttempts as exc:
                context["error"] = exc.message
                status = 429
        return Template(
            template_name="documents/verify.html.j2",
            context={**context, "kind_labels": KIND_LABELS},
            status_code=status,
            headers=NO_STORE,
        )
