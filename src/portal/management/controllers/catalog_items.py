"""Catalog items under /gestion: qualifications with their specialties, sessions and papers
(every manager reads them; a national administrator changes them, anyone else gets 404 on every
change), and a whole session's catalog as one file (pieces: ``catalog_pieces``).
Plain forms, post-redirect-get; errors come back on the same page, next to their fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.response import Template

from portal.catalog.models import Paper, Qualification, Specialty
from portal.catalog.models import Session as ExamSession
from portal.dates import date_fr
from portal.db import Database
from portal.management import catalog_items as items
from portal.management import catalog_pieces, session_file
from portal.management.catalog_rules import DEPOSIT_MODES, FORMATS, PAPER_KINDS, PAPER_MODES
from portal.management.controllers.common import NO_STORE, provide_manager
from portal.management.errors import ManagementError, OutOfScope
from portal.management.scope import Scope
from portal.pieces.content import FORMAT_LABELS
from portal.web.htmx import render, see_other
from portal.web.links import Links

ZIP_TYPE = "application/zip"

# model -> (template, route of its page, the form's name on the qualification's page)
KINDS: dict[type[Any], tuple[str, str, str]] = {
    Specialty: ("management/specialty.html.j2", "management:specialty", "secteur"),
    ExamSession: ("management/session.html.j2", "management:session", "session"),
    Paper: ("management/paper.html.j2", "management:paper", "épreuve"),
}
SAVED = {
    Qualification: "L'examen est enregistré.",
    Specialty: "Le secteur est enregistré.",
    ExamSession: "La session est enregistrée.",
    Paper: "L'épreuve est enregistrée.",
}
DELETED = {
    Qualification: "L'examen est supprimé.",
    Specialty: "Le secteur est supprimé.",
    ExamSession: "La session est supprimée.",
    Paper: "L'épreuve est supprimée.",
}


def _values(model: type[Any], item: Any) -> dict[str, Any]:
    if model is Qualification:
        return {
            "code": item.code,
            "domain_code": item.domain_code,
            "name": item.name,
            "asks_situation": "oui" if item.asks_situation else "",
            "requires_residence_academy": "oui" if item.requires_residence_academy else "",
        }
    if model is Specialty:
        return {"code": item.code, "name": item.name, "position": str(item.position)}
    if model is ExamSession:
        return {"year": str(item.year), "ends_on": date_fr(item.ends_on) if item.ends_on else ""}
    return {
        "specialty": str(item.specialty_id or ""),
        "code": item.code,
        "label": item.label,
        "kind": item.kind,
        "choice_group": item.choice_group or "",
        "mode": item.mode,
        "position": str(item.position),
    }


def common_choices() -> dict[str, Any]:
    return {
        "paper_kinds": list(PAPER_KINDS.items()),
        "paper_modes": [(m, "Écrite" if m == "Ecrite" else m) for m in PAPER_MODES],
        "deposit_modes": list(DEPOSIT_MODES.items()),
        "formats": [(f, FORMAT_LABELS[f]) for f in FORMATS],
    }


def _specialty_options(view: items.QualificationView) -> list[tuple[str, str]]:
    return [(str(s.id), f"{s.code} - {s.name}") for s in view.specialties]


class CatalogItemsController(Controller):
    include_in_schema = False
    dependencies = {"manager": Provide(provide_manager)}

    # -- qualifications ------------------------------------------------------------------------
    @get("/gestion/examens", name="management:qualifications")
    async def qualifications(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Template:
        return await _qualifications_page(request, db, manager, {}, {})

    @post("/gestion/examens", name="management:qualification_create", status_code=200)
    async def qualification_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        item, errors = await _save(db, manager, now, Qualification, data)
        if item is None:
            return await _qualifications_page(request, db, manager, data, errors)
        return see_other(
            request,
            links.path("management:qualification", qualification_id=item.id),
            flash=SAVED[Qualification],
            kind="success",
        )

    @get("/gestion/examens/{qualification_id:int}", name="management:qualification")
    async def qualification(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        qualification_id: FromPath[int],
    ) -> Template:
        return await _qualification_page(request, db, manager, qualification_id)

    @post(
        "/gestion/examens/{qualification_id:int}",
        name="management:qualification_update",
        status_code=200,
    )
    async def qualification_update(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        qualification_id: FromPath[int],
    ) -> Response[Any]:
        item, errors = await _save(db, manager, now, Qualification, data, item_id=qualification_id)
        if item is None:
            return await _qualification_page(
                request,
                db,
                manager,
                qualification_id,
                form="qualification",
                values=data,
                errors=errors,
            )
        return see_other(
            request,
            links.path("management:qualification", qualification_id=qualification_id),
            flash=SAVED[Qualification],
            kind="success",
        )

    @post(
        "/gestion/examens/{qualification_id:int}/supprimer",
        name="management:qualification_delete",
    )
    async def qualification_delete(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        qualification_id: FromPath[int],
    ) -> Response[Any]:
        refused = await _remove(db, manager, now, Qualification, qualification_id)
        if refused:
            return see_other(
                request,
                links.path("management:qualification", qualification_id=qualification_id),
                flash=refused,
                kind="error",
            )
        return see_other(
            request,
            links.path("management:qualifications"),
            flash=DELETED[Qualification],
            kind="success",
        )

    # -- a qualification's specialties, sessions and papers -----------------------------------
    @post(
        "/gestion/examens/{qualification_id:int}/secteurs",
        name="management:specialty_create",
        status_code=200,
    )
    async def specialty_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        qualification_id: FromPath[int],
    ) -> Response[Any]:
        return await _create(request, db, manager, now, links, Specialty, data, qualification_id)

    @post(
        "/gestion/examens/{qualification_id:int}/sessions",
        name="management:session_create",
        status_code=200,
    )
    async def session_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        qualification_id: FromPath[int],
    ) -> Response[Any]:
        return await _create(request, db, manager, now, links, ExamSession, data, qualification_id)

    @post(
        "/gestion/examens/{qualification_id:int}/epreuves",
        name="management:paper_create",
        status_code=200,
    )
    async def paper_create(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        qualification_id: FromPath[int],
    ) -> Response[Any]:
        return await _create(request, db, manager, now, links, Paper, data, qualification_id)

    @get("/gestion/secteurs/{item_id:int}", name="management:specialty")
    async def specialty(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        item_id: FromPath[int],
    ) -> Template:
        return await _item_page(request, db, manager, Specialty, item_id)

    @post("/gestion/secteurs/{item_id:int}", name="management:specialty_update", status_code=200)
    async def specialty_update(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        item_id: FromPath[int],
    ) -> Response[Any]:
        return await _update(request, db, manager, now, links, Specialty, item_id, data)

    @post("/gestion/secteurs/{item_id:int}/supprimer", name="management:specialty_delete")
    async def specialty_delete(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        item_id: FromPath[int],
    ) -> Response[Any]:
        return await _delete(request, db, manager, now, links, Specialty, item_id)

    @get("/gestion/sessions/{item_id:int}", name="management:session")
    async def exam_session(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        item_id: FromPath[int],
    ) -> Template:
        return await _item_page(request, db, manager, ExamSession, item_id)

    @post("/gestion/sessions/{item_id:int}", name="management:session_update", status_code=200)
    async def session_update(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        item_id: FromPath[int],
    ) -> Response[Any]:
        return await _update(request, db, manager, now, links, ExamSession, item_id, data)

    @post("/gestion/sessions/{item_id:int}/supprimer", name="management:session_delete")
    async def session_delete(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        item_id: FromPath[int],
    ) -> Response[Any]:
        return await _delete(request, db, manager, now, links, ExamSession, item_id)

    @get("/gestion/epreuves/{item_id:int}", name="management:paper")
    async def paper(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        item_id: FromPath[int],
    ) -> Template:
        return await _item_page(request, db, manager, Paper, item_id)

    @post("/gestion/epreuves/{item_id:int}", name="management:paper_update", status_code=200)
    async def paper_update(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        item_id: FromPath[int],
    ) -> Response[Any]:
        return await _update(request, db, manager, now, links, Paper, item_id, data)

    @post("/gestion/epreuves/{item_id:int}/supprimer", name="management:paper_delete")
    async def paper_delete(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        item_id: FromPath[int],
    ) -> Response[Any]:
        return await _delete(request, db, manager, now, links, Paper, item_id)

    # -- a whole session's catalog as one file -------------------------------------------------
    @get("/gestion/catalogue/export.zip", name="management:catalog_export")
    async def catalog_export(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Response[bytes]:
        year = catalog_pieces._int(request.query_params.get("session"))
        async with db.read() as session:
            data = await session_file.export_session(session, manager, year)
        return Response(
            data,
            media_type=ZIP_TYPE,
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="catalogue-{year}.zip"',
            },
        )

    @post("/gestion/catalogue/import", name="management:catalog_import", status_code=200)
    async def catalog_import(
        self,
        request: Request,
        data: MultipartBody[dict[str, Any]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        upload = data.get("catalog_file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        if not content:
            return await _qualifications_page(
                request, db, manager, {}, {"catalog_file": "Choisissez le fichier ZIP à importer."}
            )
        try:
            counts = await session_file.import_session(db, manager, now, content)
        except session_file.ImportRefused as refused:
            return await _qualifications_page(
                request,
                db,
                manager,
                {},
                {
                    "catalog_file": "Le fichier n'a pas été importé, rien n'a changé : "
                    "corrigez les lignes ci-dessous."
                },
                problems=refused.problems,
            )
        return see_other(
            request,
            links.path("management:qualifications"),
            flash=session_file.summary(counts),
            kind="success",
        )


# -- helpers ------------------------------------------------------------------------------------
async def _save(
    db: Database, scope: Scope, now: datetime, model: type[Any], data: Any, **keys: Any
) -> tuple[Any, dict[str, str]]:
    try:
        return await items.save(db, scope, now, model, data, **keys)
    except OutOfScope as exc:
        raise NotFoundException() from exc


async def _remove(
    db: Database, scope: Scope, now: datetime, model: type[Any], item_id: int
) -> str | None:
    try:
        await items.remove(db, scope, now, model, item_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc
    except ManagementError as refused:
        return refused.message
    return None


async def _create(
    request: Request,
    db: Database,
    scope: Scope,
    now: datetime,
    links: Links,
    model: type[Any],
    data: Any,
    qualification_id: int,
) -> Response[Any]:
    item, errors = await _save(db, scope, now, model, data, qualification_id=qualification_id)
    if item is None:
        return await _qualification_page(
            request, db, scope, qualification_id, form=KINDS[model][2], values=data, errors=errors
        )
    return see_other(
        request,
        links.path("management:qualification", qualification_id=qualification_id),
        flash=SAVED[model],
        kind="success",
    )


async def _update(
    request: Request,
    db: Database,
    scope: Scope,
    now: datetime,
    links: Links,
    model: type[Any],
    item_id: int,
    data: Any,
) -> Response[Any]:
    item, errors = await _save(db, scope, now, model, data, item_id=item_id)
    if item is None:
        return await _item_page(request, db, scope, model, item_id, data, errors)
    return see_other(
        request,
        links.path("management:qualification", qualification_id=item.qualification_id),
        flash=SAVED[model],
        kind="success",
    )


async def _delete(
    request: Request,
    db: Database,
    scope: Scope,
    now: datetime,
    links: Links,
    model: type[Any],
    item_id: int,
) -> Response[Any]:
    async with db.read() as session:
        found = await session.get(model, item_id)
    if found is None or not scope.all_academies:
        raise NotFoundException()
    refused = await _remove(db, scope, now, model, item_id)
    if refused:
        return see_other(
            request,
            links.path(KINDS[model][1], item_id=item_id),
            flash=refused,
            kind="error",
        )
    return see_other(
        request,
        links.path("management:qualification", qualification_id=found.qualification_id),
        flash=DELETED[model],
        kind="success",
    )


async def _qualifications_page(
    request: Request,
    db: Database,
    scope: Scope,
    values: Any,
    errors: dict[str, str],
    problems: list[str] | None = None,
) -> Template:
    async with db.read() as session:
        views = await items.qualifications(session)
        domains = await items.domains(session)
    years = sorted({e.year for view in views for e in view.sessions}, reverse=True)
    return render(
        request,
        "management/qualifications.html.j2",
        {
            "views": views,
            "domains": list(domains.items()),
            "values": values,
            "errors": errors,
            "problems": problems or [],
            "scope": scope,
            "years": years,
        },
        headers=NO_STORE,
    )


async def _qualification_page(
    request: Request,
    db: Database,
    scope: Scope,
    qualification_id: int,
    *,
    form: str | None = None,
    values: Any = None,
    errors: dict[str, str] | None = None,
) -> Template:
    try:
        async with db.read() as session:
            view = await items.qualification_view(session, qualification_id)
            domains = await items.domains(session)
    except OutOfScope as exc:
        raise NotFoundException() from exc
    form_values: dict[str, dict[str, Any]] = {
        name: {} for name in ("qualification", "secteur", "session", "épreuve")
    }
    form_values["qualification"] = _values(Qualification, view.qualification)
    if form is not None:
        form_values[form] = dict(values or {})
    return render(
        request,
        "management/qualification.html.j2",
        {
            "view": view,
            "domains": list(domains.items()),
            "scope": scope,
            "form_values": form_values,
            "form": form,
            "errors": errors or {},
            "specialty_options": _specialty_options(view),
            **common_choices(),
        },
        headers=NO_STORE,
    )


async def _item_page(
    request: Request,
    db: Database,
    scope: Scope,
    model: type[Any],
    item_id: int,
    values: Any = None,
    errors: dict[str, str] | None = None,
) -> Template:
    if not scope.all_academies:
        raise NotFoundException()
    try:
        async with db.read() as session:
            item = await items.get(session, model, item_id)
            view = await items.qualification_view(session, item.qualification_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc
    return render(
        request,
        KINDS[model][0],
        {
            "item": item,
            "view": view,
            "values": values if values is not None else _values(model, item),
            "errors": errors or {},
            "specialty_options": _specialty_options(view),
            **common_choices(),
        },
        headers=NO_STORE,
    )
