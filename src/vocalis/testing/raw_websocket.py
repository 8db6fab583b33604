"""A raw WebSocket client for hostile-client tests: any bytes in a frame, TCP resets.

aiohttp's client refuses to send broken frames and always closes politely; a server has to
survive clients that do neither. Used by the transport tests, ``tools/connection_leak.py``
and ``benchmarks/soak.py``::

    reader, writer = await open_websocket(port, "/ws")
    send_frame(writer, TEXT, b'{"type": "text", "text": "\\xff"}')  # not UTF-8
    code, reason = await read_close(reader)
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct

TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8


async def open_websocket(
    port: int, path: str, host: str = "127.0.0.1"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket to ``host:port`` + ``path`` after a hand-written upgrade handshake;
    ``ConnectionError`` when the server does not answer 101."""
    reader, writer = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        .encode()
    )
    status = await reader.readline()
    if b" 101 " not in status:
        writer.close()
        raise ConnectionError(f"handshake refused: {status.decode('latin-1').strip()}")
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer


def send_frame(writer: asyncio.StreamWriter, opcode: int, payload: bytes) -> None:
    """One final, masked client frame (the payload is sent exactly as given)."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    writer.write(header + mask + masked)


async def read_close(reader: asyncio.StreamReader) -> tuple[int, str]:
    """Skip server frames until its close frame; ``(code, reason)``."""
    while True:
        first, second = await reader.readexactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await reader.readexactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await reader.readexactly(8))
        payload = await reader.readexactly(size)
        if first & 0x0F == CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            return code, payload[2:].decode("utf-8", "replace")


def reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), as a crashed client or NAT would."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def closed_by_server(reader: asyncio.StreamReader, timeout: float) -> bool:
    """Whether the server closes the connection (EOF or reset) within ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True
