"""A new manager's welcome link: choose a password."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from portal.accounts.password_policy import password_rule
from portal.db import Database
from portal.management import managers
from portal.management.controllers.common import NO_STORE
from portal.management.errors import ManagementError
from portal.settings import Settings
from portal.web.htmx import render, see_other
from portal.web.links import Links


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
