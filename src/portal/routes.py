"""Every route handler of the portal, by domain."""

from __future__ import annotations

from typing import Any


def route_handlers() -> list[Any]:
    from portal.accounts.controllers import AccountsController, CandidateController
    from portal.attachments.controllers import AttachmentsController
    from portal.catalog.controllers import CatalogController, EnrolController
    from portal.documents.controllers import DocumentsController, VerificationController
    from portal.pages.controllers import PagesController
    from portal.registrations.controllers import RegistrationsController

    return [
        PagesController,
        CatalogController,
        EnrolController,
        AccountsController,
        CandidateController,
        RegistrationsController,
        DocumentsController,
        VerificationController,
        AttachmentsController,
    ]
