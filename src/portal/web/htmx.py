"""One URL, two representations: a full page, or only its fragment for an htmx swap.

The htmx headers are read by the HTMX plugin (``request.htmx``, the app's request class is
``HTMXRequest``); the responses are the plugin's where they fit (``HTMXTemplate`` for a pushed
URL, ``ClientRedirect`` for a full navigation).
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request
from litestar.plugins.htmx import ClientRedirect, HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from portal.web.sessions import get_session

VARY = {"Vary": "HX-Request"}


def is_htmx(request: Request) -> bool:
    """Any request made by htmx (targeted, boosted or a history restore)."""
    return isinstance(request, HTMXRequest) and bool(request.htmx)


def wants_fragment(request: Request) -> bool:
    """A targeted htmx request; boosted navigations and history restores get the full page."""
    if not is_htmx(request):
        return False
    details = request.htmx  # type: ignore[attr-defined]
    return not details.boosted and not details.history_restore_request


def render(
    request: Request,
    page: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    push_url: str | None = None,
) -> Template:
    """Render ``page``; for a targeted htmx request render ``fragment`` (which the page includes)
    and, with ``push_url``, put that URL in the browser's history."""
    partial = fragment is not None and wants_fragment(request)
    all_headers = dict(VARY) if fragment is not None else {}
    all_headers.update(headers or {})
    if partial and push_url is not None:
        return HTMXTemplate(
            template_name=fragment,
            context=context or {},
            status_code=status_code,
            headers=all_headers,
            push_url=push_url,
            media_type=MediaType.HTML,
        )
    return Template(
        template_name=fragment if partial else page,  # type: ignore[arg-type]
        context=context or {},
        status_code=status_code,
        headers=all_headers,
        media_type=MediaType.HTML,  # not guessed from the template's name at every response
    )


def see_other(
    request: Request, path: str, *, flash: str | None = None, kind: str = "info"
) -> Redirect:
    """303 after an unsafe request, so a reload never repeats it."""
    if flash:
        get_session(request).flash(flash, kind)
    return Redirect(path=path, status_code=303)


def full_navigation(request: Request, path: str) -> Redirect | ClientRedirect:
    """Leave the page: a 303 for a browser, a client-side redirect for htmx (which would
    otherwise follow the redirect and swap the whole next page into a fragment)."""
    if is_htmx(request):
        return ClientRedirect(path)
    return Redirect(path=path, status_code=303)
