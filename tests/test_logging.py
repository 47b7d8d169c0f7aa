"""Issue 17, item 3: logs that cannot be forged and can be followed. The formatter on its own,
then a real `portal serve` (its own logging configuration) fed the issue's forging request."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.web.logs import LineFormatter, escape, request_id
from tests._support.databases import Content, Templates
from tests.conftest import TEST_SECRET, free_port

FORGED = "/static/a%0aERROR%20-%202026-12-02%20forged%20line%00"


def test_escape_writes_every_control_character_as_an_escape() -> None:
    assert escape("a\nb\rc\x00d\x1be\tf\x7fg\u2028h") == ("a\\nb\\rc\\x00d\\x1be\\tf\\x7fg\\u2028h")
    assert escape('a\\nb "q"') == 'a\\\\nb \\"q\\"'  # a literal "\n" cannot pass for an escape


def test_one_line_per_event_with_the_request_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LineFormatter())
    logger = logging.getLogger("portal.test_logging")
    logger.addHandler(handler)
    logger.propagate = False
    token = request_id.set("abc123")
    try:
        logger.warning("path %s", "/a\nERROR - forged\x00")
        try:
            raise ValueError("boom\nline")
        except ValueError:
            logger.exception("failed on %s", "/b\r\n")
    finally:
        request_id.reset(token)
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert "request_id=abc123" in lines[0] and "level=WARNING" in lines[0]
    assert 'message="path /a\\nERROR - forged\\x00"' in lines[0]
    assert "Traceback" in lines[1] and "boom\\nline" in lines[1]


@pytest.fixture
def served(tmp_path: Path, database_templates: Templates):  # type: ignore[no-untyped-def]
    """A real `portal serve`, its log (stderr and stdout) in a file."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    database_templates.copy_to(Content.REFERENCE, datetime.now(UTC), data_dir / "portal.sqlite3")
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                        break
                except OSError:
                    assert time.monotonic() < deadline, "portal serve did not start"
                    time.sleep(0.2)
            yield url, log_path
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_the_forging_request_leaves_one_escaped_line(served) -> None:  # type: ignore[no-untyped-def]
    url, log_path = served
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{url}{FORGED}", timeout=10)  # noqa: S310
    assert caught.value.code == 404
    rid = caught.value.headers["x-request-id"]
    body = caught.value.read().decode()
    caught.value.close()
    assert f"Référence : {rid}" in body
    deadline = time.monotonic() + 10
    while rid not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = log_path.read_text().splitlines()
    mine = [line for line in lines if f"request_id={rid}" in line]
    assert len(mine) == 1, lines[-10:]
    assert "forged" in mine[0] and "404" in mine[0]
    # Nothing the request carried starts a line of its own.
    assert not any(line.startswith(("ERROR", " ERROR")) for line in lines)
    assert all(line.startswith("time=") for line in lines if "forged" in line)
    assert "\x00" not in log_path.read_text()
