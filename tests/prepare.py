"""Installs what the test suite needs beyond pip: Debian's Chromium for the browser tests.

A browser download from anywhere else is impossible here, so Playwright drives /usr/bin/chromium.
Run by the README's test command (and so by .ci/run) before pytest; does nothing when present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
PACKAGES = ["chromium", "fonts-dejavu-core"]


def run(command: list[str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def main() -> int:
    if os.path.exists(CHROMIUM):
        print(f"Chromium found: {CHROMIUM}")
        return 0
    apt = shutil.which("apt-get")
    if apt is None:
        print(f"Chromium is missing ({CHROMIUM}) and apt-get is not available.", file=sys.stderr)
        print("Install Chromium and set PORTAL_CHROMIUM to its path.", file=sys.stderr)
        return 1
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    run([*prefix, apt, "update", "-qq"])
    run([*prefix, apt, "install", "-y", "-qq", *PACKAGES])
    if not os.path.exists(CHROMIUM):
        print(f"Chromium still missing at {CHROMIUM}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
