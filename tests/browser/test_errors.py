"""The 429 and 503 pages in a real browser, JavaScript on and off: readable, French, axe-clean.
A real server (uvicorn in a thread, the portal's app with two test routes: one answers the shared
429, one writes) on a real SQLite file that another process locks for the 503."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from playwright.sync_api import Browser, ConsoleMessage, Page
from sqlalchemy import text

from portal.app import create_app
from portal.db import Database
from portal.web.errors import too_many_requests
from tests._support import databases
from tests._support.databases import Content, Templates
from tests.browser.conftest import PageProblems
from tests.browser.helpers import assert_accessible
from tests.conftest import free_port
from tests.test_hardening import HOLD_LOCK


@get("/_test/trop", name="test:throttled", sync_to_thread=False)
def throttled(request: Request) -> Template:
    return too_many_requests(request, 120)


@get("/_test/ecrire", name="test:write")
async def write(db: NamedDependency[Database]) -> str:
    async with db.write() as session:
        await session.exec(text("UPDATE web_session SET data = data"))  # type: ignore[call-overload]
    return "écrit"


class ThreadServer:
    def __init__(self, data_dir: Path, database_templates: Templates) -> None:
        database = data_dir / "portal.sqlite3"
        database_templates.copy_to(Content.REFERENCE, datetime.now(UTC), database)
        self.database = database
        settings = replace(
            databases.test_settings(data_dir, database), database_busy_timeout_ms=1_000
        )
        app = create_app(
            settings, run_background_tasks=False, extra_route_handlers=[throttled, write]
        )
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def error_server(
    tmp_path_factory: pytest.TempPathFactory, database_templates: Templates
) -> Iterator[ThreadServer]:
    data_dir = tmp_path_factory.mktemp("errors") / "var"
    data_dir.mkdir(parents=True)
    with ThreadServer(data_dir, database_templates) as server:
        yield server


class ErrorPageProblems(PageProblems):
    """As every page's, except the 429 and 503 answers these tests provoke on purpose."""

    def console(self, message: ConsoleMessage) -> None:
        if "Failed to load resource" in message.text and (
            "status of 429" in message.text or "status of 503" in message.text
        ):
            return
        super().console(message)


def _pages(browser: Browser, url: str, javascript: bool) -> Iterator[Page]:
    context = browser.new_context(base_url=url, locale="fr-FR", java_script_enabled=javascript)
    problems = ErrorPageProblems()
    context.on("console", problems.console)
    context.on("weberror", lambda web_error: problems.page_error(web_error.error))
    page = context.new_page()
    page.portal_javascript_disabled = not javascript  # type: ignore[attr-defined]
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not problems.messages, "\n".join(problems.messages)


@pytest.fixture
def error_page(browser: Browser, error_server: ThreadServer) -> Iterator[Page]:
    yield from _pages(browser, error_server.url, True)


@pytest.fixture
def error_page_nojs(browser: Browser, error_server: ThreadServer) -> Iterator[Page]:
    yield from _pages(browser, error_server.url, False)


def _check_429(page: Page) -> None:
    response = page.goto("/_test/trop")
    assert response is not None and response.status == 429
    assert response.headers["retry-after"] == "120"
    assert page.locator("h1").inner_text() == "Trop de tentatives"
    assert "réessayez dans 2 minutes" in page.locator("main").inner_text()
    assert "Référence : " in page.locator("main").inner_text()


def test_429_page_with_javascript(error_page: Page) -> None:
    _check_429(error_page)
    assert_accessible(error_page, "429")


def test_429_page_without_javascript(error_page_nojs: Page) -> None:
    _check_429(error_page_nojs)


def _check_503(page: Page, database: Path) -> None:
    locker = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database), "4"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        response = page.goto("/_test/ecrire")
    finally:
        locker.communicate(timeout=30)
    assert response is not None and response.status == 503
    assert int(response.headers["retry-after"]) > 0
    assert page.locator("h1").inner_text() == "Service momentanément indisponible"
    assert "n'a pas été enregistrée" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Revenir à la page d'accueil").is_visible()


def test_503_page_with_javascript(error_page: Page, error_server: ThreadServer) -> None:
    _check_503(error_page, error_server.database)
    assert_accessible(error_page, "503")
    again = error_page.goto("/_test/ecrire")
    assert again is not None and again.status == 200


def test_503_page_without_javascript(error_page_nojs: Page, error_server: ThreadServer) -> None:
    _check_503(error_page_nojs, error_server.database)
