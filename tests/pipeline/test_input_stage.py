"""``InputStage``: each consumer's own resampler, queue and task; bounded; markers in order."""

from __future__ import annotations

import asyncio

import numpy as np

from vocalis.pipeline.understanding.stage import AudioTimeline, InputChunk, InputStage
from vocalis.utils import run_virtual
from vocalis.utils.tasks import TaskGroup


def _tone(rate: int, seconds: float) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (6000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16).tobytes()


def _stage(consume, *, rate=16000, max_seconds=5.0, drops=None, errors=None, tasks=None):
    return InputStage(
        "test", consume, sample_rate=rate, max_seconds=max_seconds,
        on_error=lambda name, exc: (errors if errors is not None else []).append(exc),
        on_drop=lambda name, s: (drops if drops is not None else []).append(s),
        tasks=tasks or TaskGroup(),
    )


def test_each_chunk_is_resampled_for_the_consumer_and_fed_in_order():
    got: list[bytes] = []

    async def consume(pcm: bytes, arrived_at: float) -> None:
        got.append(pcm)

    async def main():
        tasks = TaskGroup()
        stage = _stage(consume, tasks=tasks)
        audio = _tone(48000, 1.0)
        for i in range(0, len(audio), 1920):
            stage.push(InputChunk(audio[i:i + 1920], 48000, i / 96000))
        marker_ran = asyncio.Event()

        async def marker() -> None:
            marker_ran.set()

        stage.push_marker(marker)
        await marker_ran.wait()
        await tasks.aclose()

    run_virtual(main())
    total = sum(len(p) for p in got) // 2
    assert abs(total - 16000) <= 16000 * 0.02  # the marker flushed the resampler's tail


def test_a_stage_that_falls_behind_drops_its_oldest_audio_and_says_so():
    drops: list[float] = []
    release = asyncio.Event()
    fed: list[float] = []

    async def slow(pcm: bytes, arrived_at: float) -> None:
        await release.wait()
        fed.append(arrived_at)

    async def main():
        tasks = TaskGroup()
        stage = _stage(slow, max_seconds=1.0, drops=drops, tasks=tasks)
        for i in range(150):  # 3 s of 20 ms frames while the consumer is stuck
            stage.push(InputChunk(bytes(640), 16000, i * 0.02))
            await asyncio.sleep(0)
        assert stage.queued_seconds <= 1.0 + 1e-9
        release.set()
        while stage.queued_seconds > 0:
            await asyncio.sleep(0.01)
        await tasks.aclose()
        return stage

    stage = run_virtual(main())
    assert abs(sum(drops) - stage.dropped_seconds) < 1e-9 and stage.dropped_seconds >= 1.9
    assert fed[-1] == 149 * 0.02  # the newest audio survived


def test_a_failing_consumer_is_reported_and_the_stage_goes_on():
    errors: list[BaseException] = []
    fed: list[int] = []

    async def flaky(pcm: bytes, arrived_at: float) -> None:
        fed.append(len(pcm))
        if len(fed) == 1:
            raise RuntimeError("decoder hiccup")

    async def main():
        tasks = TaskGroup()
        stage = _stage(flaky, errors=errors, tasks=tasks)
        for _ in range(3):
            stage.push(InputChunk(bytes(640), 16000, 0.0))
        await asyncio.sleep(0.01)
        await tasks.aclose()

    run_virtual(main())
    assert len(fed) == 3 and [str(e) for e in errors] == ["decoder hiccup"]


def test_the_timeline_maps_positions_to_arrival_times():
    timeline = AudioTimeline()
    timeline.add(0.02, 10.02)
    timeline.add(0.02, 10.04)
    timeline.add(0.02, 10.50)  # a late frame (network jitter)
    assert timeline.time_of(0.03) == 10.03
    assert abs(timeline.time_of(0.05) - 10.49) < 1e-9
    assert abs(timeline.time_of(0.01) - 10.01) < 1e-9


def test_the_timeline_still_maps_recent_positions_after_trimming_its_window():
    timeline = AudioTimeline(keep_seconds=1.0)
    for i in range(1, 501):  # 10 s of 20 ms chunks, each arriving 5 ms after its end
        timeline.add(0.02, i * 0.02 + 0.005)
    assert abs(timeline.time_of(9.99) - 9.995) < 1e-9
    assert abs(timeline.time_of(10.5) - 10.505) < 1e-9  # beyond the end: extrapolated
