"""Sending the microphone on the clock: one 20 ms frame every 20 ms, catching up after a stall."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ..microphone import FRAME_SECONDS, Microphone


async def pace(mic: Microphone, send: Callable[[bytes], Awaitable[None]]) -> None:
    """Send ``mic``'s frames in real time until cancelled."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    index = 0
    while True:
        delay = start + index * FRAME_SECONDS - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(mic.next_frame())
        index += 1
