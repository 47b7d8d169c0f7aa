"""Security headers on every response: pages, fragments, errors and static files alike (HSTS
too when the portal is served over https)."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


# A year, subdomains included: once a browser has seen the portal over https it never tries http.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# On https the cookies take the __Host- prefix: Secure, Path=/, no Domain, set by this host only.
HOST_PREFIX = "__Host-"


def cookie_name(name: str, *, https: bool) -> str:
    return f"{HOST_PREFIX}{name}" if https else name


def security_headers(*, https: bool) -> BeforeMessageSendHookHandler:
    """The ``before_send`` hook: Litestar calls it for every message, error responses too."""
    headers_to_set = dict(SECURITY_HEADERS)
    if https:
        headers_to_set["strict-transport-security"] = STRICT_TRANSPORT_SECURITY
    # Appended as they are when the response has none of them (always, so far): one pass over
    # the response's headers instead of a search per header.
    encoded = [(name.encode(), value.encode()) for name, value in headers_to_set.items()]
    names = {name for name, _ in encoded}
    no_cache = (b"cache-control", b"no-cache")

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        raw = message.get("headers")
        static = scope.get("path", "").startswith("/static/")
        if isinstance(raw, list):
            present = {name.lower() for name, _ in raw}
            if not present & names:
                raw.extend(encoded)
                if not static and b"cache-control" not in present:
                    raw.append(no_cache)
                return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in headers_to_set.items():
            headers[name] = value
        if not static and "cache-control" not in headers:
            headers["cache-control"] = "no-cache"

    return add_security_headers
