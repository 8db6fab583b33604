"""``OutboundQueue``: what a WebSocket connection has yet to send, bounded for audio.

Messages leave in order. Audio is paced by the output track, so it piles up only when the
client stops reading (or reads slower than real time); beyond ``max_audio`` pending audio
messages the oldest are dropped and counted, so a stalled client costs bounded memory while
control messages (transcripts, marks, clears) are always kept.
"""

from __future__ import annotations

import asyncio
from collections import deque

MAX_PENDING_AUDIO = 250
"""Audio messages (20 ms each: five seconds) a client may fall behind before drops start."""

Message = bytes | str


class OutboundQueue:
    """Pending messages of one connection (see the module docstring)."""

    def __init__(self, max_audio: int = MAX_PENDING_AUDIO) -> None:
        self.max_audio = max_audio
        self.dropped_audio = 0
        self._items: deque[tuple[Message, bool]] = deque()
        self._audio = 0
        self.ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def pending_audio(self) -> int:
        return self._audio

    def put(self, message: Message, *, audio: bool = False) -> None:
        self._items.append((message, audio))
        if audio:
            self._audio += 1
            if self._audio > self.max_audio:
                self._drop_oldest_audio()
        self.ready.set()

    def get(self) -> Message | None:
        """The next message, or None when the queue is empty."""
        if not self._items:
            return None
        message, audio = self._items.popleft()
        if audio:
            self._audio -= 1
        return message

    def drop_audio(self) -> int:
        """Forget every pending audio message (after an interruption); returns how many."""
        dropped = self._audio
        self._items = deque(item for item in self._items if not item[1])
        self._audio = 0
        return dropped

    def _drop_oldest_audio(self) -> None:
        for index, (_, audio) in enumerate(self._items):
            if audio:
                del self._items[index]
                self._audio -= 1
                self.dropped_audio += 1
                return
