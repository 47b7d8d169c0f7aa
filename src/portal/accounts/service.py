"""Account rules (guide §3, §4 and §9), one module per seam; this is their public face.

Every rule takes the database, the settings and ``now`` (the portal's clock); those that mail a
link take ``links``, those that touch other domains' data take the ``AccountHooks`` given at
composition. Passwords are hashed before a write transaction opens, never while it holds the
write lock. Mails are written to the outbox inside the transaction of their event. Security
events go to the "portal.security" logger, never with a password, a token or a link.
"""

from __future__ import annotations

from portal.accounts.errors import (
    AccountError,
    AccountNotActive,
    LinkInvalid,
    LoginFailed,
    LoginThrottled,
    RateLimited,
)
from portal.accounts.export import export_data
from portal.accounts.login import authenticate
from portal.accounts.profile import (
    EMAIL_LINK_INVALID,
    Changes,
    confirm_email,
    is_locked,
    lock_state,
    update_account,
)
from portal.accounts.records import by_email, form_context, get_account
from portal.accounts.recovery import RESET_INVALID, request_reset, reset_password, reset_target
from portal.accounts.signup import (
    ACTIVATION_DELAY,
    activate,
    purge_unactivated,
    resend_activation,
    security,
    sign_up,
)

__all__ = [
    "ACTIVATION_DELAY",
    "EMAIL_LINK_INVALID",
    "RESET_INVALID",
    "AccountError",
    "AccountNotActive",
    "Changes",
    "LinkInvalid",
    "LoginFailed",
    "LoginThrottled",
    "RateLimited",
    "activate",
    "authenticate",
    "by_email",
    "confirm_email",
    "export_data",
    "form_context",
    "get_account",
    "is_locked",
    "lock_state",
    "purge_unactivated",
    "request_reset",
    "resend_activation",
    "reset_password",
    "reset_target",
    "security",
    "sign_up",
    "update_account",
]
