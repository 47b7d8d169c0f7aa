"""Signed links (itsdangerous, SHA-256): activation, password reset, email change.

Tokens are not stored. Each one is single-use because it carries something that its use changes:
the activation nonce (replaced by a resend, useless once the account is active), a fingerprint of
the password hash (a reset changes it), the pending email (confirming it clears it). The issue time
is inside the signed payload and checked against the portal's clock, so tests can move time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

ACTIVATION = "portal.account.activation"
RESET = "portal.account.reset"
EMAIL_CHANGE = "portal.account.email-change"
# A new manager chooses a password (issue 13); single use like a reset (hash fingerprint).
MANAGER_WELCOME = "portal.manager.welcome"

VALIDITY = {
    ACTIVATION: timedelta(hours=48),
    RESET: timedelta(hours=1),
    EMAIL_CHANGE: timedelta(hours=24),
    MANAGER_WELCOME: timedelta(hours=72),
}


class TokenInvalid(Exception):
    """Not signed by us, altered, or for another purpose."""


class TokenExpired(TokenInvalid):
    """Signed by us, but older than its validity."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__("expired")
        self.payload = payload


def _serializer(secret_key: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(
        secret_key, salt=purpose, signer_kwargs={"digest_method": hashlib.sha256}
    )


def make(secret_key: str, purpose: str, now: datetime, **payload: Any) -> str:
    return _serializer(secret_key, purpose).dumps({**payload, "t": int(now.timestamp())})


def read(secret_key: str, purpose: str, token: str, now: datetime) -> dict[str, Any]:
    try:
        payload = _serializer(secret_key, purpose).loads(token)
    except BadSignature as exc:
        raise TokenInvalid("bad signature") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int):
        raise TokenInvalid("bad payload")
    age = now.timestamp() - payload["t"]
    if age > VALIDITY[purpose].total_seconds() or age < -300:
        raise TokenExpired(payload)
    return payload
