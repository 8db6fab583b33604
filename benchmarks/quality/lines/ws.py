"""The raw-PCM WebSocket line (``/ws``): s16 PCM at the microphone's rate, declared in the URL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from ..microphone import Microphone
from ..record import AgentAudio
from .pacing import pace

OUTPUT_RATE = 24000
READY_TIMEOUT = 30.0


@dataclass
class WebSocketLine:
    mic: Microphone
    agent: AgentAudio = field(default_factory=AgentAudio)
    interrupts: list[float] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


async def _read(ws: aiohttp.ClientWebSocketResponse, line: WebSocketLine) -> None:
    async for msg in ws:
        if msg.type is aiohttp.WSMsgType.BINARY:
            line.agent.add(msg.data, OUTPUT_RATE)
        elif msg.type is aiohttp.WSMsgType.TEXT:
            data = json.loads(msg.data)
            line.messages.append(data)
            if data.get("type") == "ready":
                line.ready.set()
            elif data.get("type") == "interrupt":
                line.interrupts.append(time.time())
            elif data.get("type") == "error":
                line.notes.append(f"server error: {data}")


def ws_url(base_url: str, path: str, **query: Any) -> str:
    scheme = "wss" if base_url.startswith("https") else "ws"
    host = base_url.split("://", 1)[1].rstrip("/")
    return f"{scheme}://{host}{path}?{urlencode(query)}"


@contextlib.asynccontextmanager
async def ws_line(
    base_url: str, mic: Microphone, params: dict[str, str]
) -> AsyncIterator[WebSocketLine]:
    url = ws_url(base_url, "/ws", sample_rate=mic.rate, output_sample_rate=OUTPUT_RATE,
                 **params)
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        line = WebSocketLine(mic)
        reader = asyncio.ensure_future(_read(ws, line))
        sender: asyncio.Future[None] | None = None
        try:
            await asyncio.wait_for(line.ready.wait(), READY_TIMEOUT)
            sender = asyncio.ensure_future(pace(mic, ws.send_bytes))
            yield line
        finally:
            for task in (sender, reader):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            await ws.close()
