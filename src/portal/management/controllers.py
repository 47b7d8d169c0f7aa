"""The back office under /gestion (issue 13): thin handlers over the management services.

Every route but the welcome link asks for ``manager`` (a ``Scope``: the logged-in manager and
their académies); a candidate, an anonymous visitor, or a registration outside the scope answers
404. Pages work
as plain forms and links (GET filters, POST then 303) and htmx swaps the list's results.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.response import Template

from portal.accounts import forms as account_forms
from portal.accounts.fields import IDENTITY_FIELDS, IDENTITY_NAMES
from portal.accounts.password_policy import password_rule
from portal.accounts.records import form_context
from portal.dates import paris
from portal.db import Database
from portal.forms import clean_text
from portal.management import audit, catalog_file, listing, managers, publishing
from portal.management import catalog as catalog_admin
from portal.management import registrations as service
from portal.management.errors import ManagementError, OutOfScope
from portal.management.scope import Scope, load_scope
from portal.registrations import summary as summaries
from portal.settings import Settings
from portal.web.htmx import render, see_other
from portal.web.links import Links
from portal.web.sessions import get_session

NO_STORE = {"Cache-Control": "no-store"}
CSV_TYPE = "text/csv"  # Litestar adds "; charset=utf-8"


async def provide_manager(request: Request, db: NamedDependency[Database]) -> Scope:
    """The manager behind the session, or 404 for anyone else (never a hint that it exists)."""
    try:
        async with db.read() as session:
            return await load_scope(session, get_session(request).account_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc


def _csv(data: bytes, file_name: str) -> Response[bytes]:
    return Response(
        data,
        media_type=CSV_TYPE,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{file_name}"'},
    )


async def _found(db: Database, scope: Scope, registration_id: int) -> service.Found:
    try:
        async with db.read() as session:
            return await service.find(session, scope, registration_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc


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
        return _csv(listing.to_csv(rows), f"inscriptions-{paris(now, 'yyyyMMdd-HHmm')}.csv")

    # -- one registration ----------------------------------------------------------------------
    @get("/gestion/inscriptions/{registration_id:int}", name="management:registration")
    async def registration(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        registration_id: FromPath[int],
    ) -> Template:
        found = await _found(db, manager, registration_id)
        async with db.read() as session:
            versions = await service.versions(session, found)
            documents = await service.documents(session, found)
            journal = await audit.for_registration(session, registration_id)
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
        found = await _found(db, manager, registration_id)
        async with db.read() as session:
            lines = await audit.for_registration(session, registration_id)
        number = f"{found.account.candidate_number or 'candidat'}-{found.registration.registration_number}"
        return _csv(audit.to_csv(lines), f"journal-{number}.csv")

    @get("/gestion/journal.csv", name="management:audit_csv")
    async def audit_csv(
        self,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        now: NamedDependency[datetime],
    ) -> Response[bytes]:
        async with db.read() as session:
            lines = await audit.in_scope(session, manager)
        return _csv(audit.to_csv(lines), f"journal-{paris(now, 'yyyyMMdd-HHmm')}.csv")

    # -- withdrawal ----------------------------------------------------------------------------
    @get("/gestion/inscriptions/{registration_id:int}/desinscrire", name="management:withdraw_form")
    async def withdraw_form(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        registration_id: FromPath[int],
    ) -> Template:
        found = await _found(db, manager, registration_id)
        return _withdraw_page(request, found, {}, {})

    @post(
        "/inscriptions/{registration_id:int}/desinscrire",
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
            found = await _found(db, manager, registration_id)
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
        found = await _found(db, manager, registration_id)
        ctx = await form_context(db, settings, now)
        values = account_forms.values_from_account(found.account)
        return _identity_page(request, found, ctx, values, {})

    @post(
        "/inscriptions/{registration_id:int}/identite", name="management:identity", status_code=200
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
        found = await _found(db, manager, registration_id)
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
        count = await _count(db, manager, filters, target)
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
        count = await _count(db, manager, filters, target)
        publication, errors = publishing.parse(data, now)
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
        return _csv(data, f"periodes-{year}.csv")

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
        async with db.read() as session:
            lines = await catalog_admin.offices(session, manager)
        return render(request, "management/offices.html.j2", {"lines": lines}, headers=NO_STORE)

    @get("/gestion/services/{office_id:int}", name="management:office")
    async def office(
        self,
        request: Request,
        db: NamedDependency[Database],
        manager: NamedDependency[Scope],
        office_id: FromPath[int],
    ) -> Template:
        office = await _office(db, manager, office_id)
        values = {name: getattr(office, name) for name in catalog_admin.OFFICE_FIELDS}
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
        errors = await catalog_admin.save_office(db, manager, now, office_id, data)
        if errors:
            return _office_page(request, office, data, errors)
        return see_other(
            request,
            links.path("management:offices"),
            flash="Les coordonnées du service gestionnaire sont enregistrées.",
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


class WelcomeController(Controller):
    """The link a new manager gets by mail: choose a password (reached only with a good link)."""

    include_in_schema = False

    @get("/gestion/bienvenue/{token:str}", name="management:welcome")
    async def welcome_form(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        token: FromPath[str],
    ) -> Template:
        try:
            account = await managers.welcome_target(db, settings, now, token)
        except ManagementError as exc:
            return _link_invalid(request, exc.message)
        return _welcome_page(request, settings, account.email, token, {})

    @post("/gestion/bienvenue/{token:str}", name="management:welcome_submit", status_code=200)
    async def welcome(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        token: FromPath[str],
    ) -> Response[Any]:
        try:
            account = await managers.welcome_target(db, settings, now, token)
        except ManagementError as exc:
            return _link_invalid(request, exc.message)
        values = {k: data.get(k, "") for k in ("password", "password_confirmation")}
        errors = managers.password_errors(settings, now, account.email, values)
        if errors:
            return _welcome_page(request, settings, account.email, token, errors)
        try:
            await managers.choose_password(db, settings, now, token, values["password"])
        except ManagementError as exc:
            return _link_invalid(request, exc.message)
        return see_other(
            request,
            links.path("accounts:login") + "?suivant=" + links.path("management:home"),
            flash="Votre mot de passe est enregistré. Connectez-vous pour accéder à l'espace gestion.",
            kind="success",
        )


def _welcome_page(
    request: Request, settings: Settings, email: str, token: str, errors: dict[str, str]
) -> Template:
    return render(
        request,
        "management/welcome.html.j2",
        {"email": email, "token": token, "errors": errors, "rule": password_rule(settings)},
        headers={**NO_STORE, "Referrer-Policy": "no-referrer"},
    )


def _link_invalid(request: Request, message: str) -> Template:
    return render(request, "management/link_invalid.html.j2", {"message": message}, status_code=404)


def _registration_param(params: Any) -> int | None:
    value = str(params.get("inscription") or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


async def _count(db: Database, scope: Scope, filters: listing.Filters, target: int | None) -> int:
    try:
        async with db.read() as session:
            return len(await publishing.recipients(session, scope, filters, target))
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
        },
        headers=NO_STORE,
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


async def _office(db: Database, scope: Scope, office_id: int) -> Any:
    try:
        async with db.read() as session:
            return await catalog_admin.get_office(session, scope, office_id)
    except OutOfScope as exc:
        raise NotFoundException() from exc


def _office_page(request: Request, office: Any, values: Any, errors: dict[str, str]) -> Template:
    return render(
        request,
        "management/office.html.j2",
        {"office": office, "values": values, "errors": errors},
        headers=NO_STORE,
    )
