"""The Twilio Media Streams line (``/twilio``): JSON messages, mu-law 8 kHz both ways.

The caller side of the protocol as Twilio speaks it: ``connected``, ``start`` (with the call id
as a custom parameter), ``media`` every 20 ms, marks echoed back once "played", ``stop``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from vocalis.transports.telephony import mulaw

from ..microphone import Microphone
from ..record import AgentAudio
from .pacing import pace
from .ws import ws_url

RATE = 8000
STREAM_SID = "MZquality00000000000000000000000"


@dataclass
class TwilioLine:
    mic: Microphone
    ws: aiohttp.ClientWebSocketResponse
    agent: AgentAudio = field(default_factory=AgentAudio)
    interrupts: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _sequence: int = 0

    async def send(self, message: dict[str, Any]) -> None:
        self._sequence += 1
        await self.ws.send_str(json.dumps({"sequenceNumber": str(self._sequence), **message}))

    async def send_media(self, pcm: bytes) -> None:
        payload = base64.b64encode(mulaw.encode(pcm)).decode("ascii")
        chunk = self._sequence
        await self.send({"event": "media", "streamSid": STREAM_SID, "media": {
            "track": "inbound", "chunk": str(chunk), "timestamp": str(chunk * 20),
            "payload": payload}})


async def _read(line: TwilioLine) -> None:
    async for msg in line.ws:
        if msg.type is not aiohttp.WSMsgType.TEXT:
            continue
        data = json.loads(msg.data)
        event = data.get("event")
        if event == "media":
            line.agent.add(mulaw.decode(base64.b64decode(data["media"]["payload"])), RATE)
        elif event == "clear":
            line.interrupts.append(time.time())
        elif event == "mark":
            await line.send({"event": "mark", "streamSid": STREAM_SID, "mark": data["mark"]})


@contextlib.asynccontextmanager
async def twilio_line(
    base_url: str, mic: Microphone, params: dict[str, str]
) -> AsyncIterator[TwilioLine]:
    if mic.rate != RATE:
        raise ValueError("a Twilio line sends 8 kHz audio")
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(base_url, "/twilio")) as ws:
        line = TwilioLine(mic, ws)
        await line.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await line.send({"event": "start", "streamSid": STREAM_SID, "start": {
            "accountSid": "ACquality", "streamSid": STREAM_SID, "callSid": f"CA{params['call_id']}",
            "tracks": ["inbound"], "customParameters": params,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": RATE, "channels": 1}}})
        reader = asyncio.ensure_future(_read(line))
        sender = asyncio.ensure_future(pace(mic, line.send_media))
        try:
            yield line
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            with contextlib.suppress(Exception):
                await line.send({"event": "stop", "streamSid": STREAM_SID, "stop": {}})
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            await ws.close()
