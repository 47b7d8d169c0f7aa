"""Piece review and the scan of postal pieces' cover slips (issue 13 items 5 and 6).

A registration's pieces page lists each piece with its files and a form to set its status; with
htmx the piece's block swaps in place, without JavaScript the form posts and comes back (303)
to the page, or with its errors (200). The scan page has one field that a USB scanner fills
then submits with Enter; htmx puts the answer in a live region and ``portal.js`` plays a short
sound, without JavaScript the same form posts and the answer comes back as a message.
Everything is within the manager's académies: anything else answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from portal.dates import date_fr
from portal.db import Database
from portal.management import review, slips
from portal.management.controllers.common import NO_STORE, find_in_scope, provide_manager
from portal.management.errors import ManagementError, OutOfScope
from portal.management.registrations import Found
from portal.management.scope import Scope
from portal.pieces import content
from portal.pieces.storage import Storage
from portal.pieces.views import PieceView
from portal.settings import Settings
from portal.web.htmx import VARY, render, see_other, wants_fragment
from portal.web.links import Links

PIECE_FRAGMENT = "management/partials/_review_piece.html.j2"


def _prefix(piece_id: int | None) -> str:
    """The piece's form fields are named ``piece_<id>_…`` in error summaries (unique ids)."""
    return f"piece_{piece_id}_"


class ReviewController(Controller):
    include_in_schema = False
    dependencies = {"manager": Provide(provide_manager)}

    @get("/gestion/inscriptions/{registration_id:int}/pieces", name="management:pieces")
    async def pieces(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        registration_id: FromPath[int],
    ) -> Template:
        found = await find_in_scope(db, manager, registration_id)
        return await _page(request, db, found, now, {}, None, {})

    @post(
        "/gestion/inscriptions/{registration_id:int}/pieces/{piece_id:int}",
        name="management:piece_review",
        status_code=200,
    )
    async def piece_review(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        registration_id: FromPath[int],
        piece_id: FromPath[int],
    ) -> Response[Any]:
        found = await find_in_scope(db, manager, registration_id)
        async with db.read() as session:
            try:
                await review.piece_of(session, found, piece_id, now)
            except OutOfScope as exc:
                raise NotFoundException() from exc
        decision, errors = review.parse_decision(data, now)
        if decision is not None:
            try:
                await review.review(db, manager, now, registration_id, piece_id, decision)
            except OutOfScope as exc:
                raise NotFoundException() from exc
            except ManagementError as exc:
                errors = {"status": exc.message}
        if errors:
            return await _answer(request, db, found, now, piece_id, data, errors, None)
        notice = f"Statut enregistré : {decision.label}."  # type: ignore[union-attr]
        if wants_fragment(request):
            return await _answer(request, db, found, now, piece_id, {}, {}, notice)
        return see_other(
            request,
            links.path("management:pieces", registration_id=registration_id)
            + f"#review-piece-{piece_id}",
            flash=notice,
            kind="success",
        )

    @get(
        "/gestion/inscriptions/{registration_id:int}/fichiers/{upload_id:int}",
        name="management:piece_file",
    )
    async def piece_file(
        self,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        manager: NamedDependency[Scope],
        registration_id: FromPath[int],
        upload_id: FromPath[int],
    ) -> Response[bytes]:
        """A deposited file, as the candidate sent it (never one waiting for its scan)."""
        try:
            async with db.read() as session:
                stored = await review.upload_in_scope(session, manager, registration_id, upload_id)
        except OutOfScope as exc:
            raise NotFoundException() from exc
        try:
            data = Storage.under(settings.data_dir).path_of(stored.storage_name or "").read_bytes()
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

    # -- postal pieces by their cover slip -----------------------------------------------------
    @get("/gestion/bordereaux", name="management:scan_form")
    async def scan_form(self, request: Request, manager: NamedDependency[Scope]) -> Template:
        return render(request, "management/scan.html.j2", {"result": None}, headers=NO_STORE)

    @post("/gestion/bordereaux", name="management:scan", status_code=200)
    async def scan(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        result = await slips.scan(db, manager, now, data.get("code"))
        if wants_fragment(request):
            return Template(
                template_name="management/partials/_scan_result.html.j2",
                context={"result": result},
                headers={**VARY, **NO_STORE},
            )
        return see_other(
            request,
            links.path("management:scan_form"),
            flash=result.message,
            kind="error" if result.kind == "error" else result.kind,
        )


async def _page(
    request: Request,
    db: Database,
    found: Found,
    now: datetime,
    values: Any,
    notice: str | None,
    errors: dict[str, str],
    piece_id: int | None = None,
) -> Template:
    async with db.read() as session:
        groups = await review.pieces_of(session, found, now)
    page_errors = {_prefix(piece_id) + name: message for name, message in errors.items()}
    return Template(
        template_name="management/pieces.html.j2",
        context={
            "found": found,
            "groups": groups,
            "today": date_fr(review.today(now)),
            "choices": review.REVIEW_CHOICES,
            "errors_of": {piece_id: errors} if errors else {},
            "values_of": {piece_id: values} if errors else {},
            "page_errors": page_errors,
        },
        headers={**VARY, **NO_STORE},
    )


async def _answer(
    request: Request,
    db: Database,
    found: Found,
    now: datetime,
    piece_id: int,
    values: Any,
    errors: dict[str, str],
    notice: str | None,
) -> Template:
    """The piece's block for htmx, else the whole page (with the error summary)."""
    if not wants_fragment(request):
        return await _page(request, db, found, now, values, notice, errors, piece_id)
    async with db.read() as session:
        _, view = await review.piece_of(session, found, piece_id, now)
    return Template(
        template_name=PIECE_FRAGMENT,
        context=_piece_context(found, view, now, values, errors, notice),
        headers={**VARY, **NO_STORE},
    )


def _piece_context(
    found: Found,
    view: PieceView,
    now: datetime,
    values: Any,
    errors: dict[str, str],
    notice: str | None,
) -> dict[str, Any]:
    return {
        "found": found,
        "view": view,
        "today": date_fr(review.today(now)),
        "choices": review.REVIEW_CHOICES,
        "values": values,
        "errors": errors,
        "notice": notice,
        "answered": True,
    }
