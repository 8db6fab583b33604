"""A raw-PCM WebSocket test client: speaks a script in real time, records what comes back."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from tests.transports.fake_agent import user_script

FRAME = 0.02


@dataclass
class Received:
    audio: bytearray = field(default_factory=bytearray)
    messages: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    def transcripts(self, role: str, final: bool = True) -> list[str]:
        return [
            m["text"]
            for m in self.of_type("transcript")
            if m["role"] == role and (m["is_final"] or not final)
        ]


async def read_all(ws: aiohttp.ClientWebSocketResponse, got: Received) -> None:
    while True:
        msg = await ws.receive()
        if msg.type is aiohttp.WSMsgType.BINARY:
            got.audio.extend(msg.data)
        elif msg.type is aiohttp.WSMsgType.TEXT:
            got.messages.append(json.loads(msg.data))
        else:
            if msg.type is aiohttp.WSMsgType.CLOSE:
                got.close_reason = msg.extra or ""
            break
    got.close_code = ws.close_code
    got.closed.set()


async def speak(
    ws: aiohttp.ClientWebSocketResponse, text: str, seconds: float, rate: int = 16000
) -> None:
    """Send ``text``'s script audio (tone while speaking, silence after) for ``seconds``."""
    script = user_script(text)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(round(seconds / FRAME)):
        delay = start + i * FRAME - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if ws.closed:
            return
        await ws.send_bytes(script.audio(i * FRAME, FRAME, rate))


async def wait_for(predicate: Any, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return bool(predicate())


@contextlib.asynccontextmanager
async def connect(url: str, **kwargs: Any):
    async with aiohttp.ClientSession() as http, http.ws_connect(url, **kwargs) as ws:
        got = Received()
        reader = asyncio.ensure_future(read_all(ws, got))
        try:
            yield ws, got
        finally:
            await ws.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(reader, 5)
