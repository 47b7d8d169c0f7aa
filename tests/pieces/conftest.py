"""The registration fixtures: pieces are asked for saved registrations."""

from tests.registrations.conftest import candidate, client, demo, password_hash  # noqa: F401
