"""ASGI entry point for servers: ``uvicorn --factory portal.asgi:create``."""

from __future__ import annotations

from litestar import Litestar

from portal.app import create_app
from portal.settings import Settings
from portal.web import logs


def create() -> Litestar:
    app = create_app(Settings.from_env())
    # After uvicorn configured its own loggers: every line goes through the escaping formatter.
    logs.configure()
    return app
