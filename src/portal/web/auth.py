"""Who is logged in: the guard that protects candidate pages, and where it sends the others."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect

from portal.web.sessions import get_session

LOGIN_PATH = "/connexion"


class LoginRequired(NotAuthorizedException):
    """Raised by the guard; answered with a redirect to the login page, never a bare 401."""


def requires_account(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: the route is for a logged-in candidate."""
    if get_session(connection).account_id is None:
        raise LoginRequired()


def login_redirect(request: Request, exc: LoginRequired) -> Redirect:
    target = request.url.path
    if request.url.query:
        target += f"?{request.url.query}"
    if request.method != "GET":
        target = "/"
    response = Redirect(path=f"{LOGIN_PATH}?suivant={quote(target, safe='/')}", status_code=303)
    if request.headers.get("hx-request") == "true":
        # htmx follows redirects for fragments; make it a full navigation instead.
        response.headers["HX-Redirect"] = response.url  # type: ignore[attr-defined]
    return response


def current_account_id(request: Request) -> int:
    """The logged-in account's id (use behind ``requires_account``)."""
    account_id = get_session(request).account_id
    if account_id is None:
        raise LoginRequired()
    return account_id
