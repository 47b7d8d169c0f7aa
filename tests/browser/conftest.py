"""Browser layer: one real `portal serve` per session on 127.0.0.1 with demo data, driven by
Playwright through Debian's Chromium. Every page fixture fails its test if Chromium reports a CSP
violation or a JavaScript error."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests._support import trail
from tests._support.databases import Content, PostgresTemplates, Templates
from tests.conftest import TEST_SECRET, Mailbox, dialects, free_port

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    mailbox: Mailbox
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `portal` sub-command against this server's database."""
        return subprocess.run(
            [sys.executable, "-m", "portal", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )


@pytest.fixture(scope="session")
def live_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: Mailbox,
    database_templates: Templates,
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live") / "var"
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_SMTP_HOST": smtp_server.host,
        "PORTAL_SMTP_PORT": str(smtp_server.port),
        "PYTHONUNBUFFERED": "1",
        "PORTAL_TEMPLATE_TRAIL": "1",  # each response names its templates (tests/_support/trail.py)
    }
    # The demo data as `portal demo load` gives it (tests/test_cli.py runs that command): a copy
    # of the session's demo template; `portal serve` then migrates and loads reference data itself.
    data_dir.mkdir(parents=True)
    if dialects() == ["postgresql"]:  # a PostgreSQL-only run (--database=postgresql)
        templates: PostgresTemplates = request.getfixturevalue("postgres_templates")
        _, env["PORTAL_DATABASE_URL"] = templates.create(Content.DEMO, datetime.now(UTC))
    else:
        database_templates.copy_to(Content.DEMO, datetime.now(UTC), data_dir / "portal.sqlite3")
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    server = LiveServer(url, data_dir, smtp_server, env, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError((data_dir / "serve.log").read_text())
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("portal serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `python tests/prepare.py` first")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = chromium.new_context

        def followed_context(**options):  # type: ignore[no-untyped-def]
            context = new_context(**options)
            trail.attach(context, javascript=options.get("java_script_enabled", True))
            return context

        chromium.new_context = followed_context  # type: ignore[method-assign]
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors (CSP violations above all) and uncaught exceptions seen by a page."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            # A 4xx answer a test provokes on purpose is not a page problem.
            if "Failed to load resource" in text and "status of 4" in text:
                return
            self.messages.append(f"console {message.type}: {text}")

    def page_error(self, error: Exception) -> None:
        self.messages.append(f"page error: {error}")


def _page(context: BrowserContext, *, javascript: bool = True) -> Iterator[Page]:
    problems = PageProblems()
    context.on("console", problems.console)
    context.on("weberror", lambda web_error: problems.page_error(web_error.error))
    page = context.new_page()
    page.portal_javascript_disabled = not javascript  # type: ignore[attr-defined]
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not problems.messages, "\n".join(problems.messages)


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page with JavaScript on (htmx enhances)."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    yield from _page(context)


@pytest.fixture
def page_nojs(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page with JavaScript off: every journey must still work with plain forms and links."""
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    yield from _page(context, javascript=False)
