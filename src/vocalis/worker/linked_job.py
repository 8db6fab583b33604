"""``run_linked_job``: one call, inside a pooled process: dial the front, run the entrypoint
as a job on a ``LinkedRoom``, end it on time, and say how it ended.

The call is recorded in the process's call history under the front's job id (so the front's
dashboard finds it), and the job reports its end only once that record is written.

The job ends when the call ends (either side), after ``timeout`` seconds ("job timed out"),
or when the worker cancels it (the cancel message is the reason: "server_shutdown",
"worker_lost"). Each reason reaches the caller through the front. An entrypoint that raised
makes the task fail with its error (``JobFailed``), so the worker reports the job as failed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..job.context import JobContext
from ..job.runner import run_job
from .agent_target import AgentTarget, observers_of
from .dispatch.messages import JobRequest
from .link.handshake import dial_call
from .link.linked_room import LinkedRoom

SHUTDOWN_GRACE = 3.0
"""Seconds a job asked to end may take before it is cancelled, and then to finish cancelling."""

HISTORY_FLUSH_SECONDS = 5.0
"""How long an ended job waits for its call's record to be written (or spooled)."""


class JobFailed(RuntimeError):
    """The entrypoint raised, or would not stop."""


async def run_linked_job(target: AgentTarget, request: JobRequest, timeout: float) -> dict[str, Any]:
    """Run the call ``request`` describes (see the module docstring)."""
    agent = target.load()
    call = await dial_call(request.link_address, token=request.token, job_id=request.job_id)
    room = LinkedRoom(call, metadata=request.metadata)
    ctx = JobContext(room_options=agent.room_options_for(room.origin_transport),
                     metadata=dict(request.metadata), room=room)
    ctx.observers = observers = observers_of()
    ctx.call_id = request.job_id
    failures: list[BaseException] = []

    async def entrypoint(job_ctx: JobContext) -> None:
        try:
            await agent.entrypoint(job_ctx)
        except Exception as exc:
            failures.append(exc)
            # Close the call as failed before the job's shutdown closes the session (which
            # would end the call as merely "session_closed").
            await room.aclose("error")
            raise

    job = asyncio.ensure_future(run_job(entrypoint, ctx))
    try:
        await asyncio.wait_for(asyncio.shield(job), timeout)
    except TimeoutError:
        await _end(job, ctx, room, "job timed out")
    except asyncio.CancelledError as exc:
        await _end(job, ctx, room, str(exc.args[0]) if exc.args else "cancelled")
        raise
    finally:
        if observers is not None:
            await observers.flush(HISTORY_FLUSH_SECONDS)
    if failures:
        error = failures[0]
        raise JobFailed(f"the entrypoint raised {type(error).__name__}: {error}")
    return {"reason": ctx.shutdown_reason, "room_id": room.room_id}


async def _end(job: asyncio.Future[None], ctx: JobContext, room: LinkedRoom,
               reason: str) -> None:
    """End the call with ``reason`` (the room first, so that the caller hears this reason and
    not the session's closing), then the job; cancel it if it does not end within the grace."""
    await room.aclose(reason)
    ctx.shutdown(reason)
    await asyncio.wait({job}, timeout=SHUTDOWN_GRACE)
    if not job.done():
        job.cancel()
        await asyncio.wait({job}, timeout=SHUTDOWN_GRACE)
    if not job.done():
        raise JobFailed(f"the job ignored its end ({reason}) and its cancellation")
