"""Where a page's CPU goes under load: py-spy samples a real `portal serve` (production settings,
demo data, SQLite) while wrk drives one path, then prints the functions holding the most samples,
inclusive (the function or anything it calls) and self.

    python bench/profile.py [--path /] [--seconds 10] [--top 40] [--wizard]

py-spy must be installed (`pip install py-spy`) and allowed to read the server's memory (root,
or ptrace allowed). The collapsed stacks are kept in bench/results/profiles/ for comparison.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pages import PRODUCTION, WRK_SCRIPT, login_and_draft, server_pid
from server import RESULTS, demo_runtime, portal_server


def summarise(collapsed: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1]
            for f in stack.split(";")
        ]
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    lines = [f"{total} samples", "", "inclusive %  self %  function (file)"]
    for frame, samples in inclusive.most_common(top):
        lines.append(f"{100 * samples / total:10.1f}  {100 * own[frame] / total:6.1f}  {frame}")
    lines += ["", "top self:"]
    for frame, samples in own.most_common(top // 2):
        lines.append(f"{100 * samples / total:10.1f}  {frame}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default="/")
    parser.add_argument("--wizard", action="store_true", help="profile a logged-in wizard tab")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    with demo_runtime(**PRODUCTION) as env, tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        with portal_server(env) as base:
            pid = server_pid(int(base.rsplit(":", 1)[1]))
            path, headers = args.path, []
            if args.wizard:
                import sqlite3

                database = Path(env["PORTAL_DATA_DIR"]) / "portal.sqlite3"
                period = (
                    sqlite3.connect(database)
                    .execute(
                        "SELECT p.id FROM opening_period p JOIN specialty s ON s.id = p.specialty_id "
                        "JOIN qualification q ON q.id = s.qualification_id "
                        "WHERE q.code = 'BIA' AND p.academy_code = 'versailles'"
                    )
                    .fetchone()[0]
                )
                cookie, path = login_and_draft(base, period)
                headers = ["-H", f"Cookie: {cookie}"]
            load = subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{args.connections}",
                    f"-d{args.seconds + 2}s",
                    "-H",
                    "Accept-Encoding: gzip",
                    *headers,
                    "-s",
                    str(script),
                    base + path,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(1)
            stamp = f"{datetime.now(UTC):%Y%m%d-%H%M}"
            name = (args.label or path.strip("/").replace("/", "_") or "home") + f"-{stamp}.txt"
            out_dir = RESULTS / "profiles"
            out_dir.mkdir(exist_ok=True)
            collapsed = out_dir / name
            subprocess.run(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(args.seconds),
                    "--format",
                    "raw",
                    "--output",
                    str(collapsed),
                    "--nonblocking",
                    "--rate",
                    "200",
                ],
                check=True,
                capture_output=True,
            )
            print(load.communicate()[0].strip().splitlines()[-1])
    print(f"load {os.getloadavg()[0]:.1f}; stacks in {collapsed}")
    print(summarise(collapsed, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
