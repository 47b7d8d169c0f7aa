"""Login and logout (guide §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from portal.accounts import service
from portal.accounts.controllers.common import (
    client_address,
    kept,
    logged_in,
    safe_next,
    too_many_requests,
)
from portal.db import Database
from portal.settings import Settings
from portal.web.htmx import render, see_other
from portal.web.links import Links
from portal.web.page_cache import PAGE_KEY
from portal.web.sessions import get_session

# Where to go after logging in, as the URL says it (``?suivant=/m-inscrire``).
NEXT = "suivant"
# Where a manager goes once logged in, whatever the candidate pages asked (issue 13).
BACK_OFFICE = "management:home"


class LoginController(Controller):
    include_in_schema = False

    @get("/connexion", name="accounts:login")
    async def login_form(
        self,
        request: Request,
        links: NamedDependency[Links],
        next_path: Annotated[str | None, QueryParameter(name=NEXT)] = None,
    ) -> Response:
        if logged_in(request):
            return Redirect(safe_next(next_path, links))
        # The same page for every visitor without an account (portal.web.page_cache).
        return _login_page(request, {}, {}, next_path=safe_next(next_path, links), shared=True)

    @post("/connexion", name="accounts:login_submit", status_code=200)
    async def login(
        self,
        request: Request,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        now: NamedDependency[datetime],
        links: NamedDependency[Links],
    ) -> Response:
        target = safe_next(data.get(NEXT), links)
        values = kept(data)
        errors: dict[str, str] = {}
        if not data.get("email", "").strip():
            errors["email"] = "Saisissez votre adresse mail."
        if not data.get("password"):
            errors["password"] = "Saisissez votre mot de passe."  # noqa: S105
        if errors:
            return _login_page(request, values, errors, next_path=target)
        try:
            account = await service.authenticate(
                db,
                settings,
                now,
                data["email"],
                data["password"],
                address=client_address(request, settings),
            )
        except service.LoginThrottled as exc:
            too_many_requests(exc.wait, exc.message)
        except service.AccountNotActive as exc:
            return _login_page(
                request, values, {"email": exc.message}, next_path=target, inactive=True
            )
        except service.AccountError as exc:
            return _login_page(request, values, {"email": exc.message}, next_path=target)
        get_session(request).login(account.id)  # type: ignore[arg-type]
        if account.is_manager:  # a manager's pages are the back office (issue 13)
            back_office = links.path(BACK_OFFICE)
            if not target.startswith(back_office):
                target = back_office
        return see_other(request, target)

    @post("/deconnexion", name="accounts:logout")
    async def logout(self, request: Request, links: NamedDependency[Links]) -> Redirect:
        state = get_session(request)
        account_id = state.account_id
        state.logout()
        if account_id is not None:
            service.security.info("logout (account=%s)", account_id)
        return see_other(
            request, links.path("pages:home"), flash="Vous êtes déconnecté(e).", kind="success"
        )


def _login_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    next_path: str,
    inactive: bool = False,
    shared: bool = False,
) -> Template:
    context = {"values": values, "errors": errors, "next_path": next_path, "inactive": inactive}
    if shared:
        context[PAGE_KEY] = ()  # nothing but the URL
    return render(request, "accounts/login.html.j2", context)
