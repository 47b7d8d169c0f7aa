"""Installs what the test suite needs beyond pip; does nothing for what is already present.

- Debian's Chromium for the browser tests: a browser download from anywhere else is impossible
  here, so Playwright drives /usr/bin/chromium.
- The W3C Nu HTML Checker (RGAA criterion 8.2, valid code): the npm package ``vnu-jar`` (pinned
  below) in a cache folder outside the repository, run by Debian's Java runtime; npm itself comes
  from Debian's ``npm`` package when missing.
- Debian's PostgreSQL server binaries (``postgresql``): the suite also runs on a throw-away
  PostgreSQL cluster of its own (tests/_support/postgres.py); no cluster is configured or started
  here, and Debian's own cluster, if the package creates one, is left alone.
- Debian's ClamAV daemon (``clamav-daemon``, with ``sigtool``): the pieces tests start their own
  clamd on 127.0.0.1 with an EICAR signature they write.

Run by the README's test command (and so by .ci/run) before pytest.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_PACKAGES = ["chromium", "fonts-dejavu-core"]

VNU_VERSION = "26.9.27"
VNU_HOME = Path(
    os.environ.get("PORTAL_VNU_HOME", Path.home() / ".cache" / "portal-vnu" / VNU_VERSION)
)
VNU_JAR = VNU_HOME / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def run(command: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(
        command, check=True, cwd=cwd, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )


class Apt:
    """apt-get install, with one `apt-get update` before the first install."""

    def __init__(self) -> None:
        self.updated = False

    def install(self, *packages: str) -> None:
        apt = shutil.which("apt-get")
        if apt is None:
            raise SystemExit(f"apt-get is not available: install {' '.join(packages)} by hand.")
        prefix = [] if os.geteuid() == 0 else ["sudo"]
        if not self.updated:
            run([*prefix, apt, "update", "-qq"])
            self.updated = True
        run([*prefix, apt, "install", "-y", "-qq", *packages])


def ensure_chromium(apt: Apt) -> None:
    if os.path.exists(CHROMIUM):
        print(f"Chromium found: {CHROMIUM}")
        return
    apt.install(*CHROMIUM_PACKAGES)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"Chromium still missing at {CHROMIUM}; set PORTAL_CHROMIUM to its path.")


def ensure_validator(apt: Apt) -> None:
    if shutil.which("java") is None:
        apt.install("default-jre-headless")
    if VNU_JAR.exists():
        print(f"Nu HTML Checker found: {VNU_JAR}")
        return
    if shutil.which("npm") is None:
        apt.install("npm")
    VNU_HOME.mkdir(parents=True, exist_ok=True)
    run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--ignore-scripts",
            "--prefix",
            str(VNU_HOME),
            f"vnu-jar@{VNU_VERSION}",
        ]
    )
    if not VNU_JAR.exists():
        raise SystemExit(f"vnu.jar still missing at {VNU_JAR}")


def postgresql_binaries() -> list[str]:
    return glob.glob("/usr/lib/postgresql/*/bin/initdb")


def ensure_postgresql(apt: Apt) -> None:
    if found := postgresql_binaries():
        print(f"PostgreSQL found: {sorted(found)[-1]}")
        return
    apt.install("postgresql")
    if not postgresql_binaries():
        raise SystemExit("PostgreSQL still missing under /usr/lib/postgresql/*/bin.")


def ensure_clamd(apt: Apt) -> None:
    """Debian's clamav-daemon: tests/pieces runs its own clamd with a signature file it writes
    (no signature download); the package's own service is left alone."""
    if shutil.which("clamd") or os.path.exists("/usr/sbin/clamd"):
        print("clamd found")
        return
    apt.install("clamav-daemon", "clamav")


def main() -> int:
    apt = Apt()
    ensure_chromium(apt)
    ensure_validator(apt)
    ensure_postgresql(apt)
    ensure_clamd(apt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
