"""What every request goes through before routing: its request id, HEAD answered as GET without
a body, and paths no route can mean (a NUL or another control character, undecodable bytes, an
id beyond a 64-bit integer) sent to the 404 page before any handler or static file sees them."""

from __future__ import annotations

import re

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.web.logs import new_request_id, request_id

REQUEST_ID_HEADER = "x-request-id"
STATE_KEY = "request_id"
# Where a path no route can mean is sent: no route has it, so routing answers the French 404.
NOWHERE = "/-/introuvable"
# Ids are INTEGER columns: 64-bit on SQLite but 32-bit on PostgreSQL, so the smaller bound holds
# for both (an académie's tables stay far below two billion rows).
BIGGEST_ID = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffd]")
_DIGITS = re.compile(r"\d+")


def acceptable_path(path: str) -> bool:
    """False for a path with a control character or an undecodable byte, or with an all-digit
    segment larger than the largest database id."""
    if _CONTROL.search(path):
        return False
    return all(
        int(segment) <= BIGGEST_ID
        for segment in path.split("/")
        if _DIGITS.fullmatch(segment) and segment.isascii()
    )


class Front:
    """Wraps the app's ASGI handler (inside Litestar's ``__call__``, before routing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = new_request_id()
        token = request_id.set(rid)
        scope.setdefault("state", {})[STATE_KEY] = rid  # type: ignore[typeddict-unknown-key]
        if not acceptable_path(scope["path"]):
            scope["path"] = NOWHERE  # raw_path stays: the access log shows what was asked
        head = scope["method"] == "HEAD"
        if head:
            scope["method"] = "GET"

        async def front_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = rid
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}  # type: ignore[typeddict-item]
            await send(message)

        try:
            await self.app(scope, receive, front_send)
        finally:
            request_id.reset(token)
            if head:
                scope["method"] = "HEAD"


def current_request_id(scope: Scope) -> str:
    return str(scope.get("state", {}).get(STATE_KEY, "-"))
