"""One URL, two representations: a full page, or only its fragment for an htmx swap."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect, Template

from portal.web.sessions import get_session

VARY = {"Vary": "HX-Request"}


def wants_fragment(request: Request) -> bool:
    """A targeted htmx request; boosted navigations and history restores get the full page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    """Render ``page``; for a targeted htmx request render ``fragment`` (which the page includes)."""
    name = fragment if fragment is not None and wants_fragment(request) else page
    all_headers = dict(VARY) if fragment is not None else {}
    all_headers.update(headers or {})
    return Template(
        template_name=name,
        context=context or {},
        status_code=status_code,
        headers=all_headers,
    )


def see_other(
    request: Request, path: str, *, flash: str | None = None, kind: str = "info"
) -> Redirect:
    """303 after an unsafe request, so a reload never repeats it."""
    if flash:
        get_session(request).flash(flash, kind)
    return Redirect(path=path, status_code=303)
