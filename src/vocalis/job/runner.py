"""Running an entrypoint as a job: set the current context, connect, run, wait, shut down.

``run_job`` is the one lifecycle every launcher uses (``WorkerJob``, ``vocalis console`` /
``run``, and the server's per-connection handler from ``connection_handler``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..transports.base import RoomConnection
from .context import JobContext, _reset_current_job_context, _set_current_job_context
from .options import RoomOptions

logger = logging.getLogger("vocalis.job")

ENTRYPOINT_GRACE_SECONDS = 5.0
"""Seconds an entrypoint still running when its connection ended has to return."""

Entrypoint = Callable[[JobContext], Awaitable[Any]]
JobContextSource = JobContext | Callable[[], JobContext] | None


def check_entrypoint(entrypoint: Any) -> Entrypoint:
    """The reference's rule: an ``async def`` taking the job context."""
    if not inspect.iscoroutinefunction(entrypoint):
        raise TypeError("entrypoint must be a coroutine function")
    return entrypoint


async def run_job(entrypoint: Entrypoint, ctx: JobContext) -> None:
    """Run ``entrypoint(ctx)`` as the current job: connect first, and if the entrypoint returns
    while the connection is still open (``await session.start()`` then return), keep the job
    alive until the connection closes or shutdown is requested. If the connection ends while
    the entrypoint still runs (reference agents often wait on an event of their own), the job
    shuts down (running its shutdown callbacks) and the entrypoint gets
    ``ENTRYPOINT_GRACE_SECONDS`` to return before it is cancelled. Always shuts down."""
    token = _set_current_job_context(ctx)
    reason = ""
    try:
        await ctx.connect()
        await _run_entrypoint(entrypoint, ctx)
    except asyncio.CancelledError:
        reason = "cancelled"
        raise
    except Exception:
        logger.exception("job entrypoint failed")
        reason = "error"
    finally:
        if not reason and ctx.room is not None and ctx.room.closed.is_set():
            reason = ctx.room.close_reason
        await asyncio.shield(ctx.shutdown(ctx.shutdown_reason or reason or "completed"))
        _reset_current_job_context(token)


async def _run_entrypoint(entrypoint: Entrypoint, ctx: JobContext) -> None:
    task = asyncio.ensure_future(entrypoint(ctx))
    ended = asyncio.ensure_future(ctx.wait_until_done())
    try:
        await asyncio.wait({task, ended}, return_when="FIRST_COMPLETED")
    except asyncio.CancelledError:
        task.cancel()
        await asyncio.wait([task])
        raise
    finally:
        ended.cancel()
    if task.done():
        task.result()
        if not ctx.is_shutting_down:
            await ctx.wait_until_done()
        return
    room = ctx.room
    closed = room.close_reason if room is not None and room.closed.is_set() else ""
    await asyncio.shield(ctx.shutdown(ctx.shutdown_reason or closed or "completed"))
    try:
        await asyncio.wait_for(task, ENTRYPOINT_GRACE_SECONDS)
    except TimeoutError:
        logger.warning("the entrypoint did not return %g s after the job ended; cancelled",
                       ENTRYPOINT_GRACE_SECONDS)


def context_for_connection(
    source: JobContextSource, room_options: RoomOptions, metadata: dict[str, Any]
) -> JobContext:
    """A fresh context for one connection: from the factory, or a copy of a template context
    (its options and metadata), or built from ``room_options``."""
    if callable(source) and not isinstance(source, JobContext):
        ctx = source()
        ctx.metadata = {**ctx.metadata, **metadata}
        return ctx
    if isinstance(source, JobContext):
        return JobContext(
            room_options=source.room_options, metadata={**source.metadata, **metadata}
        )
    return JobContext(room_options=room_options, metadata=metadata)


def connection_handler(
    entrypoint: Entrypoint, *, room_options: RoomOptions, jobctx: JobContextSource = None
) -> Callable[[RoomConnection, dict[str, Any]], Awaitable[None]]:
    """The server's ``ConnectionHandler``: one job per connection, in the caller's task."""
    check_entrypoint(entrypoint)

    async def on_connection(room: RoomConnection, metadata: dict[str, Any]) -> None:
        ctx = context_for_connection(jobctx, room_options, metadata)
        ctx.bind_room(room)
        await run_job(entrypoint, ctx)

    return on_connection
