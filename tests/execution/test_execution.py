"""The execution pool: threads and processes run sync and async tasks, retry, time out."""

import asyncio

import pytest

from vocalis import ResourceConfig, ResourceType, TaskExecutor, TaskStatus, TaskType
from vocalis.execution import ProcessResource, TaskConfig, ThreadResource


def square(x):
    return x * x


async def slow_square(x):
    await asyncio.sleep(0.01)
    return x * x


def fail():
    raise ValueError("nope")


def hang():
    import time

    time.sleep(5)


async def test_a_thread_pool_runs_tasks_and_retries_failures():
    executor = TaskExecutor(ResourceConfig(resource_type=ResourceType.THREAD, num_idle_resources=1,
                                           max_resources=2, use_dedicated_inference_process=False))
    await executor.start()
    try:
        done = await executor.execute(square, TaskType.JOB, 5.0, 0, 0, 7)
        awaited = await executor.execute(slow_square, TaskType.JOB, 5.0, 0, 0, 5)
        failed = await executor.execute(fail, TaskType.JOB, 5.0, 1, 0)
    finally:
        await executor.stop()
    assert (done.status, done.result, awaited.result) == (TaskStatus.COMPLETED, 49, 25)
    assert failed.status is TaskStatus.FAILED
    assert failed.error == "All 2 attempts failed. Last error: ValueError: nope"
    stats = executor.get_stats()["executor_stats"]
    assert (stats["completed_tasks"], stats["failed_tasks"]) == (2, 1)


async def test_a_thread_task_that_times_out_fails_without_blocking_the_pool():
    resource = ThreadResource("thread-test", {"initialize_timeout": 5.0})
    await resource.initialize()
    result = await resource.execute_task("t1", TaskConfig(TaskType.JOB, timeout=0.2), asyncio.sleep, (3,))
    await resource.shutdown()
    assert result.status is TaskStatus.FAILED and "timed out" in result.error


@pytest.mark.slow
async def test_a_process_runs_tasks_reports_errors_and_is_replaced_after_a_timeout():
    resource = ProcessResource("process-test", {"initialize_timeout": 30.0, "close_timeout": 5.0})
    await resource.initialize()
    try:
        ok = await resource.execute_task("a", TaskConfig(TaskType.JOB, timeout=10), slow_square, (6,))
        bad = await resource.execute_task("b", TaskConfig(TaskType.JOB, timeout=10), fail)
        assert await resource.health_check()
        stuck = await resource.execute_task("c", TaskConfig(TaskType.JOB, timeout=0.5), hang)
        healthy_after = await resource.health_check()
    finally:
        await resource.shutdown()
    assert ok.result == 36 and bad.error == "ValueError: nope"
    assert stuck.status is TaskStatus.FAILED and healthy_after is False
