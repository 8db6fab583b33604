"""The inactivity timer: after ``wake_up`` seconds with nobody speaking, call ``on_wake_up``."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

from ..utils.tasks import TaskGroup

logger = logging.getLogger("vocalis.session.wake_up")


class WakeUpTimer:
    """A single-shot timer, restarted by every sign of activity."""

    def __init__(
        self,
        seconds: float,
        callback: Callable[[], Any],
        *,
        can_fire: Callable[[], bool],
        tasks: TaskGroup,
    ) -> None:
        self.seconds = seconds
        self.callback = callback
        self._can_fire = can_fire
        self._tasks = tasks
        self._task: asyncio.Task[None] | None = None

    def reset(self) -> None:
        """Activity seen: start counting again."""
        self.cancel()
        self._task = self._tasks.spawn(self._run(), name="vocalis.wake_up")

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def _run(self) -> None:
        await asyncio.sleep(self.seconds)
        if not self._can_fire():
            return
        try:
            result = self.callback()
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("on_wake_up callback failed")
