"""A real `portal serve` in a process of its own on 127.0.0.1, for the tests about operations
(several workers, backups, faults): started, waited for on /healthz, stopped, or killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests._support.candidates import PASSWORD
from tests._support.databases import TEST_SECRET
from tests._support.mail import free_port

SERVE = [sys.executable, "-m", "portal", "serve", "--host", "127.0.0.1"]

# The sign-up form as a person fills it (tests/accounts/conftest.py VALID), for a given address.
SIGN_UP = {
    "civility": "M",
    "birth_name": "Talu",
    "birth_name_confirmation": "TALU",
    "usage_name": "",
    "first_names": "Jean",
    "birth_country": "100",
    "birth_date": "01/01/2002",
    "birth_date_confirmation": "01/01/2002",
    "birth_department": "062",
    "birth_city": "Beuvry",
    "password": PASSWORD,
    "password_confirmation": PASSWORD,
}


def environment(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    return env


class Server:
    """`portal serve` with ``env``; its output goes to ``log``. ``start()`` waits for /healthz."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORTAL_BASE_URL": self.url}
        self.log = log
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def _started(self) -> int:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text.count("Application startup complete")

    def start(self, timeout: float = 120) -> Server:
        """Start, and return once every worker has started and /healthz answers."""
        before = self._started()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*SERVE, "--port", str(self.port), "--workers", str(self.workers)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers are killed with it (process group)
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"portal serve exited:\n{self.log.read_text()[-3000:]}")
            if self._started() - before >= self.workers:
                try:
                    if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"portal serve did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the server and its workers, as a crash or the OOM killer would."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


async def sign_up(client: httpx.AsyncClient, base: str, email: str) -> httpx.Response:
    """The sign-up form, GET then POST with the CSRF token, on a client of its own."""
    await client.get(f"{base}/compte/creer")
    form = {
        **SIGN_UP,
        "_csrf_token": client.cookies["csrftoken"],
        "email": email,
        "email_confirmation": email,
    }
    return await client.post(f"{base}/compte/creer", data=form)


async def log_in(client: httpx.AsyncClient, base: str, email: str, password: str) -> httpx.Response:
    await client.get(f"{base}/connexion")
    form = {"_csrf_token": client.cookies["csrftoken"], "email": email, "password": password}
    return await client.post(f"{base}/connexion", data=form)
