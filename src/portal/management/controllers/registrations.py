"""The registrations of the manager's académies: list and CSV, a registration's page and its
versions, the audit log, withdrawal, identity correction, publishing documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from portal.accounts import forms as account_forms
from portal.accounts.fields import IDENTITY_FIELDS, IDENTITY_NAMES
from portal.accounts.records import form_context
from portal.dates import paris
from portal.db import Database
from portal.forms import clean_text
from portal.management import audit, listing, publishing, review
from portal.management import registrations as service
from portal.management.controllers.common import (
    NO_STORE,
    csv_answer,
    find_in_scope,
    provide_manager,
)
from portal.management.errors import ManagementError, OutOfScope
from portal.management.scope import Scope
from portal.registrations import summary as summaries
from portal.settings import Settings
from portal.web.htmx import render, see_other
from portal.web.links import Links


class ManagementController(Controller):
    include_in_schema = False
    dependencies = {"manager": Provide(provide_manager)}

    # -- the registrations list ----------------------------------------------------------------
    @get("/gestion", name="management:home")
    async def home(
        self, request: Request, db: NamedDependency[Database], manager: NamedDependency[Scope]
    ) -> Template:
        filters, errors = listing.parse_filters(request.query_params)
        async with db.read() as session:
            found = await listing.page(session, manager, filters)
            options = await listing.options(session, manager, filters)
        query = filters.query()
        return render(
            request,
            "management/registrations.html.j2",
            {
                "filters": filters,
                "errors": errors,
                "values": dict(request.query_params),
                "found": found,
                "options": options,
                "sorts": listing.SORTS,
                "states": listing.STATES,
                "piece_filters": listing.PIECE_FILTERS,
                "scope": manager,
                "query": query,
            },
            fragment="management/partials/_results.html.j2",
            headers=NO_STORE,
            push_url=request.url.path + (("?" + request.url.query) if request.url.query else ""),
        )

    @get("/gestion/inscriptions.csv", name="management:registrations_csv")
    async def registrations_csv(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        filters, _errors = listing.parse_filters(request.query_params)
        async with db.read() as session:
            rows = await listing.all_rows(session, manager, filters)
        async with db.write() as session:
            await audit.record(
                session,
                now,
                actor=manager,
                action=audit.Action.EXPORTED,
                after={"lignes": len(rows), "filtres": filters.query(page=1)},
            )
        return csv_answer(listing.to_csv(rows), f"inscriptions-{paris(now, 'yyyyMMdd-HHmm')}.csv")

    # -- one registration ----------------------------------------------------------------------
    @get("/gestion/inscriptions/{registration_id:int}", name="management:registration")
    async def registration(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        registration_id: FromPath[int],
    ) -> Template:
        found = await find_in_scope(db, manager, registration_id)
        async with db.read() as session:
            versions = await service.versions(session, found)
            documents = await service.documents(session, found)
            journal = await audit.for_registration(session, registration_id)
            pieces = review.summary(await review.pieces_of(session, found, now))
            older, newer = _pair(request, found.registration.version)
            changes = await service.compare(session, found, older, newer) if older else None
        return Template(
            template_name="management/registration.html.j2",
            context={
                "found": found,
                "recap": summaries.saved(found.registration),
                "versions": versions,
                "documents": documents,
                "journal": journal,
                "pieces": pieces,
                "older": older,
                "newer": newer,
                "changes": changes,
            },
            headers=NO_STORE,
        )

    @get(
        "/gestion/inscriptions/{registration_id:int}/journal.csv",
        name="management:registration_audit",
    )
    async def registration_audit(
        self,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        registration_id: FromPath[int],
    ) -> Response[bytes]:
        found = await find_in_scope(db, manager, registration_id)
        async with db.read() as session:
            lines = await audit.for_registration(session, registration_id)
        number = f"{found.account.candidate_number or 'candidat'}-{found.registration.registration_number}"
        return csv_answer(audit.to_csv(lines), f"journal-{number}.csv")

    @get("/gestion/journal.csv", name="management:audit_csv")
    async def audit_csv(
        self,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        async with db.read() as session:
            lines = await audit.in_scope(session, manager)
        return csv_answer(audit.to_csv(lines), f"journal-{paris(now, 'yyyyMMdd-HHmm')}.csv")

    # -- withdrawal ----------------------------------------------------------------------------
    @get("/gestion/inscriptions/{registration_id:int}/desinscrire", name="management:withdraw_form")
    async def withdraw_form(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        registration_id: FromPath[int],
    ) -> Template:
        found = await find_in_scope(db, manager, registration_id)
        return _withdraw_page(request, found, {}, {})

    @post(
        "/gestion/inscriptions/{registration_id:int}/desinscrire",
        name="management:withdraw",
        status_code=200,
    )
    async def withdraw(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        registration_id: FromPath[int],
    ) -> Response[Any]:
        try:
            await service.withdraw(db, manager, now, registration_id, data.get("reason"))
        except OutOfScope as exc:
            raise NotFoundException() from exc
        except ManagementError as exc:
            found = await find_in_scope(db, manager, registration_id)
            return _withdraw_page(request, found, data, {exc.field or "reason": exc.message})
        return see_other(
            request,
            links.path("management:registration", registration_id=registration_id),
            flash="L'inscription est désinscrite : elle n'apparaît plus dans « Mes inscriptions » du candidat.",
            kind="success",
        )

    # -- identity correction -------------------------------------------------------------------
    @get("/gestion/inscriptions/{registration_id:int}/identite", name="management:identity_form")
    async def identity_form(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        registration_id: FromPath[int],
    ) -> Template:
        found = await find_in_scope(db, manager, registration_id)
        ctx = await form_context(db, settings, now)
        values = account_forms.values_from_account(found.account)
        return _identity_page(request, found, ctx, values, {})

    @post(
        "/gestion/inscriptions/{registration_id:int}/identite",
        name="management:identity",
        status_code=200,
    )
    async def identity(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        registration_id: FromPath[int],
    ) -> Response[Any]:
        found = await find_in_scope(db, manager, registration_id)
        ctx = await form_context(db, settings, now)
        values = {name: data.get(name, "") for name in (*IDENTITY_NAMES, "reason")}
        errors = account_forms.validate(IDENTITY_FIELDS, values, ctx)
        if not clean_text(values["reason"]):
            errors["reason"] = "Indiquez le motif de la correction (la demande du candidat)."
        if errors:
            return _identity_page(request, found, ctx, values, errors)
        try:
            changed = await service.correct_identity(
                db,
                manager,
                now,
                registration_id,
                account_forms.identity_from(values),
                values["reason"],
            )
        except OutOfScope as exc:
            raise NotFoundException() from exc
        except ManagementError as exc:
            return _identity_page(
                request, found, ctx, values, {exc.field or "birth_name": exc.message}
            )
        return see_other(
            request,
            links.path("management:registration", registration_id=registration_id),
            flash="Identité corrigée : " + ", ".join(changed) + ".",
            kind="success",
        )

    # -- publishing ----------------------------------------------------------------------------
    @get("/gestion/publier", name="management:publish_form")
    async def publish_form(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
    ) -> Template:
        filters, _errors = listing.parse_filters(request.query_params)
        target = _registration_param(request.query_params)
        count, _ = await _count(db, manager, filters, target, None, None)
        return _publish_page(request, filters, target, count, {}, {}, None)

    @post("/gestion/publier", name="management:publish", status_code=200)
    async def publish(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response[Any]:
        filters, _errors = listing.parse_filters(data)
        target = _registration_param(data)
        publication, errors = publishing.parse(data, now)
        count, publication = await _count(db, manager, filters, target, publication, now)
        if publication is None or data.get("action") != "publier":
            return _publish_page(request, filters, target, count, data, errors, publication)
        try:
            expected = int(data.get("expected", "-1"))
        except ValueError:
            expected = -1
        try:
            published = await publishing.publish(
                db, manager, now, publication, filters, target, expected
            )
        except OutOfScope as exc:
            raise NotFoundException() from exc
        except ManagementError as exc:
            return _publish_page(
                request, filters, target, count, data, {"kind": exc.message}, publication
            )
        back = (
            links.path("management:registration", registration_id=target)
            if target is not None
            else links.path("management:home")
        )
        return see_other(
            request,
            back,
            flash=f"{publication.label} publiée pour {published} inscription"
            + ("s" if published > 1 else "")
            + " : elle apparaît dans « Mes documents » du candidat.",
            kind="success",
        )


def _pair(request: Request, current: int) -> tuple[int | None, int]:
    """The two versions to compare, from ``?de=1&a=2`` (by default none)."""
    try:
        older = int(request.query_params.get("de", "0"))
        newer = int(request.query_params.get("a", str(current)))
    except ValueError:
        return None, current
    if older < 1 or newer < 1 or older > 999 or newer > 999:
        return None, current
    return older, newer


def _withdraw_page(
    request: Request, found: service.Found, values: dict[str, str], errors: dict[str, str]
) -> Template:
    return render(
        request,
        "management/withdraw.html.j2",
        {"found": found, "values": values, "errors": errors},
    )


def _identity_page(
    request: Request,
    found: service.Found,
    ctx: Any,
    values: dict[str, str],
    errors: dict[str, str],
) -> Template:
    return render(
        request,
        "management/identity.html.j2",
        {
            "found": found,
            "ctx": ctx,
            "fields": IDENTITY_FIELDS,
            "values": values,
            "errors": errors,
        },
    )


def _registration_param(params: Any) -> int | None:
    value = str(params.get("inscription") or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


async def _count(
    db: Database,
    scope: Scope,
    filters: listing.Filters,
    target: int | None,
    publication: publishing.Publication | None,
    now: datetime | None,
) -> tuple[int, publishing.Publication | None]:
    """How many registrations the document would go to, and its preview (from the catalog:
    the pieces those registrations are asked)."""
    also = publication.pieces_filter if publication else ""
    try:
        async with db.read() as session:
            ids = await publishing.recipients(session, scope, filters, target, also)
            if publication is not None and now is not None:
                publication = await publishing.with_preview(session, publication, ids, now)
            return len(ids), publication
    except OutOfScope as exc:
        raise NotFoundException() from exc


def _publish_page(
    request: Request,
    filters: listing.Filters,
    target: int | None,
    count: int,
    values: Any,
    errors: dict[str, str],
    publication: publishing.Publication | None,
) -> Template:
    return render(
        request,
        "management/publish.html.j2",
        {
            "filters": filters,
            "hidden": listing.replace_state(filters, "actives").query(),
            "target": target,
            "count": count,
            "values": values,
            "errors": errors,
            "publication": publication,
            "preview": publication.preview() if publication else None,
            "kinds": publishing.KINDS,
            "modes": publishing.MODES,
            "sources": publishing.SOURCES,
        },
        headers=NO_STORE,
    )
