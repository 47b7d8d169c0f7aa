"""Forgotten password: ask for a link, then choose a new password (guide §3)."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from portal.accounts import forms, service
from portal.accounts.controllers.common import (
    client_address,
    email_page,
    kept,
    link_invalid,
    too_many_requests,
)
from portal.accounts.fields import FormContext
from portal.accounts.password_policy import password_rule
from portal.db import Database
from portal.settings import Settings
from portal.web.htmx import render, see_other
from portal.web.links import Links
from portal.web.sessions import get_session


class RecoveryController(Controller):
    include_in_schema = False

    @get("/mot-de-passe/oublie", name="accounts:forgot")
    async def forgot_form(self, request: Request) -> Template:
        return email_page(request, "accounts/forgot.html.j2", {}, {}, sent=False)

    @post("/mot-de-passe/oublie", name="accounts:forgot_submit", status_code=200)
    async def forgot(
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
                request, "accounts/forgot.html.j2", kept(data), {"email": problem}, sent=False
            )
        try:
            await service.request_reset(
                db, settings, links, now, data["email"], address=client_address(request, settings)
            )
        except service.RateLimited as exc:
            too_many_requests(exc.wait, exc.message)
        return email_page(request, "accounts/forgot.html.j2", kept(data), {}, sent=True)

    @get("/mot-de-passe/reinitialiser/{token:str}", name="accounts:reset")
    async def reset_form(
        self,
        request: Request,
        token: FromPath[str],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Template:
        try:
            await service.reset_target(db, settings, now, token)
        except service.LinkInvalid as exc:
            return _reset_invalid(links, exc)
        return _reset_page(request, settings, token, {})

    @post("/mot-de-passe/reinitialiser/{token:str}", name="accounts:reset_submit", status_code=200)
    async def reset(
        self,
        request: Request,
        token: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response:
        try:
            account = await service.reset_target(db, settings, now, token)
        except service.LinkInvalid as exc:
            return _reset_invalid(links, exc)
        # the new password must not hold the account's names or email either
        ctx = FormContext(settings=settings, today=now.date(), personal=forms.personal_of(account))
        errors = {}
        for name in ("password", "password_confirmation"):
            message = forms.VALIDATORS[name](data, ctx)
            if message:
                errors[name] = message
        if errors:
            return _reset_page(request, settings, token, errors)
        try:
            await service.reset_password(
                db,
                settings,
                links,
                now,
                token,
                data["password"],
                address=client_address(request, settings),
            )
        except service.LinkInvalid as exc:
            return _reset_invalid(links, exc)
        state = get_session(request)
        if state.account_id is not None:
            state.logout()  # every session of the account has ended, this one too
        return see_other(
            request,
            links.path("accounts:login"),
            flash="Votre mot de passe a été modifié. Vous pouvez vous connecter avec le nouveau mot de passe.",
            kind="success",
        )


def _reset_page(
    request: Request, settings: Settings, token: str, errors: dict[str, str]
) -> Template:
    return render(
        request,
        "accounts/reset.html.j2",
        {"token": token, "errors": errors, "values": {}, "rule": password_rule(settings)},
    )


def _reset_invalid(links: Links, exc: service.LinkInvalid) -> Template:
    return link_invalid(
        "Réinitialisation impossible",
        exc.message,
        [(links.path("accounts:forgot"), "Demander un nouveau lien")],
        status_code=410 if exc.expired else 400,
    )
