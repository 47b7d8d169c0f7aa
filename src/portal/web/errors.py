"""French error pages that never show a stack trace, a path or SQL."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

logger = logging.getLogger("portal.errors")

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
    413: ("Fichier trop volumineux", "Le contenu envoyé dépasse la taille autorisée."),
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
        "Service indisponible",
        "Le service est momentanément indisponible. Réessayez dans quelques instants.",
    ),
}


def _page(status: int) -> Template:
    title, message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    return Template(
        template_name="errors/error.html.j2",
        context={"status": status, "title": title, "message": message},
        status_code=status,
    )


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    response = _page(exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response  # type: ignore[return-value]


def internal_error_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return _page(HTTP_500_INTERNAL_SERVER_ERROR)  # type: ignore[return-value]
