"""Account pages (guide §3, §4, §9): thin handlers, one module per seam, over the account rules."""

from __future__ import annotations

from portal.accounts.controllers.login import LoginController
from portal.accounts.controllers.profile import EmailController, ProfileController
from portal.accounts.controllers.recovery import RecoveryController
from portal.accounts.controllers.signup import SignupController

CONTROLLERS = [
    SignupController,
    LoginController,
    RecoveryController,
    EmailController,
    ProfileController,
]
