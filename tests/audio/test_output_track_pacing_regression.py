"""Regression: frames pushed one by one mid-utterance keep their 20 ms pace."""

import asyncio
import itertools

from vocalis.audio import OutputTrack
from vocalis.utils import now, run_virtual

FRAME = b"\x10\x27" * 480  # 20 ms at 24 kHz, loud enough to count as speech


def test_frames_trickling_in_faster_than_real_time_are_still_paced():
    async def scenario():
        track = OutputTrack()
        times: list[float] = []

        async def reader():
            for _ in range(30):
                frame = await track.recv()
                if frame.is_speech:
                    times.append(now())

        task = asyncio.ensure_future(reader())
        await asyncio.sleep(0.05)
        for _ in range(10):
            await track.add_new_bytes(FRAME)
            await asyncio.sleep(0.002)
        await task
        return times

    times = run_virtual(scenario())
    assert len(times) == 10
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert gaps == [0.02] * 9

