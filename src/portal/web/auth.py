"""Who is logged in: the guard that protects candidate pages, and where it sends the others."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from portal.web.htmx import full_navigation
from portal.web.sessions import get_session

LOGIN = "accounts:login"
NEXT = "suivant"  # the login page's query parameter: where to go once logged in


class LoginRequired(NotAuthorizedException):
    """Raised by the guard; answered with a redirect to the login page, never a bare 401."""


async def requires_account(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: the route is for a logged-in candidate. Async although it awaits nothing: Litestar
    runs a plain function guard in a worker thread, a thread hop on every candidate page."""
    if get_session(connection).account_id is None:
        raise LoginRequired()


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    target = request.url.path
    if request.url.query:
        target += f"?{request.url.query}"
    if request.method != "GET":
        target = request.app.route_reverse("pages:home")
    login = request.app.route_reverse(LOGIN)
    return full_navigation(request, f"{login}?{NEXT}={quote(target, safe='/')}")


def current_account_id(request: Request) -> int:
    """The logged-in account's id (use behind ``requires_account``)."""
    account_id = get_session(request).account_id
    if account_id is None:
        raise LoginRequired()
    return account_id
