"""Mail tests reuse the account fixtures (the app's SMTP on the session's server, reference data)."""

from tests.accounts.conftest import settings, with_reference  # noqa: F401
