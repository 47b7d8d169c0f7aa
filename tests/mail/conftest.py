"""Mail tests reuse the account fixtures (reference data, a client that sees redirects)."""

from tests.accounts.conftest import client, reference, settings  # noqa: F401
