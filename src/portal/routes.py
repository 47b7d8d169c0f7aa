"""Every route handler of the portal, by domain."""

from __future__ import annotations

from typing import Any


def route_handlers() -> list[Any]:
    from portal.pages.controllers import PagesController

    return [PagesController]
