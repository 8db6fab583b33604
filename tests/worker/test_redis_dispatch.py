"""Many machines on one Redis (here: processes on this one). Two workers register and share
the calls of a front; ``kill -9`` of a worker mid-call ends exactly its calls, cleanly and with
the caller told, while the other worker's calls go on and new calls land there; the dead
worker leaves the registry within two heartbeats and leaves no process behind; a front that
restarts finds every worker registration in place, and a worker whose front died ends those
calls too."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import psutil
import pytest
import redis.asyncio as aioredis
from tests.transports.ws_client import connect, speak, wait_for
from tests.worker.helpers import StartedProcess, get_json, wait_until

pytestmark = pytest.mark.slow

AGENT = "echo"
PING = 0.5
WORKER = ["--role", "worker", "--agent-id", AGENT, "--processes", "1", "--idle", "1",
          "--jobs-per-process", "4", "--load-threshold", "1", "--ping-interval", str(PING)]
FRONT = ["--role", "front", "--agent-id", AGENT]
LONG_CALL = "hello@0.2|are you there@4.0"
WORKER_LOST = "the agent's worker stopped unexpectedly; the call has ended"


async def worker_stats(worker: StartedProcess) -> dict:
    _, stats = await get_json(worker.health_url("/stats"))
    return stats["worker"]


@contextlib.asynccontextmanager
async def call(front: StartedProcess, script: str = LONG_CALL, seconds: float = 6.0):
    query = "say=" + script.replace(" ", "%20")
    async with connect(front.ws_url(query)) as (ws, got):
        assert await wait_for(lambda: got.of_type("ready"), 10)
        talking = asyncio.ensure_future(speak(ws, script, seconds))
        try:
            yield got
        finally:
            talking.cancel()


async def test_two_workers_share_calls_and_survive_each_others_death(redis_url: str) -> None:
    env = {"REDIS_URL": redis_url}
    workers = [StartedProcess(WORKER, env=env) for _ in range(2)]
    front = StartedProcess(FRONT, env=env)
    registry = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await asyncio.gather(*(p.ready() for p in [*workers, front]))
        ids = [(await worker_stats(w))["worker_id"] for w in workers]
        assert sorted(await registry.smembers(f"vocalis:{AGENT}:workers")) == sorted(ids)

        async with contextlib.AsyncExitStack() as stack:
            calls = [await stack.enter_async_context(call(front)) for _ in range(4)]
            loads = [(await worker_stats(w))["current_jobs"] for w in workers]
            assert sorted(loads) == [2, 2], loads
            victim, survivor = workers
            on_victim = {job["room_id"] for job in (await worker_stats(victim))["jobs"]}
            children = [info["metadata"]["pid"]
                        for info in (await worker_stats(victim))["resource_info"]]

            victim.signal(signal.SIGKILL)
            lost = [c for c in calls if c.of_type("ready")[0]["room_id"] in on_victim]
            kept = [c for c in calls if c not in lost]
            assert len(lost) == 2 and len(kept) == 2
            assert await wait_until(lambda: all(c.closed.is_set() for c in lost), 5)
            for got in lost:
                assert got.close_code == 1011
                assert [m["message"] for m in got.of_type("error")] == [WORKER_LOST]
            assert await wait_until(lambda: all(not psutil.pid_exists(p) or psutil.Process(
                p).status() == psutil.STATUS_ZOMBIE for p in children), 10)
            key = f"vocalis:{AGENT}:worker:{ids[0]}"
            assert await wait_until(lambda: _missing(registry, key), 2 * PING + 0.5)

            async with call(front, "hello again", 2.0) as fresh:
                assert await wait_for(lambda: fresh.transcripts("agent"), 10)
                assert fresh.transcripts("agent") == ["You said: hello again."]
            for got in kept:
                assert await wait_for(lambda g=got: len(g.transcripts("agent")) == 2, 10)
                assert got.transcripts("agent")[1] == "You said: are you there."
                assert not got.closed.is_set()
            assert (await worker_stats(survivor))["completed_jobs"] >= 1

            front.signal(signal.SIGKILL)
            assert await wait_until(lambda: all(c.closed.is_set() for c in kept), 10)
        assert await wait_until(
            lambda: _current_jobs(survivor, 0), 10), "the worker kept calls of a dead front"

        front = StartedProcess(FRONT, env=env)
        await front.ready()
        _, stats = await get_json(front.health_url("/stats"))
        assert list(stats["front"]["dispatcher"]["workers"]) == [ids[1]]
        async with call(front, "after the restart", 2.5) as got:
            assert await wait_for(lambda: got.transcripts("agent"), 10)
            assert got.transcripts("agent") == ["You said: after the restart."]
    finally:
        for process in [*workers, front]:
            process.kill()
        await registry.aclose()


async def _missing(registry: aioredis.Redis, key: str) -> bool:
    return not await registry.exists(key)


async def _current_jobs(worker: StartedProcess, count: int) -> bool:
    return (await worker_stats(worker))["current_jobs"] == count
