"""``UtteranceHandle``: one agent utterance, awaitable until played out or interrupted."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Generator
from typing import Any


def new_utterance_id() -> str:
    """A fresh ``utt_xxxxxxxx`` id."""
    return f"utt_{uuid.uuid4().hex[:8]}"


class UtteranceHandle:
    """Tracks one agent utterance. ``await handle`` waits until it is played out or interrupted.

    Futures are created lazily, so a handle can be built outside a running loop.
    """

    def __init__(self, utterance_id: str, interruptible: bool = True) -> None:
        self._id = utterance_id
        self._interruptible = interruptible
        self._done = False
        self._interrupted = False
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def id(self) -> str:
        return self._id

    @property
    def is_interruptible(self) -> bool:
        return self._interruptible

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    def done(self) -> bool:
        """True once the utterance was played out or interrupted."""
        return self._done

    def interrupt(self, *, force: bool = False) -> None:
        """Mark the utterance interrupted; a non-interruptible one refuses unless forced."""
        if not force and not self._interruptible:
            raise RuntimeError("This utterance does not allow interruptions.")
        self._interrupted = True
        self._mark_done()

    def _mark_interrupted(self) -> None:
        """Flag the utterance as interrupted; it is marked done once its text is recorded."""
        self._interrupted = True

    def _mark_done(self) -> None:
        if self._done:
            return
        self._done = True
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    async def wait(self) -> None:
        """Wait until the utterance is done."""
        if self._done:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        await fut

    def __await__(self) -> Generator[Any, None, None]:
        return self.wait().__await__()

    def __repr__(self) -> str:
        state = "interrupted" if self._interrupted else ("done" if self._done else "active")
        return f"UtteranceHandle({self._id!r}, {state})"
