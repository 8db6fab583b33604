"""Real-time pacing of outgoing frames on the loop clock, with an early wake-up for speech.

``FramePacer`` decides when the next frame may leave: one frame duration after the last one,
except that a wait for an idle tick can be cut short (``wake``) so the first frame of an
utterance leaves the moment it exists. It counts frames handed out late (underruns).
"""

from __future__ import annotations

import asyncio

from ..utils.clock import now


def _resolve(waiter: asyncio.Future[bool], woken: bool) -> None:
    if not waiter.done():
        waiter.set_result(woken)


class FramePacer:
    """Schedules frames ``frame_duration`` apart on ``vocalis.utils.clock.now``.

    A frame is late when it leaves more than ``late_tolerance`` seconds after its due time.
    When the reader falls more than ``max_lag`` behind (a stalled loop), the schedule restarts
    from the present instead of bursting out the backlog.
    """

    def __init__(
        self, frame_duration: float, late_tolerance: float = 0.01, max_lag: float = 0.1
    ) -> None:
        self.frame_duration = frame_duration
        self.late_tolerance = late_tolerance
        self.max_lag = max_lag
        self.late_frames = 0
        self.frames = 0
        self._next_due: float | None = None
        self._waiter: asyncio.Future[bool] | None = None
        self._wakeable = False

    @property
    def next_due(self) -> float | None:
        """Loop time at which the next frame is due (None before the first frame)."""
        return self._next_due

    def wake(self, force: bool = False) -> None:
        """End a wakeable wait now (``force`` ends any wait, for shutdown)."""
        waiter = self._waiter
        if waiter is not None and (self._wakeable or force):
            _resolve(waiter, True)

    def reset(self) -> None:
        """Forget the schedule: the next frame leaves at once."""
        self._next_due = None

    async def next_slot(self, *, idle: bool, start_now: bool) -> float:
        """Wait for the next frame's turn and return the loop time it leaves at.

        ``idle``: nothing to play yet, so ``wake`` may end the wait early. ``start_now``: a
        first speech frame is ready after silence; it leaves at once. Both restart the schedule
        from the moment the frame leaves.
        """
        t = now()
        due = self._next_due
        if due is None:
            return self._rebase(t)
        if due > t:
            if start_now:
                return self._rebase(t)
            woken = await self._sleep_until(due, wakeable=idle)
            t = now()
            if woken:
                return self._rebase(t)
        lateness = t - due
        if lateness > self.late_tolerance:
            self.late_frames += 1
        if lateness > self.max_lag:
            return self._rebase(t)
        self._next_due = due + self.frame_duration
        self.frames += 1
        return t

    def _rebase(self, t: float) -> float:
        self._next_due = t + self.frame_duration
        self.frames += 1
        return t

    async def _sleep_until(self, due: float, wakeable: bool) -> bool:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        timer = loop.call_at(due, _resolve, waiter, False)
        self._waiter = waiter
        self._wakeable = wakeable
        try:
            return await waiter
        finally:
            timer.cancel()
            self._waiter = None
            self._wakeable = False
