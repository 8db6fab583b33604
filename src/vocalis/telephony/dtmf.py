"""``DTMFHandler``: call a function for each keypad digit the caller presses.

Compatible with the reference (``DTMFHandler(callback)``, ``start()``, ``set_callback``); the
digits come from the transport (Twilio ``dtmf`` messages, WebSocket ``{"type": "dtmf"}``)
instead of the VideoSDK PubSub topic. Pass it as ``AgentSession(dtmf_handler=...)`` and it is
attached when the session joins its connection; or create it inside an entrypoint and call
``start()``. Every digit is also a ``dtmf`` event ({"digit"}) on the session.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

from ..utils.current_job import current_job

logger = logging.getLogger("vocalis.telephony")

DigitCallback = Callable[[str], Any]


class DTMFHandler:
    """Runs ``callback(digit)`` (sync or async) for every digit of the job's connection."""

    def __init__(self, callback: DigitCallback | None = None) -> None:
        self._callback = callback
        self._ctx = current_job()
        self._room: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def set_callback(self, callback: DigitCallback | None) -> None:
        self._callback = callback

    async def start(self) -> None:
        """Listen to the current job's connection (idempotent; needs a connected job)."""
        room = getattr(self._ctx, "room", None)
        if room is None:
            logger.warning("DTMFHandler.start(): no job connection yet; digits will be missed")
            return
        self.attach_room(room)

    def attach_room(self, room: Any) -> None:
        """Receive the digits of ``room`` (a ``RoomConnection``); idempotent."""
        if self._room is room:
            return
        if self._room is not None:
            self._room.off("dtmf", self._on_dtmf)
        self._room = room
        room.on("dtmf", self._on_dtmf)

    def _on_dtmf(self, payload: dict[str, Any]) -> None:
        digit = str(payload.get("digit", ""))
        if digit and self._callback is not None:
            try:
                result = self._callback(digit)
            except Exception:
                logger.exception("DTMF callback failed")
                return
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(self._run(result))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(result: Any) -> None:
        try:
            await result
        except Exception:
            logger.exception("DTMF callback failed")

    def stop(self) -> None:
        """Stop listening and cancel running callbacks."""
        if self._room is not None:
            self._room.off("dtmf", self._on_dtmf)
            self._room = None
        for task in list(self._tasks):
            task.cancel()
