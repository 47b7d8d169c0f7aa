"""Catalog management: opening periods (with their CSV export and import), announcements and
managing offices' contacts (created for a new examen, changed), in Paris time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.response import Template

from portal.dates import paris
from portal.db import Database
from portal.management import catalog as catalog_admin
from portal.management import catalog_file, catalog_offices, listing
from portal.management.controllers.common import NO_STORE, csv_answer, provide_manager
from portal.management.errors import OutOfScope
from portal.management.scope import Scope
from portal.web.htmx import render, see_other
from portal.web.links import Links


class CatalogManagementController(Controller):
    include_in_schema = False
    dependencies = {"manager": Provide(provide_manager)}

    # -- catalog: opening periods, announcements -----------------------------------------------
    @get("/gestion/periodes", name="management:periods")
    async def periods(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Template:
        return await _periods_page(request, db, manager, {}, {})

    @post("/gestion/periodes", name="management:period_create", status_code=200)
    async def period_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        period, errors = await catalog_admin.save_period(db, manager, now, data)
        if period is None:
            return await _periods_page(request, db, manager, data, errors)
        return see_other(
            request,
            links.path("management:periods"),
            flash="La période d'inscription est enregistrée.",
            kind="success",
        )

    @get("/gestion/periodes/export.csv", name="management:periods_export")
    async def periods_export(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Response[bytes]:
        year = listing._int(request.query_params.get("session")) or 0
        async with db.read() as session:
            data = await catalog_file.export_year(session, manager, year)
        return csv_answer(data, f"periodes-{year}.csv")

    @post("/gestion/periodes/import", name="management:periods_import", status_code=200)
    async def periods_import(
        self,
        request: Request,
        data: MultipartBody[dict[str, Any]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        upload = data.get("file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        if not content:
            return await _periods_page(
                request, db, manager, {}, {"file": "Choisissez le fichier CSV à importer."}
            )
        try:
            count = await catalog_file.import_periods(db, manager, now, content)
        except catalog_file.ImportRefused as refused:
            return await _periods_page(
                request,
                db,
                manager,
                {},
                {"file": "Le fichier n'a pas été importé, rien n'a changé : corrigez-le d'abord."},
                problems=refused.problems,
            )
        return see_other(
            request,
            links.path("management:periods"),
            flash=f"{count} période{'s' if count > 1 else ''} d'inscription importée"
            + ("s." if count > 1 else "."),
            kind="success",
        )

    @get("/gestion/periodes/{period_id:int}", name="management:period")
    async def period(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        period_id: FromPath[int],
    ) -> Template:
        period = await _period(db, manager, period_id)
        values = {"opens_at": paris(period.opens_at), "closes_at": paris(period.closes_at)}
        return _period_page(request, period, values, {})

    @post("/gestion/periodes/{period_id:int}", name="management:period_update", status_code=200)
    async def period_update(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        period_id: FromPath[int],
    ) -> Response[Any]:
        period = await _period(db, manager, period_id)
        saved, errors = await catalog_admin.save_period(db, manager, now, data, period_id)
        if saved is None:
            return _period_page(request, period, data, errors)
        return see_other(
            request,
            links.path("management:periods"),
            flash="La période d'inscription est modifiée.",
            kind="success",
        )

    @get("/gestion/annonces", name="management:announcements")
    async def announcements(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Template:
        return await _announcements_page(request, db, manager, {}, {})

    @post("/gestion/annonces", name="management:announcement_create", status_code=200)
    async def announcement_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        try:
            saved, errors = await catalog_admin.save_announcement(db, manager, now, data)
        except OutOfScope as exc:
            raise NotFoundException() from exc
        if saved is None:
            return await _announcements_page(request, db, manager, data, errors)
        return see_other(
            request,
            links.path("management:announcements"),
            flash="L'annonce est enregistrée.",
            kind="success",
        )

    @post(
        "/gestion/annonces/{announcement_id:int}/supprimer",
        name="management:announcement_delete",
    )
    async def announcement_delete(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        announcement_id: FromPath[int],
    ) -> Response[Any]:
        try:
            await catalog_admin.delete_announcement(db, manager, now, announcement_id)
        except OutOfScope as exc:
            raise NotFoundException() from exc
        return see_other(
            request,
            links.path("management:announcements"),
            flash="L'annonce est supprimée.",
            kind="success",
        )

    @get("/gestion/services", name="management:offices")
    async def offices(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Template:
        return await _offices_page(request, db, manager, {}, {})

    @post("/gestion/services", name="management:office_create", status_code=200)
    async def office_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        office, errors = await catalog_offices.create_office(db, manager, now, data)
        if office is None:
            return await _offices_page(request, db, manager, data, errors)
        return see_other(
            request,
            links.path("management:offices"),
            flash="Le service gestionnaire est enregistré.",
            kind="success",
        )

    @get("/gestion/services/{office_id:int}", name="management:office")
    async def office(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        office_id: FromPath[int],
    ) -> Template:
        office = await _office(db, manager, office_id)
        values = {name: getattr(office, name) for name in catalog_offices.OFFICE_FIELDS}
        return _office_page(request, office, values, {})

    @post("/gestion/services/{office_id:int}", name="management:office_update", status_code=200)
    async def office_update(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        office_id: FromPath[int],
    ) -> Response[Any]:
        office = await _office(db, manager, office_id)
        errors = await catalog_offices.save_office(db, manager, now, office_id, data)
        if errors:
            return _office_page(request, office, data, errors)
        return see_other(
            request,
            links.path("management:offices"),
            flash="Les coordonnées du service gestionnaire sont enregistrées.",
            kind="success",
        )


async def _period(db: Database, scope: Scope, period_id: int) -> Any:
    try:
        async with db.read() as session:
            return await catalog_admin.get_period(session, scope, period_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc


async def _periods_page(
    request: Request,
    db: Database,
    scope: Scope,
    values: Any,
    errors: dict[str, str],
    problems: list[str] | None = None,
) -> Template:
    async with db.read() as session:
        lines = await catalog_admin.periods(session, scope)
        choices = await catalog_admin.period_choices(session, scope)
    return render(
        request,
        "management/periods.html.j2",
        {
            "lines": lines,
            "choices": choices,
            "values": values,
            "errors": errors,
            "scope": scope,
            "problems": problems or [],
            "years": sorted({line.year for line in lines}, reverse=True),
        },
        headers=NO_STORE,
    )


def _period_page(request: Request, period: Any, values: Any, errors: dict[str, str]) -> Template:
    return render(
        request,
        "management/period.html.j2",
        {"period": period, "values": values, "errors": errors},
        headers=NO_STORE,
    )


async def _announcements_page(
    request: Request, db: Database, scope: Scope, values: Any, errors: dict[str, str]
) -> Template:
    try:
        async with db.read() as session:
            found = await catalog_admin.announcements(session, scope)
    except OutOfScope as exc:
        raise NotFoundException() from exc
    return render(
        request,
        "management/announcements.html.j2",
        {"announcements": found, "values": values, "errors": errors},
        headers=NO_STORE,
    )


async def _offices_page(
    request: Request, db: Database, scope: Scope, values: Any, errors: dict[str, str]
) -> Template:
    async with db.read() as session:
        lines = await catalog_offices.offices(session, scope)
        choices = await catalog_offices.office_choices(session, scope)
    return render(
        request,
        "management/offices.html.j2",
        {"lines": lines, "choices": choices, "values": values, "errors": errors},
        headers=NO_STORE,
    )


async def _office(db: Database, scope: Scope, office_id: int) -> Any:
    try:
        async with db.read() as session:
            return await catalog_offices.get_office(session, scope, office_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc


def _office_page(request: Request, office: Any, values: Any, errors: dict[str, str]) -> Template:
    return render(
        request,
        "management/office.html.j2",
        {"office": office, "values": values, "errors": errors},
        headers=NO_STORE,
    )
