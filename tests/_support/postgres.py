"""A throw-away PostgreSQL cluster for the test session, and databases made from templates in it.

The cluster is Debian's PostgreSQL (installed by tests/prepare.py), initialised in a temporary
folder and started on a free port of 127.0.0.1 with fsync off (nothing in it outlives the
session). PostgreSQL refuses to run as root, so as root the cluster runs as the unprivileged
``nobody`` user (``runuser``), its folder owned by that user.

Each test gets its own database, ``CREATE DATABASE … TEMPLATE …`` of a template built once (as
the SQLite suite copies a template file), dropped after the test. One admin connection, on an
event loop of its own in a thread, issues those statements: the fixtures that ask are synchronous
and may be called while another event loop runs.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from tests._support.mail import free_port

T = TypeVar("T")
RUN_AS = "nobody"
SUPERUSER = "postgres"
OWNER = "owner.pid"  # the pid of the test session that started the cluster


def binaries() -> Path | None:
    """The folder of Debian's PostgreSQL server binaries (initdb, pg_ctl), newest version first."""
    if configured := os.environ.get("PORTAL_PG_BIN"):
        return Path(configured)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def available() -> bool:
    return binaries() is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_abandoned(folder: Path | None) -> None:
    """Stop and remove the clusters of test sessions that died without stopping theirs (killed,
    crashed): in /dev/shm they would hold memory until the machine restarts."""
    parent = folder or Path(tempfile.gettempdir())
    bin_dir = binaries()
    for root in parent.glob("portal-pg-*"):
        owner = root / OWNER
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        if bin_dir and (root / "data" / "postmaster.pid").exists():
            command = [str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"]
            if os.geteuid() == 0:
                command = ["runuser", "-u", RUN_AS, "--", *command]
            subprocess.run(command, capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


class Cluster:
    """initdb + pg_ctl start on a free port; ``stop()`` stops it and removes its folder."""

    def __init__(self) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed: run `python tests/prepare.py`")
        self.bin_dir = bin_dir
        # In memory when the machine has a tmpfs: every test creates and drops a database.
        shm = Path("/dev/shm")
        memory = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
        _stop_abandoned(memory)
        self.root = Path(tempfile.mkdtemp(prefix="portal-pg-", dir=memory))
        (self.root / OWNER).write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user=RUN_AS)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.root}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c wal_level=minimal",
                "-c max_wal_senders=0",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
                "-c shared_buffers=32MB",
            ]
        )
        self.options = options
        self.start()

    def start(self) -> None:
        log = str(self.root / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", self.options, "start"
        )

    def halt(self) -> None:
        """Stop the server, keeping its data (``start()`` brings it back): a restart's gap."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.as_root:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            log = self.root / "server.log"
            extra = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}{extra}")

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class Admin:
    """One superuser connection on a private event loop: create and drop databases."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._names = itertools.count(1)
        self._connection: asyncpg.Connection = self._call(
            asyncpg.connect(host="127.0.0.1", port=cluster.port, user=SUPERUSER, database=SUPERUSER)
        )

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def execute(self, statement: str) -> None:
        self._call(self._connection.execute(statement))

    def new_name(self, prefix: str) -> str:
        return f"{prefix}_{next(self._names)}"

    def create(self, name: str, template: str | None = None) -> None:
        clause = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.execute(f"CREATE DATABASE {name}{clause}")

    def drop(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self._call(self._connection.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
