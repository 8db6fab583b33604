"""Helpers for driving an OutputTrack on virtual time."""

import asyncio

from vocalis.audio import AudioFrame, OutputTrack
from vocalis.utils import now

FRAME = 960  # bytes in a 20 ms frame at 24 kHz mono


async def pull(track: OutputTrack, count: int) -> list[tuple[AudioFrame, float]]:
    """Read ``count`` paced frames, each with the loop time it arrived."""
    frames = []
    for _ in range(count):
        frame = await track.recv()
        frames.append((frame, now()))
    return frames


def start_reader(track: OutputTrack, log: list) -> asyncio.Task:
    """A transport-like reader appending ``(frame, t)`` to ``log`` until cancelled."""

    async def read_forever() -> None:
        while True:
            frame = await track.recv()
            log.append((frame, now()))

    return asyncio.get_running_loop().create_task(read_forever())
