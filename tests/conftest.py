"""Shared fixtures: settings on a temporary runtime folder, a real migrated SQLite file per test,
the app with an injectable clock, a CSRF-aware client, and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar
from litestar.testing import AsyncTestClient

from portal.app import create_app
from portal.migrate import upgrade
from portal.settings import Settings

TEST_SECRET = "test-secret-key-that-is-long-enough-for-itsdangerous-0123456789"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, where the async tests could not run theirs."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.path))


def field_error(html: str, name: str) -> str | None:
    """The error message shown next to a field (without the hidden "Erreur : " prefix)."""
    field_id = "champ-" + name.replace("_", "-")
    match = re.search(
        rf'<p class="field-error" id="{field_id}-erreur"><span class="visually-hidden">'
        r"Erreur : </span>(.*?)</p>",
        html,
        re.S,
    )
    return match.group(1) if match else None


class Clock:
    """An injectable clock: tests move time forward instead of sleeping."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database file migrated with Alembic; each test gets its own copy of it."""
    path = tmp_path_factory.mktemp("template") / "portal.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "var"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path, migrated_template: Path) -> Settings:
    database = data_dir / "portal.sqlite3"
    shutil.copyfile(migrated_template, database)
    return Settings.from_env(
        {},
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{database}",
        secret_key=TEST_SECRET,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def extra_routes() -> list[Any]:
    """Override in a test module to mount handlers that exercise the web glue."""
    return []


@pytest.fixture
async def app(settings: Settings, clock: Clock, extra_routes: list[Any]) -> AsyncIterator[Litestar]:
    application = create_app(
        settings, clock=clock, run_background_tasks=False, extra_route_handlers=extra_routes
    )
    yield application
    await application.state.db.dispose()


@pytest.fixture
def db(app: Litestar):  # type: ignore[no-untyped-def]
    return app.state.db


class Client(AsyncTestClient):
    """A test client that behaves like a browser with forms: it sends the CSRF token."""

    def csrf_token(self) -> str:
        token = self.cookies.get("csrftoken")
        if token is None:
            raise AssertionError("GET a page before POSTing: no csrftoken cookie yet")
        return token

    async def submit(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        if "csrftoken" not in self.cookies:
            await self.get("/")
        form = {"_csrf_token": self.csrf_token(), **(data or {})}
        return await self.post(url, data=form, **kwargs)

    async def htmx_get(self, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        return await self.get(url, headers=headers, **kwargs)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with Client(app=app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


# -- a real SMTP server ---------------------------------------------------------------------------
@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def clear(self) -> None:
        self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    async def wait_for(
        self, address: str, count: int = 1, seconds: float = 10
    ) -> list[EmailMessage]:
        for _ in range(int(seconds * 20)):
            found = self.to(address)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no mail for {address} within {seconds}s")

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @staticmethod
    def links(message: EmailMessage) -> list[str]:
        return re.findall(r"https?://\S+", Mailbox.text(message))


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        self.box.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) listening on 127.0.0.1 for the whole test session."""
    box = Mailbox(host="127.0.0.1", port=free_port())
    controller = Controller(_Handler(box), hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    smtp_server.clear()
    return smtp_server
