"""Which templates a response rendered, and in which state, told to the browser tests.

Off unless ``PORTAL_TEMPLATE_TRAIL=1`` (the browser tests' server only: the header names the
templates). tests/browser checks from it that every page template, in each state the tests reach,
was checked by axe-core with JavaScript on and reached by a journey with JavaScript off.

A state is what changes a page's markup beyond its data: the form errors it shows, the wizard's
tab, an error page's status.
"""

from __future__ import annotations

import os
from typing import Any

from litestar.datastructures import MutableScopeHeaders

ENABLED = os.environ.get("PORTAL_TEMPLATE_TRAIL") == "1"
HEADER = "x-portal-template"
_SCOPE_KEY = "portal_templates"


def state(context: dict[str, Any]) -> str:
    parts = []
    step = context.get("step")
    if getattr(step, "segment", None):
        parts.append(str(step.segment))
    if context.get("status"):  # the error page's
        parts.append(str(context["status"]))
    if context.get("errors"):
        parts.append("erreurs")
    return "+".join(parts)


def note(name: str, context: dict[str, Any]) -> None:
    """Remember that this request rendered ``name`` (called by the template engine)."""
    request = context.get("request")
    if request is not None:
        request.scope.setdefault(_SCOPE_KEY, []).append(f"{name}|{state(context)}")


async def before_send(message: Any, scope: Any) -> None:
    names = scope.get(_SCOPE_KEY)
    if names and message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message).add(HEADER, ",".join(names))
