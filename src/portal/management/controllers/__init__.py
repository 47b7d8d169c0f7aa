"""The back office under /gestion (issue 13): thin handlers over the management services.

Every route but the welcome link asks for ``manager`` (a ``Scope``: the logged-in manager and
their académies); a candidate, an anonymous visitor, or a registration outside the scope answers
404. Pages work as plain forms and links (GET filters, POST then 303) and htmx swaps the list's
results.
"""

from portal.management.controllers.catalog import CatalogManagementController
from portal.management.controllers.catalog_items import CatalogItemsController
from portal.management.controllers.catalog_pieces import CatalogPiecesController
from portal.management.controllers.registrations import ManagementController
from portal.management.controllers.review import ReviewController
from portal.management.controllers.welcome import WelcomeController

CONTROLLERS = (
    ManagementController,
    CatalogManagementController,
    CatalogItemsController,
    CatalogPiecesController,
    WelcomeController,
    ReviewController,
)

__all__ = [
    "CONTROLLERS",
    "CatalogItemsController",
    "CatalogManagementController",
    "CatalogPiecesController",
    "ManagementController",
    "ReviewController",
    "WelcomeController",
]
