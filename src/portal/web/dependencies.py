"""Dependencies resolved without a task group when none of them can wait.

Litestar resolves the dependencies of one level of the graph (``db``, ``now``, ``settings`` …)
concurrently, in an anyio task group, whenever there are two or more of them. The portal's
dependencies are plain functions that return at once (``sync_to_thread=False``): there is
nothing to overlap, and the task group, its cancel scope and one task per dependency were about
7 % of the CPU of a public page (bench/RESULTS.md, issue 12). A level made only of such
functions is resolved one after the other instead: the same values in the same kwargs, the same
cleanup of generator dependencies, the first error raised as it is. A level with an async
dependency, or one run in a worker thread, keeps Litestar's task group.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import DependencyContainer, resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection

_litestar_resolve = KwargsModel.resolve_dependencies


def immediate(dependency: DependencyContainer) -> bool:
    """A plain function called on the event loop: it cannot wait, so nothing can overlap it."""
    return bool(dependency.provide.has_sync_callable)


def sequential(batches: list[set[DependencyContainer]]) -> bool:
    return all(len(batch) == 1 or all(immediate(d) for d in batch) for batch in batches)


async def resolve_dependencies(
    self: KwargsModel, connection: ASGIConnection, kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    if not sequential(self.dependency_batches):
        return await _litestar_resolve(self, connection, kwargs)
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def install() -> None:
    """Once per process (idempotent): Litestar's ``KwargsModel`` resolves through this module."""
    KwargsModel.resolve_dependencies = resolve_dependencies  # type: ignore[method-assign]
