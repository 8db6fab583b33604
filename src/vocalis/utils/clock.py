"""The one clock of Vocalis: the running event loop's monotonic time.

All timing code reads ``now()`` and waits with ``asyncio.sleep`` / ``asyncio.timeout``, which
follow the loop's clock. ``VirtualTimeLoop`` is an event loop whose clock jumps straight to the
next timer whenever nothing is ready, so a scripted 30-second call runs in milliseconds and the
same way every time. Threads (``asyncio.to_thread``) still work: the loop waits for them in real
time before it lets virtual time jump.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

R = TypeVar("R")


def now() -> float:
    """Seconds on the running loop's monotonic clock (``time.monotonic`` outside a loop)."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return time.monotonic()


PRECISE_SLACK = 0.0015
"""How early a precise wait stops sleeping and starts yielding (the selector rounds timeouts
up to whole milliseconds, so a plain sleep ends up to 1 ms late)."""


async def sleep_until(deadline: float) -> None:
    """Wait until the loop clock reads ``deadline``, to within a few microseconds.

    Used where a timer is the latency (committing a user turn): it sleeps until just before the
    deadline, then yields to the loop until it is reached, costing at most ~1.5 ms of polling.
    """
    loop = asyncio.get_running_loop()
    remaining = deadline - loop.time()
    if isinstance(loop, VirtualTimeLoop):
        if remaining > 0:
            await asyncio.sleep(remaining)
        return
    if remaining > PRECISE_SLACK:
        await asyncio.sleep(remaining - PRECISE_SLACK)
    while loop.time() < deadline:
        await asyncio.sleep(0)


class VirtualClockDeadlock(RuntimeError):
    """A virtual-time loop found no timer, no thread and no I/O to wait for: a hang."""


class _VirtualSelector(selectors.DefaultSelector):
    """A selector that never sleeps for timers: it advances the loop's virtual clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None):  # type: ignore[override]
        loop = self.loop
        assert loop is not None
        if timeout is None and not loop._busy_threads and len(self.get_map()) <= 1:
            raise VirtualClockDeadlock(
                "nothing is scheduled and nothing can wake the loop: every task is waiting "
                "for something that will never happen"
            )
        if timeout is None or timeout <= 0 or loop._busy_threads:
            # Block for real I/O when waiting on threads or on nothing but I/O; otherwise poll.
            real_timeout = timeout
            if loop._busy_threads and timeout is not None:
                real_timeout = min(timeout, 0.05) if timeout > 0 else 0
                events = super().select(real_timeout)
                if not events and timeout > 0 and not loop._busy_threads:
                    loop._advance(timeout)
                return events
            return super().select(real_timeout)
        events = super().select(0)
        if not events:
            loop._advance(timeout)
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time: sleeping costs no real time, order is deterministic."""

    def __init__(self, start: float = 0.0) -> None:
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self._virtual_now = start
        self._busy_threads = 0

    def time(self) -> float:
        return self._virtual_now

    def _advance(self, seconds: float) -> None:
        self._virtual_now += seconds

    def run_in_executor(self, executor, func, *args):  # type: ignore[override]
        self._busy_threads += 1
        fut = super().run_in_executor(executor, func, *args)

        def _done(_: Any) -> None:
            self._busy_threads -= 1

        fut.add_done_callback(_done)
        return fut


def run_virtual(main: Coroutine[Any, Any, R], *, start: float = 0.0) -> R:
    """Run ``main`` to completion on a fresh ``VirtualTimeLoop``."""
    loop = VirtualTimeLoop(start)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        with contextlib.suppress(Exception):
            _cancel_all(loop)
        asyncio.set_event_loop(None)
        loop.close()


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in tasks:
        t.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
