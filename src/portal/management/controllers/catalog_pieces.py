"""Piece requirements under /gestion (per académie, scoped like the periods: another académie's
piece answers 404 on every route). Plain forms, post-redirect-get; errors next to their fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from portal.db import Database
from portal.management import catalog_pieces
from portal.management.catalog_rules import FORMATS
from portal.management.controllers.catalog_items import common_choices
from portal.management.controllers.common import NO_STORE, provide_manager
from portal.management.errors import ManagementError, OutOfScope
from portal.management.scope import Scope
from portal.web.htmx import render, see_other
from portal.web.links import Links


class CatalogPiecesController(Controller):
    include_in_schema = False
    dependencies = {"manager": Provide(provide_manager)}

    @get("/gestion/pieces", name="management:requirements")
    async def pieces(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Template:
        defaults = {"required": "oui", **{f"format_{name}": "on" for name in FORMATS}}
        return await _pieces_page(request, db, manager, defaults, {})

    @post("/gestion/pieces", name="management:requirement_create", status_code=200)
    async def piece_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        piece, errors = await catalog_pieces.save_piece(db, manager, now, data)
        if piece is None:
            return await _pieces_page(request, db, manager, data, errors)
        return see_other(
            request,
            links.path("management:requirements"),
            flash="La pièce est enregistrée.",
            kind="success",
        )

    @get("/gestion/pieces/{piece_id:int}", name="management:requirement")
    async def piece(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        piece_id: FromPath[int],
    ) -> Template:
        return await _piece_page(request, db, manager, piece_id, None, {})

    @post("/gestion/pieces/{piece_id:int}", name="management:requirement_update", status_code=200)
    async def piece_update(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        piece_id: FromPath[int],
    ) -> Response[Any]:
        try:
            piece, errors = await catalog_pieces.save_piece(db, manager, now, data, piece_id)
        except OutOfScope as exc:
            raise NotFoundException() from exc
        if piece is None:
            return await _piece_page(request, db, manager, piece_id, data, errors)
        return see_other(
            request,
            links.path("management:requirements"),
            flash="La pièce est enregistrée.",
            kind="success",
        )

    @post("/gestion/pieces/{piece_id:int}/supprimer", name="management:requirement_delete")
    async def piece_delete(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        piece_id: FromPath[int],
    ) -> Response[Any]:
        try:
            await catalog_pieces.delete_piece(db, manager, now, piece_id)
        except OutOfScope as exc:
            raise NotFoundException() from exc
        except ManagementError as refused:
            return see_other(
                request,
                links.path("management:requirement", piece_id=piece_id),
                flash=refused.message,
                kind="error",
            )
        return see_other(
            request,
            links.path("management:requirements"),
            flash="La pièce est supprimée.",
            kind="success",
        )


async def _pieces_page(
    request: Request, db: Database, scope: Scope, values: Any, errors: dict[str, str]
) -> Template:
    async with db.read() as session:
        lines = await catalog_pieces.pieces(session, scope)
        choices = await catalog_pieces.choices(session, scope)
    return render(
        request,
        "management/requirements.html.j2",
        {
            "lines": lines,
            "choices": choices,
            "values": values,
            "errors": errors,
            **common_choices(),
        },
        headers=NO_STORE,
    )


async def _piece_page(
    request: Request,
    db: Database,
    scope: Scope,
    piece_id: int,
    values: Any,
    errors: dict[str, str],
) -> Template:
    try:
        async with db.read() as session:
            piece = await catalog_pieces.get_piece(session, scope, piece_id)
            choices = await catalog_pieces.choices(session, scope)
    except OutOfScope as exc:
        raise NotFoundException() from exc
    return render(
        request,
        "management/requirement.html.j2",
        {
            "piece": piece,
            "choices": choices,
            "values": values if values is not None else catalog_pieces.as_form(piece),
            "errors": errors,
            **common_choices(),
        },
        headers=NO_STORE,
    )
