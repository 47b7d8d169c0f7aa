"""The candidate's own pages: "Mon espace", "Modifier mon compte", the new email's confirmation,
and "Mes données" (guide §4 and §9)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from portal.accounts import fields, forms, service
from portal.accounts.controllers.common import (
    HOME,
    NO_STORE,
    check_url,
    client_address,
    field_views,
    kept,
    link_invalid,
    logged_in,
    too_many_requests,
)
from portal.accounts.fields import FormContext
from portal.accounts.hooks import AccountHooks
from portal.dates import date_fr
from portal.db import Database
from portal.settings import Settings
from portal.web.auth import current_account_id, requires_account
from portal.web.htmx import render, see_other
from portal.web.links import Links
from portal.web.sessions import get_session


class EmailController(Controller):
    """The link mailed to a new address; it works whether or not its owner is logged in."""

    include_in_schema = False

    @get("/compte/email/confirmer/{token:str}", name="accounts:confirm_email")
    async def confirm_email(
        self,
        request: Request,
        token: FromPath[str],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response:
        try:
            await service.confirm_email(db, settings, now, token)
        except service.AccountError as exc:
            return link_invalid(
                "Confirmation impossible",
                exc.message,
                [(links.path("accounts:edit"), "Modifier mon compte")],
                status_code=400,
            )
        target = links.path(HOME if logged_in(request) else "accounts:login")
        return see_other(
            request,
            target,
            flash="Votre nouvelle adresse mail est confirmée : c'est désormais l'identifiant de votre compte.",
            kind="success",
        )


class ProfileController(Controller):
    include_in_schema = False
    guards = [requires_account]

    @get("/espace", name="accounts:home")
    async def home(self, request: Request, db: NamedDependency[Database]) -> Template:
        account = await service.get_account(db, current_account_id(request))
        return Template(template_name="accounts/home.html.j2", context={"account": account})

    @get("/formulaires", name="accounts:forms")
    async def forms_page(self) -> Template:
        return Template(template_name="accounts/forms.html.j2")

    @get("/compte/modifier", name="accounts:edit")
    async def edit_form(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        account_hooks: NamedDependency[AccountHooks],
    ) -> Template:
        account = await service.get_account(db, current_account_id(request))
        assert account is not None
        page = _EditPage(request, db, settings, now, links, account_hooks)
        return await page.render(account, forms.values_from_account(account), {})

    @post("/compte/modifier", name="accounts:edit_submit", status_code=200)
    async def edit(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        account_hooks: NamedDependency[AccountHooks],
    ) -> Response:
        account_id = current_account_id(request)
        account = await service.get_account(db, account_id)
        assert account is not None
        page = _EditPage(request, db, settings, now, links, account_hooks)
        locked = await service.is_locked(db, account_hooks, account_id)
        ctx = await service.form_context(db, settings, now, editing=True, values=data)
        ctx = dataclasses.replace(ctx, personal=forms.personal_of(account))
        errors = forms.validate(fields.edit_fields(settings, locked=locked), data, ctx)
        values = kept(data)
        if locked:
            values.update(
                {
                    k: v
                    for k, v in forms.values_from_account(account).items()
                    if k in fields.IDENTITY_NAMES
                }
            )
        if errors:
            return await page.render(account, values, errors)
        try:
            changes = await service.update_account(
                db,
                settings,
                links,
                account_hooks,
                now,
                account_id,
                identity=None if locked else forms.identity_from(data),
                email=data.get("email", ""),
                new_password=data.get("password", ""),
                current_password=data.get("current_password", ""),
                keep_session=get_session(request).key,
                address=client_address(request, settings),
            )
        except (service.LoginThrottled, service.RateLimited) as exc:
            too_many_requests(exc.wait, exc.message)
        except service.AccountError as exc:
            return await page.render(account, values, {exc.field or "email": exc.message})
        return see_other(
            request, links.path("accounts:edit"), flash=_saved_message(changes), kind="success"
        )

    @get("/compte/mes-donnees", name="accounts:my_data")
    async def my_data(
        self,
        request: Request,
        db: NamedDependency[Database],
        now: NamedDependency[datetime],
        account_hooks: NamedDependency[AccountHooks],
    ) -> Response:
        data = await service.export_data(db, account_hooks, current_account_id(request))
        data["exporte_le"] = now.isoformat()
        return Response(
            content=json.dumps(data, ensure_ascii=False, indent=2).encode(),
            media_type="application/json; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="mes-donnees.json"',
                **NO_STORE,
            },
        )


def _saved_message(changes: service.Changes) -> str:
    messages = []
    if changes.identity:
        messages.append("Vos informations ont été enregistrées.")
    if changes.password:
        messages.append("Votre mot de passe a été modifié ; vos autres sessions ont été fermées.")
    if changes.email_pending:
        messages.append(
            f"Un mail de confirmation a été envoyé à {changes.email_pending} : la nouvelle "
            "adresse ne deviendra l'identifiant de votre compte qu'après avoir cliqué sur le lien."
        )
    return " ".join(messages) or "Aucune modification n'a été faite."


class _EditPage:
    """ "Modifier mon compte", with what a request gives it."""

    def __init__(
        self,
        request: Request,
        db: Database,
        settings: Settings,
        now: datetime,
        links: Links,
        hooks: AccountHooks,
    ) -> None:
        self.request, self.db, self.settings, self.now = request, db, settings, now
        self.links, self.hooks = links, hooks

    async def render(
        self, account: Any, values: dict[str, str], errors: dict[str, str]
    ) -> Template:
        locked, offices = await service.lock_state(self.db, self.hooks, account.id)
        ctx = await service.form_context(
            self.db, self.settings, self.now, editing=True, values=values
        )
        return render(
            self.request,
            "accounts/edit.html.j2",
            {
                "account": account,
                "locked": locked,
                "offices": offices,
                "fields": field_views(
                    fields.edit_fields(ctx.settings, locked=False),
                    ctx,
                    check_url(self.links, "edit"),
                ),
                "groups": fields.GROUPS,
                "values": values,
                "errors": errors,
                "identity_names": fields.IDENTITY_NAMES,
                "identity_view": _identity_view(account, ctx),
            },
        )


def _identity_view(account: Any, ctx: FormContext) -> list[tuple[str, str]]:
    """The locked identity, as label/value pairs (read-only)."""
    countries = dict(ctx.countries)
    departments = dict(ctx.departments)
    return [
        ("Civilité", account.civility_label),
        ("Nom de famille (Nom de naissance)", account.birth_name),
        ("Nom d'usage", account.usage_name or "—"),
        ("Prénoms", account.first_names),
        (
            "Pays de naissance",
            countries.get(account.birth_country_code, account.birth_country_code),
        ),
        ("Date de naissance", date_fr(account.birth_date)),
        (
            "Département, DOM ou COM de naissance",
            departments.get(account.birth_department_code or "", "—"),
        ),
        ("Commune de naissance", account.birth_city),
    ]
