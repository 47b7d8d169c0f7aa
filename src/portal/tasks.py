"""Periodic jobs that run inside the server: the ``Job`` shape and the ``Runner`` that ticks them.

The list of jobs is built in ``portal.composition`` and handed to the runner by ``create_app``;
this module imports no domain. Each job is an ``async def job(state) -> None``; a failing job is logged and retried at its next
tick, never taking the server down.

With several workers (``portal serve --workers N``, PostgreSQL only), every worker ticks every
job, but a tick runs only in the worker that takes the job's PostgreSQL advisory lock
(``pg_try_advisory_xact_lock``, held by a transaction of its own for the job's duration); the
others skip that tick. The lock goes with the transaction: a worker that dies mid-job (SIGKILL)
frees it with its connection, no lease row to expire. Jobs stay idempotent and do their writes in
transactions anyway (deletes by condition, outbox rows claimed), so a tick run twice is harmless.
On SQLite there is one worker, hence no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text

logger = logging.getLogger("portal.tasks")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Any], Awaitable[None]]


class Runner:
    def __init__(self, state: Any, jobs: list[Job]) -> None:
        self.state = state
        self.jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"portal:{job.name}"))

    async def _loop(self, job: Job) -> None:
        while True:
            try:
                await run_alone(self.state, job)
            except Exception:
                logger.exception("periodic job %s failed", job.name)
            await asyncio.sleep(job.every.total_seconds())

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


# The first key of the jobs' advisory locks ("job" in ASCII); the second is the job's name hashed.
# The two-integer form is a key space apart from db.write()'s one-bigint lock.
JOB_LOCK_CLASS = int.from_bytes(b"job", "big")
_TRY_JOB_LOCK = text("SELECT pg_try_advisory_xact_lock(:lock_class, :job_key)")


def job_key(name: str) -> int:
    """The job's name as a signed 32-bit integer, the same in every worker process."""
    return zlib.crc32(name.encode()) - 2**31


async def run_alone(state: Any, job: Job) -> bool:
    """Run one tick of ``job`` unless another worker is running it; True when it ran here."""
    db = state.db
    if db.is_sqlite:
        await job.run(state)
        return True
    async with db.engine.connect() as connection:
        taken = await connection.scalar(
            _TRY_JOB_LOCK, {"lock_class": JOB_LOCK_CLASS, "job_key": job_key(job.name)}
        )
        if not taken:
            logger.debug("periodic job %s runs in another worker: tick skipped", job.name)
            return False
        # The lock's transaction stays open (idle, holding nothing else) until the job ends; the
        # job's own reads and writes use other connections of the pool.
        await job.run(state)
        await connection.rollback()
        return True


async def purge_sessions(state: Any) -> None:
    from portal.web.sessions import purge_expired_sessions

    settings = state.settings
    await purge_expired_sessions(
        state.db,
        state.clock(),
        timedelta(minutes=settings.session_idle_minutes),
        timedelta(hours=settings.session_absolute_hours),
    )


PURGE_SESSIONS = Job("purge-sessions", timedelta(minutes=10), purge_sessions)
