"""Every route handler of the portal, by domain."""

from __future__ import annotations

from typing import Any

from portal.accounts.controllers import CONTROLLERS as ACCOUNT_CONTROLLERS
from portal.catalog.controllers import CatalogController, PlacesController, RegisterController
from portal.documents.controllers import DocumentsController, VerificationController
from portal.management.controllers import CONTROLLERS as MANAGEMENT_CONTROLLERS
from portal.pages.controllers import PagesController
from portal.pieces.controllers import PiecesController
from portal.registrations.controllers import CONTROLLERS as REGISTRATION_CONTROLLERS


def route_handlers() -> list[Any]:
    return [
        PagesController,
        CatalogController,
        RegisterController,
        PlacesController,
        *ACCOUNT_CONTROLLERS,
        *REGISTRATION_CONTROLLERS,
        DocumentsController,
        VerificationController,
        PiecesController,
        *MANAGEMENT_CONTROLLERS,
    ]
