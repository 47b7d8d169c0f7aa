"""Periodic jobs that run inside the server: the ``Job`` shape and the ``Runner`` that ticks them.

The list of jobs is built in ``portal.composition`` and handed to the runner by ``create_app``;
this module imports no domain. Each job is an ``async def job(state) -> None``; a failing job is logged and retried at its next
tick, never taking the server down. Several workers may run the same job: jobs must be idempotent
and do their writes in transactions (they are: deletes by condition, outbox rows claimed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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
                await job.run(self.state)
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
