"""Sign-up, the inline check of a field, activation and a new activation link (guide §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from portal.accounts import fields, forms, service
from portal.accounts.controllers.common import (
    HOME,
    NO_STORE,
    check_url,
    client_address,
    email_page,
    field_view,
    field_views,
    kept,
    link_invalid,
    logged_in,
    too_many_requests,
)
from portal.accounts.fields import FormContext
from portal.accounts.hooks import AccountHooks
from portal.db import Database
from portal.settings import Settings
from portal.web.htmx import render, see_other
from portal.web.links import Links
from portal.web.sessions import get_session


class SignupController(Controller):
    include_in_schema = False

    @get("/compte/creer", name="accounts:signup")
    async def signup_form(
        self,
        request: Request,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response:
        if logged_in(request):
            return Redirect(links.path(HOME))
        ctx = await service.form_context(db, settings, now)
        return _signup_page(request, links, ctx, {}, {})

    @post("/compte/creer", name="accounts:signup_submit", status_code=200)
    async def signup(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        account_hooks: NamedDependency[AccountHooks],
    ) -> Response:
        ctx = await service.form_context(db, settings, now, values=data)
        errors = forms.validate(fields.signup_fields(settings), data, ctx)
        if errors:
            return _signup_page(request, links, ctx, kept(data), errors)
        try:
            email = await service.sign_up(
                db,
                settings,
                links,
                account_hooks,
                now,
                forms.identity_from(data),
                data["email"],
                data["password"],
                address=client_address(request, settings),
            )
        except service.RateLimited as exc:
            too_many_requests(exc.wait, exc.message)
        get_session(request)["signup_email"] = email
        return see_other(request, links.path("accounts:thanks"))

    @post("/compte/verifier/{field:str}", name="accounts:check_field", status_code=200)
    async def check_field(
        self,
        field: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
        form: Annotated[str, QueryParameter(name="formulaire")] = "creer",
    ) -> Template:
        """Inline validation on leaving a field: the same validator, the field's partial back."""
        editing = form == "modifier"
        ctx = await service.form_context(db, settings, now, editing=editing, values=data)
        specs = (
            fields.edit_fields(settings, locked=False)
            if editing
            else fields.signup_fields(settings)
        )
        spec = next((s for s in specs if s.name == field), None)
        if spec is None:
            raise NotFoundException()
        error = forms.VALIDATORS[field](data, ctx)
        return Template(
            template_name="accounts/partials/_field.html.j2",
            context={
                "field": field_view(spec, ctx, check_url(links, "edit" if editing else "signup")),
                # the typed password stays in its box when its group is swapped
                "values": {
                    field: data.get(field, ""),
                    forms.BIRTH_CITY_CONFIRMED: data.get(forms.BIRTH_CITY_CONFIRMED, ""),
                },
                "keep_password": spec.kind == "password",
                "errors": {field: error} if error else {},
            },
            headers=NO_STORE,
        )

    @get("/compte/merci", name="accounts:thanks")
    async def thanks(self, request: Request) -> Template:
        return Template(
            template_name="accounts/thanks.html.j2",
            context={"email": get_session(request).get("signup_email")},
        )

    @get("/compte/activer/{token:str}", name="accounts:activate")
    async def activate(
        self,
        request: Request,
        token: FromPath[str],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response:
        try:
            outcome = await service.activate(db, settings, now, token)
        except service.LinkInvalid as exc:
            return link_invalid(
                "Activation impossible",
                exc.message,
                [
                    (links.path("accounts:resend"), "Renvoyer le lien"),
                    (links.path("accounts:signup"), "Créer un compte"),
                ],
                status_code=410 if exc.expired else 400,
            )
        message = (
            "Votre compte est activé. Vous pouvez maintenant vous connecter."
            if outcome == "activated"
            else "Votre compte est déjà activé. Vous pouvez vous connecter."
        )
        target = links.path(HOME if logged_in(request) else "accounts:login")
        return see_other(request, target, flash=message, kind="success")

    @get("/compte/renvoyer-lien", name="accounts:resend")
    async def resend_form(self, request: Request) -> Template:
        return email_page(request, "accounts/resend.html.j2", {}, {}, sent=False)

    @post("/compte/renvoyer-lien", name="accounts:resend_submit", status_code=200)
    async def resend(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Template:
        problem = forms.email_problem(data.get("email"))
        if problem:
            return email_page(
                request, "accounts/resend.html.j2", kept(data), {"email": problem}, sent=False
            )
        try:
            await service.resend_activation(
                db, settings, links, now, data["email"], address=client_address(request, settings)
            )
        except service.RateLimited as exc:
            too_many_requests(exc.wait, exc.message)
        return email_page(request, "accounts/resend.html.j2", kept(data), {}, sent=True)


def _signup_page(
    request: Request,
    links: Links,
    ctx: FormContext,
    values: dict[str, str],
    errors: dict[str, str],
) -> Template:
    specs = fields.signup_fields(ctx.settings)
    return render(
        request,
        "accounts/signup.html.j2",
        {
            "fields": field_views(specs, ctx, check_url(links, "signup")),
            "groups": fields.GROUPS,
            "values": values,
            "errors": errors,
        },
    )
