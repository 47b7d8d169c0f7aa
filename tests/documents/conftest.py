"""The registration fixtures: documents hang off saved registrations."""

from tests.registrations.conftest import candidate, client, demo, password_hash  # noqa: F401
