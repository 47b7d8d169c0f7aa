"""Links to the portal's own pages, from route names: the path for a page, the full URL for a mail.

Handlers ask for ``links`` (an app dependency); nothing writes an internal path by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Links:
    base_url: str
    reverse: Callable[..., str]  # the app's ``route_reverse``

    def path(self, route: str, /, **params: Any) -> str:
        return self.reverse(route, **params)

    def absolute(self, route: str, /, **params: Any) -> str:
        """A full URL for a mail: the base URL and the route's path."""
        return f"{self.base_url}{self.reverse(route, **params)}"
