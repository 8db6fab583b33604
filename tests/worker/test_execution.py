"""The pool: tasks run in prewarmed processes; a task that raises, hangs past its timeout,
blocks its process's event loop, eats memory past the limit or crashes the process ends alone
with a clear error, and the pool replaces the process."""

from __future__ import annotations

import asyncio
import os

import pytest
from tests.worker import tasks
from tests.worker.helpers import wait_until

from vocalis.worker import (
    ResourceConfig,
    ResourceType,
    TaskExecutor,
    TaskStatus,
    TaskType,
)

pytestmark = pytest.mark.slow


def pool(**overrides) -> TaskExecutor:
    config = dict(num_idle_resources=2, max_resources=6, health_check_interval=1.0,
                  memory_limit_mb=400, use_dedicated_inference_process=False,
                  initialize_process_fnc=tasks.prewarm, log_level="ERROR")
    config.update(overrides)
    return TaskExecutor(ResourceConfig(**config))


async def run(executor: TaskExecutor, fn, *args, timeout: float = 20.0):
    return await executor.execute(fn, TaskType.JOB, timeout, 0, 0, *args)


async def test_each_misbehaving_task_ends_alone_and_its_process_is_replaced(caplog) -> None:
    executor = pool(memory_warn_mb=200)
    await executor.start()
    try:
        manager = executor.resource_manager
        first_pids = {r.pid for r in manager.resources}
        assert len(first_pids) == 2 and os.getpid() not in first_pids

        pid, warm = (await run(executor, tasks.pid_and_userdata)).result
        assert warm == f"warmed in {pid}"

        steady = asyncio.ensure_future(run(executor, tasks.steady, 4.0))
        results = await asyncio.gather(
            run(executor, tasks.raises),
            run(executor, tasks.hangs, timeout=1.0),
            run(executor, tasks.blocks_the_loop),
            run(executor, tasks.eats_memory),
            run(executor, tasks.aborts),
        )
        errors = [r.error or "" for r in results]
        assert all(r.status is TaskStatus.FAILED for r in results), errors
        raised, hung, blocked, bombed, aborted = errors
        assert raised == "ValueError: the task broke"
        assert hung == "timed out after 1 s"
        assert "unresponsive" in blocked and "event loop blocked" in blocked
        assert "memory limit exceeded" in bombed
        assert aborted == "worker process crashed (SIGABRT)"
        assert "(memory_warn_mb=200)" in caplog.text

        healthy = await steady
        assert healthy.status is TaskStatus.COMPLETED and healthy.result == "still here"
        assert manager.replaced >= 5
        assert await wait_until(lambda: len(manager.resources) >= 2, 20)
        assert (await run(executor, tasks.double, 21)).result == 42
        assert {r.pid for r in manager.resources} - first_pids
    finally:
        await executor.stop(0)


async def test_many_tasks_per_process_and_the_least_loaded_process_first() -> None:
    executor = pool(num_idle_resources=2, max_resources=2, max_concurrent_tasks=3,
                    memory_limit_mb=0)
    await executor.start()
    try:
        results = await asyncio.gather(*(run(executor, tasks.pid_and_userdata)
                                         for _ in range(6)))
        pids = [r.result[0] for r in results]
        assert sorted(pids.count(p) for p in set(pids)) == [3, 3]
        assert executor.get_stats()["executor_stats"]["completed_tasks"] == 6
    finally:
        await executor.stop(0)


async def test_threads_run_tasks_and_abandon_a_hung_one() -> None:
    executor = pool(resource_type=ResourceType.THREAD, num_idle_resources=1, max_resources=2,
                    memory_limit_mb=0)
    await executor.start()
    try:
        assert (await run(executor, tasks.double, 4)).result == 8
        assert (await run(executor, tasks.sync_square, 5)).result == 25
        assert (await run(executor, tasks.pid_and_userdata)).result[0] == os.getpid()
        hung = await run(executor, tasks.hangs, timeout=0.5)
        assert hung.status is TaskStatus.FAILED and hung.error == "timed out after 0.5 s"
        raised = await run(executor, tasks.raises)
        assert raised.error == "ValueError: the task broke"
    finally:
        await executor.stop(0)


async def test_inference_tasks_share_one_dedicated_process_that_keeps_its_models() -> None:
    executor = pool(num_idle_resources=1, max_resources=1, memory_limit_mb=0,
                    use_dedicated_inference_process=True)
    await executor.start()
    try:
        first = await executor.execute(tasks.count_loads, TaskType.INFERENCE, 10, 0, 0)
        second = await executor.execute(tasks.count_loads, TaskType.INFERENCE, 10, 0, 0)
        job = await run(executor, tasks.count_loads)
        inference = executor.resource_manager.dedicated_inference_resource
        assert inference is not None and inference.resource_id == "dedicated-inference"
        assert first.result == (inference.pid, 1) and second.result == (inference.pid, 2)
        assert job.result[0] != inference.pid
    finally:
        await executor.stop(0)


async def test_a_burst_starts_resources_up_to_the_maximum_then_refuses() -> None:
    executor = pool(resource_type=ResourceType.THREAD, num_idle_resources=0, max_resources=3,
                    memory_limit_mb=0)
    await executor.start()
    try:
        assert executor.resource_manager.resources == []
        results = await asyncio.gather(*(run(executor, tasks.steady, 0.2) for _ in range(5)))
        done = [r for r in results if r.status is TaskStatus.COMPLETED]
        refused = [r for r in results if r.status is TaskStatus.FAILED]
        assert len(done) == 3 and len(executor.resource_manager.resources) == 3
        assert [r.error for r in refused] == ["No available resources for task execution"] * 2
    finally:
        await executor.stop(0)
