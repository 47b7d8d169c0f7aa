"""The one metadata every table hangs from; importing this module registers every model."""

from __future__ import annotations

from sqlmodel import SQLModel

from portal.db import NAMING_CONVENTION

SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata


def load_all_models() -> None:
    """Import every domain's models so that metadata is complete (Alembic, tests)."""
    from portal.accounts import models as accounts  # noqa: F401
    from portal.catalog import models as catalog  # noqa: F401
    from portal.documents import models as documents  # noqa: F401
    from portal.mail import models as mail  # noqa: F401
    from portal.management import models as management  # noqa: F401
    from portal.pieces import models as pieces  # noqa: F401
    from portal.registrations import models as registrations  # noqa: F401
    from portal.web import sessions  # noqa: F401
