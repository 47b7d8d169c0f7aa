"""What every benchmark needs: a runtime folder with the demo data, a real `portal serve` on
127.0.0.1 that answers /healthz, and a results table to append one line to."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

RESULTS = Path(__file__).resolve().parent / "results"


@contextmanager
def demo_runtime(**env: str) -> Iterator[dict[str, str]]:
    """A temporary PORTAL_DATA_DIR with the demo data loaded; yields the environment."""
    with tempfile.TemporaryDirectory() as folder:
        environ = {**os.environ, "PORTAL_DATA_DIR": folder, **env}
        subprocess.run(
            [sys.executable, "-m", "portal", "demo", "load"],
            env=environ,
            check=True,
            capture_output=True,
        )
        yield environ


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def portal_server(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """`portal serve` on a free loopback port; yields its base URL once /healthz answers."""
    port = _free_port()
    command = [sys.executable, "-m", "portal", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("portal serve did not answer /healthz within 60 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def append_result(name: str, header: str, line: str) -> None:
    """Append ``line`` to results/<name>.md, writing ``header`` first if the file is new."""
    path = RESULTS / f"{name}.md"
    RESULTS.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(header)
    with path.open("a") as handle:
        handle.write(line + "\n")
    print(line)
