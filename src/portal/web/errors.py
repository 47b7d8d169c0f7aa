"""French error pages that never show a stack trace, a path or SQL: a full page, or for a
targeted htmx request only its message (the client shows it in an alert region). Every error
page shows the request's reference, which is on the request's log lines too."""

from __future__ import annotations

import logging
from http import HTTPStatus

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.status_codes import (
    HTTP_403_FORBIDDEN,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from portal.db import database_unavailable
from portal.web.front import current_request_id
from portal.web.htmx import VARY, is_htmx, wants_fragment

logger = logging.getLogger("portal.errors")

PAGE = "errors/error.html.j2"
FRAGMENT = "errors/_error.html.j2"
# How long a client is asked to wait when the database cannot take a write (seconds).
UNAVAILABLE_RETRY_AFTER = 30

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Demande incorrecte", "La demande envoyée n'a pas pu être comprise."),
    403: (
        "Accès refusé",
        "Vous n'avez pas accès à cette page, ou le formulaire a expiré. "
        "Rechargez la page puis recommencez.",
    ),
    404: (
        "Page introuvable",
        "La page demandée n'existe pas ou n'est plus disponible. "
        "Vérifiez l'adresse, ou repartez de la page d'accueil.",
    ),
    405: ("Action impossible", "Cette action n'est pas possible sur cette page."),
    413: (
        "Contenu trop volumineux",
        "Le contenu envoyé dépasse la taille autorisée. Vérifiez ce que vous avez saisi, "
        "puis recommencez.",
    ),
    429: (
        "Trop de tentatives",
        "Trop de demandes ont été faites. Réessayez dans quelques minutes.",
    ),
    500: (
        "Erreur technique",
        "Une erreur technique est survenue. Votre demande n'a pas abouti ; "
        "réessayez dans quelques instants.",
    ),
    503: (
        "Service momentanément indisponible",
        "Le service est momentanément indisponible : votre demande n'a pas été enregistrée. "
        "Réessayez dans quelques instants.",
    ),
}


def _wait_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} secondes" if seconds > 1 else "1 seconde"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes" if minutes > 1 else "1 minute"


def _fragment_wanted(request: Request) -> bool:
    """The message alone for htmx, which shows it in its alert region; a whole page for a
    boosted navigation (GET), which the script then loads as a browser would."""
    return wants_fragment(request) or (is_htmx(request) and request.method != "GET")


def error_response(
    request: Request,
    status: int,
    *,
    headers: dict[str, str] | None = None,
    message: str | None = None,
) -> Template:
    """The French error page for ``status`` (its message only, for a targeted htmx request)."""
    title, default = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    all_headers = {**VARY, **(headers or {})}
    return Template(
        template_name=FRAGMENT if _fragment_wanted(request) else PAGE,
        context={
            "status": status,
            "title": title,
            "message": message or default,
            "reference": current_request_id(request.scope),
        },
        status_code=status,
        headers=all_headers,
    )


def too_many_requests(request: Request, retry_after: int, message: str | None = None) -> Template:
    """429 with ``Retry-After``: the one page (and htmx fragment) every throttle answers."""
    retry_after = max(1, int(retry_after))
    text = message or (
        "Trop de demandes ont été faites. Pour protéger les comptes, cette action est "
        f"suspendue : réessayez dans {_wait_words(retry_after)}. Rien n'a été modifié."
    )
    return error_response(
        request,
        HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(retry_after)},
        message=text,
    )


def service_unavailable(request: Request, retry_after: int = UNAVAILABLE_RETRY_AFTER) -> Template:
    """503 with ``Retry-After``: the database cannot take a write now; nothing was saved."""
    return error_response(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(max(1, int(retry_after)))},
    )


CSRF_FAILED = "CSRF token verification failed"  # Litestar's CSRF middleware's words
CSRF_HEADER = "X-Portal-Csrf-Token"
STALE_FORM = (
    "Ce formulaire avait expiré : il vient d'être renouvelé. Ce que vous avez saisi est "
    "conservé ; envoyez-le à nouveau."
)


def stale_form(request: Request) -> Template:
    """403 for an htmx request whose form token is stale (another tab logged in again, a page
    left open): the valid token comes back in a header, so the script renews the page's forms
    and the candidate sends again without losing what was typed. The token is the one every
    form of this browser already carries; a cross-site page cannot read this answer."""
    config = request.app.csrf_config
    token = request.cookies.get(config.cookie_name) if config is not None else None
    if not token:
        return error_response(request, HTTP_403_FORBIDDEN)
    return error_response(
        request, HTTP_403_FORBIDDEN, headers={CSRF_HEADER: token}, message=STALE_FORM
    )


def too_large(request: Request, exc: Exception) -> Response:
    """413 for content beyond a size cap (a draft); its French message says what to do."""
    message = getattr(exc, "message", None)
    return error_response(request, HTTP_413_REQUEST_ENTITY_TOO_LARGE, message=message)  # type: ignore[return-value]


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == HTTP_429_TOO_MANY_REQUESTS:
        # A throttle's own French words (its ``detail``), else the shared ones.
        own = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
        retry = (exc.headers or {}).get("Retry-After", str(UNAVAILABLE_RETRY_AFTER))
        return too_many_requests(request, int(retry), own)  # type: ignore[return-value]
    headers = dict(exc.headers or {})
    if exc.status_code == HTTP_403_FORBIDDEN and exc.detail == CSRF_FAILED and is_htmx(request):
        return stale_form(request)  # type: ignore[return-value]
    if exc.status_code in (HTTP_429_TOO_MANY_REQUESTS, HTTP_503_SERVICE_UNAVAILABLE):
        headers.setdefault("Retry-After", str(UNAVAILABLE_RETRY_AFTER))
    return error_response(request, exc.status_code, headers=headers)  # type: ignore[return-value]


def database_error_handler(request: Request, exc: Exception) -> Response:
    if database_unavailable(exc):
        logger.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            getattr(exc, "orig", None) or exc,
        )
        return service_unavailable(request)  # type: ignore[return-value]
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    # Not only OperationalError: asyncpg's cut connections come as InterfaceError or unwrapped
    # ConnectionError while PostgreSQL restarts.
    if database_unavailable(exc):
        return database_error_handler(request, exc)
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)  # type: ignore[return-value]
