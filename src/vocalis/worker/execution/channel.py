"""``ControlChannel``: dict messages between a pool and one child process, over a socket pair.

Each message is a 4-byte big-endian length and a pickle. Pickle is safe here: both ends are
the same program, started by each other, over a socket nobody else holds. A message that
cannot be pickled (a task's unpicklable result) is replaced by an error message, never lost.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from typing import Any

_LENGTH = struct.Struct(">I")
MAX_MESSAGE_BYTES = 64 << 20
"""A task's arguments or result above 64 MiB is refused (it does not belong on this channel)."""


class ChannelClosed(ConnectionError):
    """The other end is gone."""


class ControlChannel:
    """One end of the socket pair, as asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, sock: socket.socket) -> ControlChannel:
        reader, writer = await asyncio.open_connection(sock=sock)
        return cls(reader, writer)

    def send(self, message: dict[str, Any]) -> None:
        """Queue ``message`` (never blocks; the pool's messages are small and few)."""
        if self._writer.is_closing():
            raise ChannelClosed("the control channel is closed")
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE_BYTES}")
        self._writer.write(_LENGTH.pack(len(data)) + data)

    async def receive(self) -> dict[str, Any]:
        """The next message; ``ChannelClosed`` when the other end has gone."""
        try:
            header = await self._reader.readexactly(_LENGTH.size)
            (length,) = _LENGTH.unpack(header)
            if length > MAX_MESSAGE_BYTES:
                raise ChannelClosed(f"message of {length} bytes exceeds {MAX_MESSAGE_BYTES}")
            data = await self._reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise ChannelClosed("the other end closed the control channel") from exc
        message = pickle.loads(data)
        if not isinstance(message, dict):
            raise ChannelClosed("malformed control message")
        return message

    async def drain(self) -> None:
        if not self._writer.is_closing():
            try:
                await self._writer.drain()
            except ConnectionError as exc:
                raise ChannelClosed("the control channel is closed") from exc

    def close(self) -> None:
        self._writer.close()
