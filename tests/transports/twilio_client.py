"""A Twilio Media Streams test client: the caller side of the protocol."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from tests.transports.fake_agent import user_script

from vocalis.transports.telephony import mulaw

FRAME = 0.02
STREAM_SID = "MZ0123456789abcdef"
CALL_SID = "CA0123456789abcdef"


@dataclass
class Call:
    ws: aiohttp.ClientWebSocketResponse
    messages: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    echo_marks: bool = True

    def events(self, name: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("event") == name]

    def audio(self) -> bytes:
        """Everything the agent said, as 8 kHz PCM."""
        return b"".join(mulaw.decode(base64.b64decode(m["media"]["payload"]))
                        for m in self.events("media"))

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def start(self, **custom: str) -> None:
        await self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self.send({
            "event": "start", "sequenceNumber": "1", "streamSid": STREAM_SID,
            "start": {
                "accountSid": "AC123", "streamSid": STREAM_SID, "callSid": CALL_SID,
                "tracks": ["inbound"], "customParameters": custom,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        })

    async def speak(self, text: str, seconds: float) -> None:
        """Send the script's audio as mu-law media messages, in real time."""
        script = user_script(text)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(round(seconds / FRAME)):
            delay = start + i * FRAME - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.ws.closed:
                return
            payload = base64.b64encode(mulaw.encode(script.audio(i * FRAME, FRAME, 8000)))
            await self.send({
                "event": "media", "sequenceNumber": str(i + 2), "streamSid": STREAM_SID,
                "media": {"track": "inbound", "chunk": str(i + 1),
                          "timestamp": str(i * 20), "payload": payload.decode()},
            })

    async def dtmf(self, digit: str) -> None:
        await self.send({"event": "dtmf", "streamSid": STREAM_SID,
                         "dtmf": {"track": "inbound_track", "digit": digit}})

    async def stop(self) -> None:
        await self.send({"event": "stop", "streamSid": STREAM_SID,
                         "stop": {"accountSid": "AC123", "callSid": CALL_SID}})

    async def read(self) -> None:
        while True:
            msg = await self.ws.receive()
            if msg.type is aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                self.messages.append(data)
                if data.get("event") == "mark" and self.echo_marks:
                    await self.send({"event": "mark", "streamSid": STREAM_SID,
                                     "mark": data["mark"]})
            else:
                if msg.type is aiohttp.WSMsgType.CLOSE:
                    self.close_reason = msg.extra or ""
                break
        self.close_code = self.ws.close_code
        self.closed.set()


@contextlib.asynccontextmanager
async def call(url: str):
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        c = Call(ws)
        reader = asyncio.ensure_future(c.read())
        try:
            yield c
        finally:
            await ws.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(reader, 5)
