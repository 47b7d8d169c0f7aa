"""Mes justificatifs (guide §10): the pieces asked for each registration, "Ajouter",
"Supprimer", "J'ai fourni toutes mes pièces", the candidate's own files and the deadlines as
iCalendar.

Every route finds the registration through the logged-in candidate's own number, and the piece
or file through that registration: anyone else's answers 404. With htmx, a piece's row (or a
group, for the lock) swaps in place; without JavaScript the same forms post and redirect.
The upload route reads its own body (``portal.pieces.upload``): it is excluded from the CSRF
middleware, which would buffer the whole file, and checks the token itself before any file byte.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlmodel import col, select

from portal.catalog.models import ManagingOffice, OpeningPeriod, Specialty
from portal.db import Database
from portal.documents import reading as documents
from portal.documents.models import DocumentKind
from portal.pieces import calendar, content, deposit, upload, views
from portal.pieces import service as pieces
from portal.pieces.models import ScanState
from portal.pieces.storage import Storage, StorageError
from portal.registrations import reading as registrations
from portal.registrations.models import Registration
from portal.settings import Settings
from portal.web.auth import current_account_id, requires_account
from portal.web.htmx import VARY, see_other, wants_fragment

NO_STORE = {"Cache-Control": "no-store"}
STORAGE_FAILED = (
    "Le fichier n'a pas pu être enregistré (espace disque insuffisant ou erreur de stockage du "
    "portail). Rien n'a été conservé : réessayez plus tard."
)


async def _registration(db: Database, request: Request, number: str) -> Registration:
    async with db.read() as session:
        registration = await documents.owned_registration(
            session, current_account_id(request), number
        )
    if registration is None:
        raise NotFoundException()
    return registration


async def _page_context(
    db: Database, request: Request, now: datetime, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    account_id = current_account_id(request)
    entries = []
    async with db.read() as session:
        for card in await registrations.cards(session, account_id, now):
            entries.append(await _entry(session, card.registration, now, card=card))
    return {"entries": entries, "errors": errors or {}}


async def _entry(session, registration: Registration, now: datetime, card=None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    groups = await views.groups(session, registration, now)
    address: list[str] = []
    request_document = None
    if any(g.mode != "online" for g in groups):
        found = await documents.current_document(
            session,
            registration.account_id,
            registration.registration_number,
            DocumentKind.PIECES_REQUEST.value,
        )
        if found is not None:
            request_document = documents.view(found[1])
            address = request_document.get("return_address") or []
        if not address:
            address = await _office_address(session, registration)
    return {
        "card": card,
        "registration": registration,
        "number": registration.registration_number,
        "groups": groups,
        "return_address": address,
        "has_request": request_document is not None,
    }


async def _office_address(session, registration: Registration) -> list[str]:  # type: ignore[no-untyped-def]
    """The managing office's address, until a "Demande de pièces justificatives" gives one."""
    statement = (
        select(ManagingOffice)
        .join(Specialty, col(Specialty.qualification_id) == ManagingOffice.qualification_id)
        .join(OpeningPeriod, col(OpeningPeriod.specialty_id) == Specialty.id)
        .where(
            OpeningPeriod.id == registration.opening_period_id,
            col(ManagingOffice.academy_code) == OpeningPeriod.academy_code,
        )
    )
    office = (await session.exec(statement)).first()
    if office is None:
        return []
    return [office.name, *(line for line in office.postal_address.split("\n") if line.strip())]


def _row(
    request: Request,
    number: str,
    group: views.GroupView,
    view: views.PieceView,
    error: str | None = None,
    notice: str | None = None,
) -> Template:
    return Template(
        template_name="pieces/partials/_piece.html.j2",
        context={"number": number, "group": group, "view": view, "error": error, "notice": notice},
        headers={**VARY, **NO_STORE},
    )


class PiecesController(Controller):
    include_in_schema = False
    guards = [requires_account]

    @get("/mes-justificatifs", name="pieces:list")
    async def list(
        self, request: Request, db: NamedDependency[Database], now: NamedDependency[datetime]
    ) -> Template:
        context = await _page_context(db, request, now)
        return Template(template_name="pieces/list.html.j2", context=context, headers=NO_STORE)

    @get("/mes-justificatifs/{number:str}/{piece_id:int}", name="pieces:row")
    async def row(
        self,
        request: Request,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        number: FromPath[str],
        piece_id: FromPath[int],
    ) -> Template | Redirect:
        """One piece's row: what the badge's polling asks for (the list page otherwise)."""
        registration = await _registration(db, request, number)
        async with db.read() as session:
            try:
                group, view = await views.group_of(session, registration, piece_id, now)
            except pieces.NotFound as exc:
                raise NotFoundException() from exc
        if wants_fragment(request):
            return _row(request, number, group, view)
        return Redirect(path=request.app.route_reverse("pieces:list") + f"#{view.dom_id}")

    @post(
        "/mes-justificatifs/{number:str}/{piece_id:int}/ajouter",
        name="pieces:upload",
        request_max_body_size=None,  # the upload's own limits: portal.pieces.upload
        opt={"exclude_from_csrf": True},
    )
    async def add(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        number: FromPath[str],
        piece_id: FromPath[int],
    ) -> Template | Redirect | Response[str]:
        registration = await _registration(db, request, number)
        async with db.read() as session:
            try:
                _, view = await views.group_of(session, registration, piece_id, now)
            except pieces.NotFound as exc:
                raise NotFoundException() from exc
        error = pieces.upload_refusal(view)
        stored = None
        if error is not None:
            await upload.drain(request, settings.upload_max_body_bytes)
        else:
            storage = Storage.under(settings.data_dir)
            try:
                received = await upload.receive(
                    request,
                    storage,
                    max_bytes=view.piece.max_bytes,
                    max_files=view.piece.max_files - len(view.uploads),
                    max_body=settings.upload_max_body_bytes,
                )
                stored = await deposit.deposit(
                    db, settings, registration, piece_id, received, view.piece.formats, now
                )
            except upload.CSRFRejected as exc:
                raise PermissionDeniedException("CSRF token verification failed") from exc
            except (upload.UploadRejected, content.ContentError, pieces.PieceError) as exc:
                error = exc.message
            except StorageError:
                error = STORAGE_FAILED
        notice = None
        if stored is not None:
            notice = f"Le fichier « {stored.file_name} » a été déposé."
            if stored.scan == ScanState.pending:
                notice += " Son analyse antivirus est en cours."
        return await self._answer(request, db, now, registration, piece_id, error, notice)

    async def _answer(
        self,
        request: Request,
        db: Database,
        now: datetime,
        registration: Registration,
        piece_id: int,
        error: str | None,
        notice: str | None,
    ) -> Template | Redirect:
        number = registration.registration_number
        if wants_fragment(request):
            async with db.read() as session:
                group, view = await views.group_of(session, registration, piece_id, now)
            return _row(request, number, group, view, error=error, notice=notice)
        if error is None:
            target = request.app.route_reverse("pieces:list") + f"#piece-{piece_id}"
            return see_other(request, target, flash=notice)
        context = await _page_context(db, request, now, {f"fichier_{piece_id}": error})
        return Template(template_name="pieces/list.html.j2", context=context, headers=NO_STORE)

    @post(
        "/mes-justificatifs/{number:str}/fichiers/{upload_id:int}/supprimer",
        name="pieces:delete",
    )
    async def delete(
        self,
        request: Request,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        number: FromPath[str],
        upload_id: FromPath[int],
    ) -> Template | Redirect:
        registration = await _registration(db, request, number)
        error = None
        async with db.read() as session:
            found = await pieces.owned_upload(session, registration, upload_id)
        if found is None:
            raise NotFoundException()
        piece_id = found[1].piece_id
        try:
            async with db.write() as session:
                await pieces.delete_upload(session, registration, upload_id, now)
        except pieces.NotFound as exc:
            raise NotFoundException() from exc
        except pieces.PieceError as exc:
            error = exc.message
        notice = None if error else f"Le fichier « {found[0].file_name} » a été supprimé."
        return await self._answer(request, db, now, registration, piece_id, error, notice)

    @post("/mes-justificatifs/{number:str}/{piece_id:int}/tout-fourni", name="pieces:submit")
    async def submit(
        self,
        request: Request,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        number: FromPath[str],
        piece_id: FromPath[int],
    ) -> Template | Redirect:
        registration = await _registration(db, request, number)
        error = None
        try:
            async with db.write() as session:
                await pieces.submit_group(session, registration, piece_id, now)
        except pieces.NotFound as exc:
            raise NotFoundException() from exc
        except pieces.PieceError as exc:
            error = exc.message
        notice = None if error else "Vos pièces sont transmises au gestionnaire pour contrôle."
        if wants_fragment(request):
            async with db.read() as session:
                group, _ = await views.group_of(session, registration, piece_id, now)
            return Template(
                template_name="pieces/partials/_group.html.j2",
                context={
                    "number": number,
                    "group": group,
                    "group_error": error,
                    "group_notice": notice,
                    "errors": {},
                },
                headers={**VARY, **NO_STORE},
            )
        if error is None:
            target = request.app.route_reverse("pieces:list") + f"#groupe-{piece_id}"
            return see_other(request, target, flash=notice)
        context = await _page_context(db, request, now, {f"groupe_{piece_id}": error})
        return Template(template_name="pieces/list.html.j2", context=context, headers=NO_STORE)

    @get("/mes-justificatifs/{number:str}/fichiers/{upload_id:int}", name="pieces:file")
    async def file(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        number: FromPath[str],
        upload_id: FromPath[int],
    ) -> Response[bytes]:
        """The candidate's own file, as deposited (never one waiting for its virus scan)."""
        registration = await _registration(db, request, number)
        async with db.read() as session:
            found = await pieces.owned_upload(session, registration, upload_id)
        if found is None:
            raise NotFoundException()
        stored = found[0]
        if not pieces.downloadable(stored) or stored.storage_name is None:
            raise NotFoundException()
        path = Storage.under(settings.data_dir).path_of(stored.storage_name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise NotFoundException() from exc
        suffix = content.SUFFIXES.get(stored.media_type, "bin")
        return Response(
            data,
            media_type=stored.media_type,
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="piece-{stored.id}.{suffix}"',
            },
        )

    @get("/mes-justificatifs/{number:str}/echeances.ics", name="pieces:calendar")
    async def deadlines(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        number: FromPath[str],
    ) -> Response[bytes]:
        registration = await _registration(db, request, number)
        async with db.read() as session:
            entry = await _entry(session, registration, now)
        body = calendar.deadlines(
            entry["groups"],
            registration=registration,
            page_url=settings.base_url + request.app.route_reverse("pieces:list"),
            host=settings.base_url.split("://", 1)[-1].split("/", 1)[0],
            now=now,
        )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="echeances-{number}.ics"',
            },
        )
