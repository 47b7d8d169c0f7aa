"""Benchmark: pages of a real `portal serve` against the ceiling, in the same run (DECISIONS.md 12).

Starts the portal with production settings and the demo data (SQLite, one worker) on 127.0.0.1,
logs the demo candidate in and begins a draft, captures the HTML of each measured page, and
starts `bench/ceiling.py`: a bare Litestar app rendering that very HTML through Jinja on the same
uvicorn. Then, for each page, wrk drives the ceiling and the portal alternately (``--rounds``
times, the order swapped each round) with the same connections and duration. What counts is the
ratio portal / ceiling of two neighbouring runs; its median over the rounds is reported.

Appends one table per run to bench/results/pages.md: req/s, p50/p95/p99, the ratio, the portal's
resident memory, and the 1-minute load average before and after each pair.

    python bench/pages.py [--rounds 3] [--seconds 4] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from server import RESULTS, demo_runtime, portal_server

HERE = Path(__file__).resolve().parent
PASSWORD = "Demo.Soleil!62"
EMAIL = "jean.talu@example.fr"
PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "bench-" + "k" * 40,
    "PORTAL_BASE_URL": "https://portail.example.fr",
    "PORTAL_SMTP_HOST": "127.0.0.1",
}
# wrk prints the percentiles it knows; this adds p95 and a line we can parse.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Run:
    requests: int
    errors: int
    rps: float
    p50: float
    p95: float
    p99: float
    cpu_ms: float = 0.0  # the server process's CPU time (user + system) per request


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (what a loaded machine disturbs least)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> float:
    return os.getloadavg()[0]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(
    url: str, seconds: float, connections: int, script: Path, headers: list[str], pid: int = 0
) -> Run:
    cpu_before = cpu_seconds(pid) if pid else 0.0
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script)]
    for header in ["Accept-Encoding: gzip", *headers]:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if not found:
        raise RuntimeError(out)
    requests, errors, duration, p50, p95, p99 = map(int, found.groups())
    cpu = (cpu_seconds(pid) - cpu_before) * 1000 / requests if pid and requests else 0.0
    rps = requests / (duration / 1e6)
    return Run(requests, errors, rps, p50 / 1e3, p95 / 1e3, p99 / 1e3, cpu)


class Cookies:
    """The production cookies are Secure (``__Host-``): kept here by hand, sent over loopback."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def take(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.values[name] = value
            else:
                self.values.pop(name, None)
        return response

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.values.items())

    def csrf(self) -> str:
        return next(v for k, v in self.values.items() if k.endswith("csrftoken"))


def login_and_draft(base: str, period: int) -> tuple[str, str]:
    """The demo candidate logged in with a draft begun; returns (cookie header, tab path)."""
    jar = Cookies()
    with httpx.Client(base_url=base, timeout=30) as client:

        def call(method: str, path: str, **kwargs: object) -> httpx.Response:
            client.cookies.clear()
            headers = {"Cookie": jar.header()} if jar.values else {}
            return jar.take(client.request(method, path, headers=headers, **kwargs))  # type: ignore[arg-type]

        call("GET", "/connexion")
        answer = call(
            "POST",
            "/connexion",
            data={"_csrf_token": jar.csrf(), "email": EMAIL, "password": PASSWORD},
        )
        assert answer.status_code == 303, answer.text[:500]
        answer = call("POST", f"/inscriptions/nouvelle/{period}", data={"_csrf_token": jar.csrf()})
        assert answer.status_code in (302, 303), answer.text[:500]
        tab = answer.headers["location"]
        page = call("GET", tab)
        assert page.status_code == 200 and "<form" in page.text, page.text[:500]
    return jar.header(), tab


def capture(base: str, path: str, cookie: str | None) -> str:
    headers = {"Cookie": cookie} if cookie else {}
    answer = httpx.get(base + path, headers=headers, timeout=30)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def server_pid(port: int) -> int:
    """The process listening on ``port`` (`portal serve` runs uvicorn in its own process)."""
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True)
    return int(re.search(r"pid=(\d+)", out.stdout).group(1))  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--label", default="", help="what code was measured (in the heading)")
    args = parser.parse_args()
    rows: list[str] = []
    memory: list[float] = []
    with (
        demo_runtime(**PRODUCTION) as env,
        tempfile.TemporaryDirectory() as folder,
    ):
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
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        pages_dir = Path(folder) / "pages"
        pages_dir.mkdir()
        with portal_server(env) as base:
            portal_port = int(base.rsplit(":", 1)[1])
            pid = server_pid(portal_port)
            cookie, tab = login_and_draft(base, period)
            pages = {
                "home": ("/", None),
                "openings": ("/ouverture-des-services", None),
                "login": ("/connexion", None),
                "wizard_tab": (tab, cookie),
            }
            if args.only:
                pages = {k: v for k, v in pages.items() if k in args.only.split(",")}
            for name, (path, cookie_header) in pages.items():
                (pages_dir / f"{name}.html").write_text(capture(base, path, cookie_header))
            port = free_port()
            ceiling = subprocess.Popen(
                [
                    sys.executable,
                    str(HERE / "ceiling.py"),
                    "--port",
                    str(port),
                    "--pages",
                    str(pages_dir),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            ceiling_base = f"http://127.0.0.1:{port}"
            try:
                wait_for(f"{ceiling_base}/{next(iter(pages))}")
                for name, (path, cookie_header) in pages.items():
                    headers = [f"Cookie: {cookie_header}"] if cookie_header else []
                    sides = {
                        "ceiling": (f"{ceiling_base}/{name}", [], ceiling.pid),
                        "portal": (base + path, headers, pid),
                    }
                    for url, extra, _pid in sides.values():  # warm both up
                        wrk(url, 1, args.connections, script, extra)
                    runs: dict[str, list[Run]] = {"ceiling": [], "portal": []}
                    loads: list[float] = [load()]
                    for round_ in range(args.rounds):
                        order = ["ceiling", "portal"] if round_ % 2 == 0 else ["portal", "ceiling"]
                        for side in order:
                            url, extra, side_pid = sides[side]
                            runs[side].append(
                                wrk(url, args.seconds, args.connections, script, extra, side_pid)
                            )
                        memory.append(rss_mb(pid))
                        loads.append(load())
                    ratios = [
                        p.rps / c.rps for p, c in zip(runs["portal"], runs["ceiling"], strict=True)
                    ]
                    portal = runs["portal"]
                    ceil = runs["ceiling"]
                    cpu_ratios = [
                        c.cpu_ms / p.cpu_ms
                        for p, c in zip(portal, ceil, strict=True)
                        if p.cpu_ms and c.cpu_ms
                    ]
                    errors = sum(r.errors for r in portal + ceil)
                    row = (
                        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {name} | `{path.split('/')[1] or '/'}` "
                        f"| {statistics.median(r.rps for r in ceil):.0f} "
                        f"| {statistics.median(r.rps for r in portal):.0f} "
                        f"| **{statistics.median(ratios):.2f}** ({min(ratios):.2f}–{max(ratios):.2f}) "
                        f"| {statistics.median(r.p50 for r in portal):.1f} "
                        f"| {statistics.median(r.p95 for r in portal):.1f} "
                        f"| {statistics.median(r.p99 for r in portal):.1f} "
                        f"| {statistics.median(r.p50 for r in ceil):.1f} "
                        f"| {statistics.median(r.cpu_ms for r in portal):.2f} "
                        f"| {statistics.median(r.cpu_ms for r in ceil):.2f} "
                        f"| **{statistics.median(cpu_ratios):.2f}** "
                        f"| {max(memory):.0f} | {errors} "
                        f"| {min(loads):.1f}–{max(loads):.1f} |"
                    )
                    print(row, flush=True)
                    rows.append(row)
            finally:
                ceiling.terminate()
                ceiling.wait(timeout=30)
    header = (
        "\n## "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, python {platform.python_version()}, "
        f"{os.cpu_count()} cores, 1 worker, SQLite, production settings, wrk -t1 "
        f"-c{args.connections}, {args.rounds} rounds × {args.seconds:g} s per side"
        f"{', ' + args.label if args.label else ''}\n\n"
        "| date (UTC) | page | path | ceiling req/s | portal req/s | ratio (min–max) "
        "| p50 ms | p95 ms | p99 ms | ceiling p50 ms | CPU ms/req | ceiling CPU ms/req "
        "| CPU ratio | RSS MB | errors | load 1 min |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    path = RESULTS / "pages.md"
    with path.open("a") as handle:
        handle.write(header + "\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
