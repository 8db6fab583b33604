"""InferenceScheduler: urgent work first, fair across streams, stale work superseded or dropped,
bounded queues, batches of equal work, failures reported, load measured. Deterministic: no
worker threads (``run_next`` in the test), a fake clock, a fake model."""

from __future__ import annotations

import asyncio
import threading

import pytest

from vocalis.utils.inference_scheduler import Dropped, InferenceScheduler, live_schedulers

FINAL, PAUSE, INTERIM = 0, 1, 2


@pytest.fixture(autouse=True)
def close_schedulers():
    """Close the schedulers a test made: the process-wide load signal must not see them."""
    before = set(map(id, live_schedulers()))
    yield
    for sched in live_schedulers():
        if id(sched) not in before:
            sched.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeModel:
    """Records each call (batch key and payloads) and answers ``payload.upper()``."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[tuple[object, list[str]]] = []
        self.fail_on = fail_on

    def __call__(self, key: object, payloads: list[str]) -> list[str]:
        self.calls.append((key, list(payloads)))
        if self.fail_on in payloads:
            raise RuntimeError("model failed")
        return [p.upper() for p in payloads]

    @property
    def order(self) -> list[str]:
        return [p for _, batch in self.calls for p in batch]


def scheduler(model: FakeModel, **kwargs: object) -> tuple[InferenceScheduler, FakeClock]:
    clock = FakeClock()
    return InferenceScheduler(model, start=False, clock=clock, **kwargs), clock  # type: ignore[arg-type]


async def run_all(sched: InferenceScheduler) -> None:
    while sched.run_next():
        pass
    await asyncio.sleep(0)  # results are delivered through the loop


async def test_finals_run_before_interims_whatever_the_order_they_came_in():
    model = FakeModel()
    sched, _ = scheduler(model)
    a, b = sched.open_stream("a"), sched.open_stream("b")
    interim = a.submit("a-interim", priority=INTERIM)
    pause = b.submit("b-pause", priority=PAUSE)
    final = b.submit("b-final", priority=FINAL)
    await run_all(sched)
    assert model.order == ["b-final", "b-pause", "a-interim"]
    assert (await final, await pause, await interim) == ("B-FINAL", "B-PAUSE", "A-INTERIM")


async def test_streams_take_turns_so_a_busy_stream_cannot_starve_the_others():
    model = FakeModel()
    sched, _ = scheduler(model)
    busy, quiet, other = sched.open_stream(), sched.open_stream(), sched.open_stream()
    futures = [busy.submit(f"busy-{i}") for i in range(4)]
    futures.append(quiet.submit("quiet-0"))
    futures.append(other.submit("other-0"))
    futures.append(quiet.submit("quiet-1"))
    await run_all(sched)
    # Round robin: each stream once before any goes twice; within a stream, first come first.
    assert model.order == ["busy-0", "quiet-0", "other-0", "busy-1", "quiet-1", "busy-2",
                           "busy-3"]
    assert all(f.done() for f in futures)


async def test_a_newer_interim_supersedes_the_pending_one_of_its_stream_only():
    model = FakeModel()
    sched, _ = scheduler(model)
    a, b = sched.open_stream(), sched.open_stream()
    old = a.submit("a-1", priority=INTERIM, kind="interim", supersedes={"interim"})
    b_old = b.submit("b-1", priority=INTERIM, kind="interim", supersedes={"interim"})
    new = a.submit("a-2", priority=INTERIM, kind="interim", supersedes={"interim"})
    await run_all(sched)
    with pytest.raises(Dropped, match="superseded"):
        await old
    assert await new == "A-2" and await b_old == "B-1"
    assert "a-1" not in model.order
    assert sched.load().dropped == {"superseded": 1}


async def test_a_final_supersedes_pending_speculative_work_but_not_running_work():
    entered, release = threading.Event(), threading.Event()
    seen: list[str] = []

    def model(key: object, payloads: list[str]) -> list[str]:
        seen.extend(payloads)
        entered.set()
        release.wait(5)
        return [p.upper() for p in payloads]

    sched = InferenceScheduler(model)
    try:
        s = sched.open_stream()
        running = s.submit("pause-1", priority=PAUSE, kind="pause")
        await asyncio.to_thread(entered.wait, 5)  # a worker has started it
        waiting = s.submit("interim-2", priority=INTERIM, kind="interim")
        final = s.submit("final", priority=FINAL, kind="final", supersedes={"interim", "pause"})
        with pytest.raises(Dropped, match="superseded"):
            await waiting
        release.set()
        assert await asyncio.wait_for(running, 5) == "PAUSE-1"  # started work is kept
        assert await asyncio.wait_for(final, 5) == "FINAL"
        assert seen == ["pause-1", "final"]
    finally:
        sched.close()


async def test_a_stale_request_is_dropped_instead_of_run():
    model = FakeModel()
    sched, clock = scheduler(model)
    s = sched.open_stream()
    interim = s.submit("old", priority=INTERIM, max_wait=0.5)
    final = s.submit("final")
    clock.now = 0.6
    await run_all(sched)
    with pytest.raises(Dropped, match="stale"):
        await interim
    assert model.order == ["final"]
    assert await final == "FINAL"


async def test_interims_are_refused_at_once_while_the_expected_wait_exceeds_their_budget():
    model = FakeModel()
    sched, clock = scheduler(model)
    a, b = sched.open_stream(), sched.open_stream()
    backlog = a.submit("final-a")
    clock.now = 0.8  # final-a has waited 0.8 s and still waits
    refused = b.submit("interim-b", priority=INTERIM, max_wait=0.5)
    with pytest.raises(Dropped, match="busy"):
        await refused
    accepted = b.submit("final-b")  # finals have no budget: always queued
    await run_all(sched)
    assert (await backlog, await accepted) == ("FINAL-A", "FINAL-B")
    assert sched.load().expected_wait == 0.0  # idle again
    assert b.submit("interim-b2", priority=INTERIM, max_wait=0.5) is not None
    await run_all(sched)
    assert model.order[-1] == "interim-b2"


async def test_each_stream_queue_is_bounded_dropping_its_least_urgent_oldest_request():
    model = FakeModel()
    sched, _ = scheduler(model, max_pending=3)
    s = sched.open_stream()
    i1 = s.submit("i1", priority=INTERIM)
    i2 = s.submit("i2", priority=INTERIM)
    f1 = s.submit("f1", priority=FINAL)
    f2 = s.submit("f2", priority=FINAL)  # over the bound: the oldest interim goes
    with pytest.raises(Dropped, match="queue full"):
        await i1
    assert s.pending() == 3
    f3 = s.submit("f3", priority=FINAL)  # then the other interim
    with pytest.raises(Dropped, match="queue full"):
        await i2
    i3 = s.submit("i3", priority=INTERIM)  # less urgent than everything queued: refused
    with pytest.raises(Dropped, match="queue full"):
        await i3
    await run_all(sched)
    assert [await f for f in (f1, f2, f3)] == ["F1", "F2", "F3"]


async def test_equal_work_from_several_streams_is_batched_up_to_max_batch():
    model = FakeModel()
    sched, _ = scheduler(model, max_batch=2)
    streams = [sched.open_stream() for _ in range(3)]
    f = [s.submit(f"final-{i}", batch_key="final") for i, s in enumerate(streams)]
    other = streams[0].submit("interim-0", priority=INTERIM, batch_key="final")
    odd = streams[1].submit("beam5-1", batch_key="beam5")
    await run_all(sched)
    assert model.calls == [
        ("final", ["final-0", "final-1"]),
        ("final", ["final-2"]),  # beam5 differs in key, the interim in priority
        ("beam5", ["beam5-1"]),
        ("final", ["interim-0"]),
    ]
    assert [await x for x in f] == ["FINAL-0", "FINAL-1", "FINAL-2"]
    assert (await other, await odd) == ("INTERIM-0", "BEAM5-1")


async def test_background_work_leaves_the_last_worker_to_urgent_work():
    order: list[str] = []
    nested: list[int] = []
    later: list[asyncio.Future] = []

    def model(key: object, payloads: list[str]) -> list[str]:
        order.extend(payloads)
        if payloads == ["i1"]:  # while this interim runs on one worker...
            later.append(b.submit("f"))  # ...a final arrives,
            nested.append(sched.run_next())  # the other worker runs it,
            nested.append(sched.run_next())  # but not the second interim
        return [p.upper() for p in payloads]

    sched = InferenceScheduler(model, workers=2, background_priority=INTERIM, reserved=1,
                               start=False, clock=FakeClock())
    a, b = sched.open_stream(), sched.open_stream()
    first = a.submit("i1", priority=INTERIM)
    second = b.submit("i2", priority=INTERIM)
    assert sched.run_next() == 1
    assert order == ["i1", "f"] and nested == [1, 0]
    await run_all(sched)
    assert order == ["i1", "f", "i2"]
    assert (await first, await second, await later[0]) == ("I1", "I2", "F")


async def test_a_failing_batch_fails_its_requests_and_the_scheduler_goes_on():
    model = FakeModel(fail_on="bad")
    sched, _ = scheduler(model)
    s = sched.open_stream()
    bad = s.submit("bad")
    good = s.submit("good")
    await run_all(sched)
    with pytest.raises(RuntimeError, match="model failed"):
        await bad
    assert await good == "GOOD"


async def test_a_cancelled_request_is_skipped_and_a_closed_stream_drops_its_queue():
    model = FakeModel()
    sched, _ = scheduler(model)
    s, t = sched.open_stream(), sched.open_stream()
    cancelled = s.submit("cancelled")
    cancelled.cancel()
    left = t.submit("left")
    t.close()
    with pytest.raises(Dropped, match="stream closed"):
        await left
    with pytest.raises(Dropped, match="stream closed"):
        await t.submit("after close")
    await run_all(sched)
    assert model.order == []


async def test_load_reports_queue_wait_of_urgent_work_and_completions():
    model = FakeModel()
    sched, clock = scheduler(model)
    s = sched.open_stream()
    s.submit("a")
    s.submit("b", priority=INTERIM)
    clock.now = 1.0
    load = sched.load()
    assert (load.pending, load.running, load.streams) == (2, 0, 1)
    assert load.expected_wait == pytest.approx(1.0)
    await run_all(sched)
    load = sched.load()
    assert load.completed == 2 and load.pending == 0
    assert 0 < load.queue_wait <= 1.0  # only the priority-0 request's wait counts


async def test_worker_threads_deliver_results_to_the_submitting_loop():
    release = threading.Event()

    def model(key: object, payloads: list[int]) -> list[int]:
        release.wait(5)
        return [p * 2 for p in payloads]

    sched = InferenceScheduler(model, workers=2)
    try:
        s = sched.open_stream()
        futures = [s.submit(i) for i in range(6)]
        release.set()
        assert await asyncio.wait_for(asyncio.gather(*futures), 5) == [0, 2, 4, 6, 8, 10]
    finally:
        sched.close()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        InferenceScheduler(FakeModel(), workers=0)
    with pytest.raises(ValueError):
        InferenceScheduler(FakeModel(), reserved=-1)
