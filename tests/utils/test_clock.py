import asyncio
import time

from vocalis.utils import TaskGroup, now, run_virtual


def test_virtual_time_runs_long_sleeps_instantly_and_in_order():
    order = []

    async def sleeper(name, delay):
        await asyncio.sleep(delay)
        order.append((name, now()))

    async def main():
        start = now()
        await asyncio.gather(sleeper("b", 20.0), sleeper("a", 5.0), sleeper("c", 30.0))
        return now() - start

    t0 = time.perf_counter()
    elapsed = run_virtual(main())
    assert elapsed == 30.0
    assert order == [("a", 5.0), ("b", 20.0), ("c", 30.0)]
    assert time.perf_counter() - t0 < 5.0  # 30 s of sleeps did not really sleep


def test_virtual_time_waits_for_threads_without_jumping():
    async def main():
        start = now()
        result = await asyncio.to_thread(lambda: time.sleep(0.02) or 42)
        return result, now() - start

    result, elapsed = run_virtual(main())
    assert result == 42
    assert elapsed < 1.0


def test_timeouts_follow_virtual_time():
    async def main():
        try:
            async with asyncio.timeout(2.5):
                await asyncio.sleep(100)
        except TimeoutError:
            return now()

    assert run_virtual(main()) == 2.5


def test_task_group_cancels_owned_tasks():
    async def main():
        group = TaskGroup()
        started = asyncio.Event()

        async def forever():
            started.set()
            await asyncio.sleep(1e9)

        task = group.spawn(forever())
        await started.wait()
        assert len(group) == 1
        await group.aclose()
        return task.cancelled()

    assert run_virtual(main())


def test_a_deadlock_fails_fast_instead_of_hanging():
    import pytest

    from vocalis.utils.clock import VirtualClockDeadlock

    async def main():
        await asyncio.get_running_loop().create_future()

    with pytest.raises(VirtualClockDeadlock):
        run_virtual(main())


def test_sleep_until_reaches_the_deadline_exactly_on_virtual_time_and_closely_in_real_time():
    from vocalis.utils import sleep_until

    async def main():
        deadline = now() + 0.05
        await sleep_until(deadline)
        return now() - deadline

    assert run_virtual(main()) == 0.0
    assert 0.0 <= asyncio.run(main()) < 0.1  # never early; the bound is liveness only
