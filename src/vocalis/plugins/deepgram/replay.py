"""The audio a streaming STT has sent but the server has not yet acknowledged.

Deepgram acknowledges audio by finalizing it: a final result ending at ``t`` seconds (on the
connection's own timeline) means every byte before ``t`` is transcribed for good. Everything
after it is kept here, so that after a dropped connection the client replays it on the new one
and the user's words are not lost. The buffer also maps connection timelines back to one
continuous stream timeline, because Deepgram restarts its clock at 0 on every connection.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("vocalis.plugins.deepgram")

_SAMPLE_WIDTH = 2  # 16-bit mono PCM


class AudioReplayBuffer:
    """Unacknowledged 16-bit mono PCM with stream positions (bytes since the stream began).

    ``start`` is the stream position of the oldest unacknowledged byte, ``sent`` how far the
    current connection has been sent, ``connection_start`` where the current connection's
    audio began (its time 0). At most ``max_seconds`` of audio are kept; older audio is dropped
    with a warning (only reachable when the server stops acknowledging for that long).
    """

    def __init__(self, sample_rate: int, max_seconds: float = 30.0) -> None:
        self.bytes_per_second = sample_rate * _SAMPLE_WIDTH
        self._max_bytes = max(_SAMPLE_WIDTH, int(max_seconds * self.bytes_per_second))
        self._buffer = bytearray()
        self.start = 0
        self.sent = 0
        self.connection_start = 0

    @property
    def end(self) -> int:
        """Stream position just after the newest byte."""
        return self.start + len(self._buffer)

    @property
    def unacknowledged(self) -> int:
        """Bytes kept for a possible replay."""
        return len(self._buffer)

    def append(self, pcm: bytes) -> None:
        """Add newly captured audio; it is sent by the next ``take_unsent``."""
        self._buffer += pcm
        excess = len(self._buffer) - self._max_bytes
        if excess > 0:
            excess += excess % _SAMPLE_WIDTH
            if self.sent < self.start + excess:
                logger.warning("deepgram: dropping %d bytes of unsent audio (buffer full)", excess)
            del self._buffer[:excess]
            self.start += excess
            self.sent = max(self.sent, self.start)

    def restart(self) -> None:
        """A new connection begins: its time 0 is the oldest unacknowledged byte."""
        self.connection_start = self.start
        self.sent = self.start

    def take_unsent(self, chunk_bytes: int | None = None, *, final: bool = False) -> list[bytes]:
        """The audio not yet sent on this connection, marked as sent.

        With ``chunk_bytes`` the audio is cut into exact chunks and a shorter tail is kept back
        for later, unless ``final`` is set.
        """
        offset = self.sent - self.start
        pending = bytes(self._buffer[offset:])
        if chunk_bytes is None:
            chunks = [pending] if pending else []
        else:
            whole = len(pending) - len(pending) % chunk_bytes
            chunks = [pending[i : i + chunk_bytes] for i in range(0, whole, chunk_bytes)]
            if final and whole < len(pending):
                chunks.append(pending[whole:])
        self.sent += sum(len(c) for c in chunks)
        return chunks

    def position_at(self, connection_seconds: float) -> int:
        """The stream position of ``connection_seconds`` on the current connection."""
        samples = round(max(0.0, connection_seconds) * self.bytes_per_second / _SAMPLE_WIDTH)
        return self.connection_start + samples * _SAMPLE_WIDTH

    def stream_time(self, connection_seconds: float) -> float:
        """Seconds since the stream began for a time on the current connection's timeline."""
        return self.connection_start / self.bytes_per_second + connection_seconds

    def acknowledge(self, connection_seconds: float) -> None:
        """The server finalized everything before ``connection_seconds``: forget that audio."""
        position = min(self.position_at(connection_seconds), self.sent)
        if position > self.start:
            del self._buffer[: position - self.start]
            self.start = position
