"""The catalog's public face: queries, the selector and wording live in their own modules.

Controllers only translate HTTP to these calls. Anything a candidate can get wrong raises or
reports a ``CatalogError`` message in French.
"""

from __future__ import annotations

from datetime import datetime

from portal.catalog import CatalogError
from portal.catalog.queries import (
    Group,
    PeriodView,
    current_announcements,
    find_periods,
    get_period,
    group_by_academy,
    open_data_periods,
)
from portal.catalog.selector import LEVELS, Selector, build_selector, select_from
from portal.catalog.snapshot import Catalog, of_session
from portal.catalog.snapshot import current as current_catalog
from portal.catalog.wording import academy_phrase, academy_title, offered_heading


def registration_refusal(view: PeriodView, at: datetime) -> str | None:
    """Why registration cannot start now for this period, or None when it is open."""
    return view.registration_refusal(at)


# The registration wizard still calls it by its old name (its module is being reworked).

__all__ = [
    "LEVELS",
    "Catalog",
    "CatalogError",
    "Group",
    "PeriodView",
    "Selector",
    "academy_phrase",
    "academy_title",
    "build_selector",
    "current_announcements",
    "current_catalog",
    "find_periods",
    "get_period",
    "group_by_academy",
    "of_session",
    "offered_heading",
    "open_data_periods",
    "registration_refusal",
    "select_from",
]
