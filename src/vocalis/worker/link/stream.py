"""``LinkStream``: one call's media link, framed (see ``codec``), bounded, and watched.

Writes never block the caller: audio is dropped (and counted) while more than
``max_buffered_bytes`` wait in the socket buffer, so a stalled peer costs bounded memory and
never stalls the transport or the session; control messages always go (a peer that leaves
more than ``HARD_LIMIT_BYTES`` unread is cut off). Each side sends a ``ping`` after
``PING_SECONDS`` without traffic, and ``keepalive()`` ends a link that heard nothing for
``timeout`` seconds: a peer that vanished without closing (a machine that died, a process
whose loop is blocked) is noticed within that time.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from ...utils.clock import now
from .codec import (
    HEADER,
    MAX_FRAME_BYTES,
    SILENCE,
    SPEECH,
    Frame,
    LinkProtocolError,
    decode,
    encode_audio_in,
    encode_audio_out,
    encode_control,
)

PING_SECONDS = 1.0
DEFAULT_TIMEOUT = 5.0
"""Seconds of silence from the peer after which a link is considered dead."""

MAX_BUFFERED_BYTES = 64 * 1024
"""Unsent bytes above which new audio is dropped (about 1 s of 24 kHz audio)."""

HARD_LIMIT_BYTES = 4 * 1024 * 1024
"""Unsent bytes above which the peer is considered stuck and the link is closed."""

CLOSE_SECONDS = 2.0


class LinkClosed(ConnectionError):
    """The link ended (peer closed, died, timed out, or sent garbage)."""


def parse_address(address: str) -> tuple[str, Any]:
    """``"unix:/path"`` → ``("unix", "/path")``; ``"tcp:host:port"`` → ``("tcp", (host, port))``."""
    scheme, _, rest = address.partition(":")
    if scheme == "unix" and rest:
        return "unix", rest
    if scheme == "tcp":
        host, _, port = rest.rpartition(":")
        if host and port.isdigit():
            return "tcp", (host.strip("[]"), int(port))
    raise ValueError(f"bad link address {address!r}: use unix:/path or tcp:host:port")


class LinkStream:
    """A framed, bounded, watched connection (see the module docstring)."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
        timeout: float = DEFAULT_TIMEOUT, max_buffered_bytes: int = MAX_BUFFERED_BYTES,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.timeout = timeout
        self.max_buffered_bytes = max_buffered_bytes
        self.last_received = now()
        self.last_sent = now()
        self.dropped_audio = 0
        self.frames_in = 0
        self.frames_out = 0
        self._closed = False

    @classmethod
    async def dial(cls, address: str, *, timeout: float = DEFAULT_TIMEOUT) -> LinkStream:
        """Connect to a front's link listener at ``address``."""
        scheme, target = parse_address(address)
        if scheme == "unix":
            opening = asyncio.open_unix_connection(target)
        else:
            opening = asyncio.open_connection(*target)
        reader, writer = await asyncio.wait_for(opening, timeout)
        return cls(reader, writer, timeout=timeout)

    @property
    def closed(self) -> bool:
        return self._closed or self._writer.is_closing()

    def buffered(self) -> int:
        transport = self._writer.transport
        return transport.get_write_buffer_size() if transport is not None else 0

    # ---- sending -----------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self.closed:
            raise LinkClosed("the link is closed")
        self._writer.write(data)
        self.last_sent = now()
        self.frames_out += 1

    def send_control(self, message: dict[str, Any]) -> None:
        """Send a control message (never dropped)."""
        if self.buffered() > HARD_LIMIT_BYTES:
            self.close()
            raise LinkClosed("the peer stopped reading")
        self._write(encode_control(message))

    def send_audio_in(self, pcm: bytes, rate: int, arrived_at: float) -> bool:
        """Send user audio; False when it was dropped (the peer is behind)."""
        if self.buffered() > self.max_buffered_bytes:
            self.dropped_audio += 1
            return False
        self._write(encode_audio_in(pcm, rate, arrived_at, now()))
        return True

    def send_audio_out(self, pcm: bytes, rate: int, samples: int, *, speech: bool,
                       silence: bool) -> bool:
        """Send agent audio; False when it was dropped (the peer is behind)."""
        if self.buffered() > self.max_buffered_bytes:
            self.dropped_audio += 1
            return False
        flags = (SPEECH if speech else 0) | (SILENCE if silence else 0)
        self._write(encode_audio_out(pcm, rate, samples, flags, now()))
        return True

    # ---- receiving ---------------------------------------------------------------------------

    async def receive(self) -> Frame:
        """The next frame; ``LinkClosed`` at the end (pings are skipped)."""
        while True:
            try:
                header = await self._reader.readexactly(HEADER.size)
                length, kind = HEADER.unpack(header)
                if length > MAX_FRAME_BYTES:
                    raise LinkProtocolError(f"frame of {length} bytes exceeds {MAX_FRAME_BYTES}")
                payload = await self._reader.readexactly(length)
                frame = decode(kind, payload)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                self.close()
                raise LinkClosed("the peer closed the link") from exc
            except LinkProtocolError as exc:
                self.close()
                raise LinkClosed(f"protocol error: {exc}") from exc
            self.last_received = now()
            self.frames_in += 1
            if isinstance(frame, dict) and frame.get("type") == "ping":
                continue
            return frame

    # ---- liveness and closing ----------------------------------------------------------------

    async def keepalive(self) -> None:
        """Ping when idle; close the link when the peer has been silent for ``timeout``."""
        while not self.closed:
            await asyncio.sleep(PING_SECONDS / 2)
            t = now()
            if t - self.last_received > self.timeout:
                self.close()
                return
            if t - self.last_sent >= PING_SECONDS:
                with contextlib.suppress(LinkClosed):
                    self.send_control({"type": "ping"})

    async def aclose(self) -> None:
        """Flush what is queued (briefly) and close."""
        if self._closed:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer.drain(), CLOSE_SECONDS)
        self.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer.wait_closed(), CLOSE_SECONDS)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        self._reader.feed_eof()
