"""``ConsoleTextRoom``: chat with the agent by typing; no audio device needed.

Each line read is a user turn (``session.send_text``); the agent's replies and the user's
transcripts are printed. The agent's audio is drained as fast as it comes (not played), so
turns take no real time. ``/quit`` or end of input ends the session after the last reply.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any, TextIO

from ...audio import TrackEndedError
from ..base import RoomConnection
from .printer import TranscriptPrinter

QUIT_COMMANDS = frozenset({"/quit", "/exit"})


async def stdin_lines(stream: TextIO | None = None) -> AsyncIterator[str]:
    """Lines of ``stream`` (default stdin) read by a daemon thread, so a blocked read never
    keeps the process alive."""
    source = stream if stream is not None else sys.stdin
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in iter(source.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="vocalis-console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


class ConsoleTextRoom(RoomConnection):
    """A text console: ``lines`` in (default stdin), transcript lines out (default stdout)."""

    transport = "console"

    def __init__(
        self,
        *,
        lines: AsyncIterator[str] | None = None,
        out: TextIO | None = None,
        show_states: bool = False,
    ) -> None:
        super().__init__()
        self._lines = lines
        self.printer = TranscriptPrinter(out, show_states=show_states)

    async def connect(self) -> None:
        self._mark_joined("console")

    def _on_session_attached(self, session: Any) -> None:
        self._spawn(self._drain(session), name="vocalis.console.drain")
        self._spawn(self._read(session), name="vocalis.console.input")

    def _on_session_event(self, name: str, payload: Any) -> None:
        self.printer.on_event(name, payload, echo_user=False)

    async def _read(self, session: Any) -> None:
        lines = self._lines if self._lines is not None else stdin_lines()
        async for raw in lines:
            line = raw.strip()
            if not line:
                continue
            if line in QUIT_COMMANDS:
                break
            await self._turn(session, line)
        await self._settle(session)
        self._spawn(self.aclose("eof"))

    async def _turn(self, session: Any, text: str) -> None:
        await self._settle(session)
        handle = await session.send_text(text)
        if handle is not None:
            await handle
        await self._settle(session)

    @staticmethod
    async def _settle(session: Any) -> None:
        """Wait for the reply in progress (a greeting, an answer) to finish."""
        await session.pipeline.wait_until_quiet()

    async def _drain(self, session: Any) -> None:
        """Consume the agent's audio without playing it (playback ends when audio runs out)."""
        track = self.output_track_of(session)
        if track is None:
            return
        try:
            while True:
                frame = await track.recv(paced=False)
                if not frame.is_speech:
                    await asyncio.sleep(0.02)
        except TrackEndedError:
            return
