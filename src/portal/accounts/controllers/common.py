"""What the account pages share: the client's address, safe redirects, form views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NoReturn

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.response import Template

from portal.accounts import throttling
from portal.accounts.fields import PASSWORD_FIELDS, FormContext
from portal.forms import Field
from portal.settings import Settings
from portal.web.htmx import render
from portal.web.links import Links
from portal.web.sessions import get_session

HOME = "accounts:home"  # where a logged-in candidate lands
NO_STORE = {"Cache-Control": "no-store"}


def client_address(request: Request, settings: Settings) -> str:
    peer = request.client.host if request.client else None
    return throttling.client_address(
        peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies
    )


def too_many_requests(wait: timedelta, message: str) -> NoReturn:
    """The one way an account page answers a throttled request: 429 with ``Retry-After``,
    rendered by the app's HTTPException handler as the shared French error page (or its htmx
    fragment). ``message`` says what to do and when; nothing was changed, no hash was started."""
    raise TooManyRequestsException(
        detail=message, headers={"Retry-After": str(throttling.retry_after(wait))}
    )


def safe_next(target: str | None, links: Links) -> str:
    """Only a local path: "/x", never "//host" or "/\\host" (open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return links.path(HOME)


def kept(values: dict[str, str]) -> dict[str, str]:
    """What comes back into the form after an error: everything typed, passwords excepted."""
    return {k: v for k, v in values.items() if k not in PASSWORD_FIELDS and k != "_csrf_token"}


def logged_in(request: Request) -> bool:
    return get_session(request).account_id is not None


# The inline check of a field (htmx): which form it belongs to, as its URL says it.
FORM_SLUGS = {"signup": "creer", "edit": "modifier"}


def check_url(links: Links, form: str) -> Callable[[str], str]:
    def url(name: str) -> str:
        return f"{links.path('accounts:check_field', field=name)}?formulaire={FORM_SLUGS[form]}"

    return url


def field_views(
    specs: tuple[Field, ...], ctx: FormContext, url: Callable[[str], str]
) -> list[dict[str, Any]]:
    return [field_view(spec, ctx, url) for spec in specs]


def field_view(spec: Field, ctx: FormContext, url: Callable[[str], str]) -> dict[str, Any]:
    return {"spec": spec, "options": ctx.options(spec.options), "check_url": url(spec.name)}


def email_page(
    request: Request, page: str, values: dict[str, str], errors: dict[str, str], *, sent: bool
) -> Template:
    return render(request, page, {"values": values, "errors": errors, "sent": sent})


def link_invalid(
    title: str, message: str, actions: list[tuple[str, str]], *, status_code: int
) -> Template:
    """A signed link that cannot be used; ``actions`` are (path, text) pairs."""
    return Template(
        template_name="accounts/link_invalid.html.j2",
        context={"title": title, "message": message, "actions": actions},
        status_code=status_code,
    )
