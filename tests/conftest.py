"""Shared fixtures: settings on a temporary runtime folder, a real SQLite file per test (a copy of a
template built once per session), the app with an injectable clock, a CSRF-aware client, a real
SMTP server on 127.0.0.1, and an activated candidate who logs in through the real login form.

A test asks for the data it needs by name: ``demo`` (reference data, the demo catalog and the demo
account, as `portal demo load` gives) or ``reference`` (reference data only); without either its
database holds the migrated schema only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar

from portal.app import create_app
from portal.settings import Settings
from tests._support import postgres, trail
from tests._support.candidates import EMAIL, PASSWORD, logged_in, make_account
from tests._support.candidates import password_hash as hash_once
from tests._support.databases import (
    TEST_SECRET,
    Content,
    PostgresTemplates,
    Templates,
    test_settings,
)
from tests._support.mail import Handler, Mailbox, free_port
from tests._support.postgres import Admin, Cluster
from tests._support.web import BASE_URL, Client, CompiledTemplates, field_error

__all__ = ["EMAIL", "PASSWORD", "TEST_SECRET", "Client", "Mailbox", "field_error", "free_port"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=["sqlite", "postgresql", "both"],
        default=None,
        help="database(s) the tests run on (default: $PORTAL_TEST_DATABASE, else both when "
        "PostgreSQL is installed, else sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test is about SQLite itself; not run on PostgreSQL"
    )
    choice = config.getoption("--database") or os.environ.get("PORTAL_TEST_DATABASE") or ""
    if choice == "both" or not choice:
        chosen = ["sqlite", "postgresql"] if (choice or postgres.available()) else ["sqlite"]
    else:
        chosen = [choice]
    _DIALECTS[:] = chosen
    if not hasattr(config, "workerinput"):  # the run's own process: xdist's workers inherit it
        os.environ[trail.DIR_VARIABLE] = tempfile.mkdtemp(prefix="portal-trail-")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The page templates the browser tests reached (tests/_support/trail.py); a whole run
    (every test collected, none failed) fails when one is neither reached nor a known gap."""
    folder = os.environ.get(trail.DIR_VARIABLE)
    if hasattr(config, "workerinput") or not folder or not any(Path(folder).glob("*.jsonl")):
        return
    lines, problems = trail.report(Path(folder))
    terminalreporter.section("gabarits de pages atteints par les tests de navigateur")
    for line in lines:
        terminalreporter.write_line(line)
    whole = exitstatus == 0 and not config.option.keyword and not config.option.markexpr
    whole = whole and terminalreporter._session.testscollected >= 1000
    for problem in problems:
        terminalreporter.write_line(f"ÉCHEC : {problem}" if whole else f"(partiel) {problem}")
    if whole and problems:
        terminalreporter._session.exitstatus = pytest.ExitCode.TESTS_FAILED


_DIALECTS: list[str] = ["sqlite"]


def dialects() -> list[str]:
    return _DIALECTS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a database runs on each chosen dialect (ids ``[sqlite]`` and
    ``[postgresql]``); browser tests and ``sqlite_only`` tests on SQLite only."""
    if "dialect" not in metafunc.fixturenames:
        return
    chosen = dialects()
    browser = "/tests/browser/" in str(metafunc.definition.path)
    if browser or metafunc.definition.get_closest_marker("sqlite_only"):
        chosen = [d for d in chosen if d == "sqlite"] or ["sqlite"]
    metafunc.parametrize("dialect", chosen, indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, where the async tests could not run theirs."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.path))


class Clock:
    """An injectable clock: tests move time forward instead of sleeping."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# -- the database ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    """Migrated (and loaded) database files, built on first use, copied by every test."""
    return Templates(tmp_path_factory.mktemp("templates"))


def _content(fixturenames: list[str]) -> Content:
    if "demo" in fixturenames:
        return Content.DEMO
    if "reference" in fixturenames:
        return Content.REFERENCE
    return Content.EMPTY


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "var"
    path.mkdir()
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Admin]:
    """A throw-away PostgreSQL cluster for the session (started on first use) and its admin."""
    if "postgresql" not in dialects():
        pytest.skip("PostgreSQL is not installed, or not chosen (--database)")
    cluster = Cluster()
    try:
        admin = Admin(cluster)
        try:
            yield admin
        finally:
            admin.close()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_templates(
    postgres_admin: Admin, tmp_path_factory: pytest.TempPathFactory
) -> PostgresTemplates:
    return PostgresTemplates(postgres_admin, tmp_path_factory.mktemp("pg-templates"))


@pytest.fixture
def dialect(request: pytest.FixtureRequest) -> str:
    """The database the test runs on: "sqlite" or "postgresql" (see pytest_generate_tests)."""
    return getattr(request, "param", dialects()[0])


@pytest.fixture
def settings(
    request: pytest.FixtureRequest,
    data_dir: Path,
    clock: Clock,
    dialect: str,
    database_templates: Templates,
) -> Iterator[Settings]:
    """The test's own database, holding what the test asked for, loaded on the test clock's day:
    a copy of a template file on SQLite, a database made from a template on PostgreSQL."""
    content = _content(request.fixturenames)
    if dialect == "postgresql":
        templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
        name, url = templates.create(content, clock())
        try:
            yield test_settings(data_dir, url)
        finally:
            templates.admin.drop(name)
        return
    database = data_dir / "portal.sqlite3"
    database_templates.copy_to(content, clock(), database)
    yield test_settings(data_dir, database)


@pytest.fixture
def reference() -> None:
    """Reference data (domains, académies, countries, départements, HR options, establishments)
    is in the test's database: `settings` copies the template that holds it."""


@pytest.fixture
def demo() -> None:
    """Reference data, the demo catalog (dates relative to the test clock's day) and the demo
    account are in the test's database: `settings` copies the template that holds them."""


@pytest.fixture
def extra_routes() -> list[Any]:
    """Override in a test module to mount handlers that exercise the web glue."""
    return []


@pytest.fixture(scope="session")
def compiled_templates() -> CompiledTemplates:
    return CompiledTemplates()


@pytest.fixture
async def app(
    settings: Settings,
    clock: Clock,
    extra_routes: list[Any],
    compiled_templates: CompiledTemplates,
) -> AsyncIterator[Litestar]:
    application = create_app(
        settings, clock=clock, run_background_tasks=False, extra_route_handlers=extra_routes
    )
    application.template_engine.engine.bytecode_cache = compiled_templates  # type: ignore[union-attr]
    if not application.state.db.is_sqlite:
        # The test client runs the app on an event loop of its own, and the test uses the same
        # Database on its loop: asyncpg connections cannot travel between them.
        await application.state.db.unpooled()
    yield application
    await application.state.db.dispose()


@pytest.fixture
def db(app: Litestar):  # type: ignore[no-untyped-def]
    return app.state.db


# -- clients and the candidate --------------------------------------------------------------------
@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    """A browser-like client; redirects are seen (303 after POST) instead of followed."""
    async with Client(app=app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


@pytest.fixture(scope="session")
def password_hash() -> str:
    """PASSWORD hashed once per session (argon2 at the production cost is slow on purpose)."""
    return hash_once()


@pytest.fixture
async def candidate(app: Litestar, clock: Clock, demo: None, password_hash: str) -> int:
    """Jean TALU's activated account (EMAIL, PASSWORD), beside the demo data; its id."""
    return await make_account(app.state.db, clock, password_hash, EMAIL)


@pytest.fixture
async def logged_in_client(client: Client, candidate: int) -> Client:
    """The client, logged in as the candidate through the real login form."""
    await logged_in(client)
    return client


# -- a real SMTP server ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) listening on 127.0.0.1 for the whole test session."""
    box = Mailbox(host="127.0.0.1", port=free_port())
    controller = Controller(Handler(box), hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    smtp_server.clear()
    return smtp_server
