"""Job isolation through the front, with real pooled processes: a call whose job raises,
hangs past its timeout, blocks its process, eats memory past the limit or crashes its process
with ``os.abort()`` ends alone and the caller is told; a call running beside them never
notices; the crashed processes are replaced and the next calls work."""

from __future__ import annotations

import asyncio

import pytest
from tests.transports.ws_client import connect, speak, wait_for
from tests.worker.helpers import AGENT_FILE, wait_until

from vocalis.job import RoomOptions, WebSocketConfig
from vocalis.worker import Deployment, WorkerOptions

pytestmark = pytest.mark.slow

WORKER_LOST = "the agent's worker stopped unexpectedly; the call has ended"


async def misbehaving_call(url: str, fail: str) -> tuple[int | None, str, list[str]]:
    async with connect(f"{url}?say=hi&fail={fail}") as (ws, got):
        await speak(ws, "hi", 0.5)
        assert await wait_for(lambda: got.closed.is_set(), 20), fail
        errors = [m["message"] for m in got.of_type("error")]
        return got.close_code, got.close_reason, errors


async def healthy_call(url: str) -> list[str]:
    async with connect(f"{url}?say=hello@0.2|still%20there@2.5") as (ws, got):
        await speak(ws, "hello@0.2|still there@2.5", 4.0)
        await wait_for(lambda: len(got.transcripts("agent")) == 2, 5)
        assert not got.closed.is_set()
        return got.transcripts("agent")


async def test_a_misbehaving_job_ends_only_its_own_call() -> None:
    options = WorkerOptions(
        agent_file=AGENT_FILE, num_idle_processes=6, max_processes=8, jobs_per_process=1,
        load_threshold=1.0, memory_limit_mb=350, health_check_interval=1.0, job_timeout=5.0,
        host="127.0.0.1", port=0, redis_url=None, log_level="ERROR",
    )
    room = RoomOptions(transport_mode="websocket", websocket=WebSocketConfig(port=0))
    dep = Deployment(options, room)
    await dep.start()
    try:
        url = dep.front.url("/ws", "ws")
        manager = dep.worker.process_manager.resource_manager
        pids = {r.pid for r in manager.resources}
        healthy = asyncio.ensure_future(healthy_call(url))
        raised, hung, blocked, bombed, aborted = await asyncio.gather(
            *(misbehaving_call(url, fail) for fail in ("raise", "hang", "block", "bomb", "abort"))
        )
        assert raised == (1011, "error", ["the agent failed and ended the call"])
        assert hung[:2] == (1000, "job timed out")
        for outcome in (blocked, bombed, aborted):
            assert outcome == (1011, "error", [WORKER_LOST])
        assert await healthy == ["You said: hello.", "You said: still there."]

        assert dep.worker.failed_jobs >= 4
        assert manager.replaced >= 4
        assert await wait_until(lambda: sum(r.is_available for r in manager.resources) >= 6, 30)
        assert len({r.pid for r in manager.resources} - pids) >= 4
        assert await healthy_call(url) == ["You said: hello.", "You said: still there."]
    finally:
        await dep.aclose(grace=1.0)
