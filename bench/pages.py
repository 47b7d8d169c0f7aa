"""Benchmark: public pages under concurrent load on one `portal serve` (loopback only).

Starts a real server on 127.0.0.1 with demo data in a temporary folder, sends a bounded number of
requests with a bounded concurrency, and appends latency percentiles and throughput to
bench/results/pages.md. Timings live here, never in the test suite.

    python bench/pages.py [--requests 2000] [--concurrency 50] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime

import httpx
from server import append_result, demo_runtime, portal_server

PATHS = ["/", "/accessibilite", "/healthz"]


async def run_load(base: str, paths: list[str], total: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(paths[i % len(paths)])

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            path = queue.get_nowait()
            start = time.perf_counter()
            try:
                response = await client.get(path, headers={"Accept-Encoding": "gzip"})
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - start)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": total,
        "errors": errors,
        "seconds": elapsed,
        "rps": total / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with demo_runtime(PORTAL_ENV="development") as env, portal_server(env, args.workers) as base:
        result = asyncio.run(run_load(base, PATHS, args.requests, args.concurrency))
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {platform.python_version()} | {os.cpu_count()} "
        f"| {args.workers} | {args.concurrency} | {result['requests']} | {result['errors']} "
        f"| {result['rps']:.0f} | {result['p50_ms']:.1f} | {result['p95_ms']:.1f} "
        f"| {result['p99_ms']:.1f} |"
    )
    append_result(
        "pages",
        "# Public pages under load (one machine, loopback, SQLite)\n\n"
        f"Paths: {', '.join(PATHS)}, round robin, gzip accepted.\n\n"
        "| date (UTC) | python | cores | workers | concurrency | requests | errors | req/s "
        "| p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
        line,
    )
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
