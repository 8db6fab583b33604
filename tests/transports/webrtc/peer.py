"""A Python browser stand-in for the WebRTC tests: an aiortc peer that calls ``POST /offer``.

It sends a synthetic microphone track (a tone, or silence), creates the ``events`` data
channel the page creates, records every event and every frame of agent audio it receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
from typing import Any

import aiohttp
import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from vocalis.transports.webrtc import frame_to_mono_pcm, ice_configuration


class ToneTrack(MediaStreamTrack):
    """48 kHz stereo s16 frames of 20 ms: a 440 Hz tone (or silence), paced in real time."""

    kind = "audio"

    def __init__(self, amplitude: int = 8000) -> None:
        super().__init__()
        self.amplitude = amplitude
        self.samples = 960
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        due = self._start + self._pts / 48000
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        t = (self._pts + np.arange(self.samples)) / 48000
        mono = (self.amplitude * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
        stereo = np.repeat(mono, 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
        frame.sample_rate = 48000
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, 48000)
        self._pts += self.samples
        return frame


class BrowserPeer:
    """Calls the server like the page does; ``events`` and ``audio_levels`` record what came."""

    def __init__(self, base_url: str, *, token: str | None = None, tone: bool = True) -> None:
        self.base_url = base_url
        self.token = token
        self.pc = RTCPeerConnection(ice_configuration())
        self.mic = ToneTrack(amplitude=8000 if tone else 0)
        self.events: list[dict[str, Any]] = []
        self.audio_levels: list[float] = []
        self.channel_open = asyncio.Event()
        self._new_event = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self.channel = self.pc.createDataChannel("events")
        self.channel.on("open", self.channel_open.set)
        self.channel.on("message", self._on_message)
        self.pc.on("track", self._on_track)

    def _on_message(self, data: str) -> None:
        self.events.append(json.loads(data))
        self._new_event.set()

    def _on_track(self, track: Any) -> None:
        self._reader = asyncio.ensure_future(self._read(track))

    async def _read(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                pcm = np.frombuffer(frame_to_mono_pcm(frame), dtype="<i2").astype(np.float64)
                self.audio_levels.append(float(np.sqrt(np.mean(pcm**2))) if pcm.size else 0.0)

    async def connect(self) -> dict[str, Any]:
        """Offer, answer; returns the server's JSON answer."""
        self.pc.addTrack(self.mic)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{self.base_url}/offer",
                json={"sdp": self.pc.localDescription.sdp, "type": "offer"},
                headers=headers,
            ) as response,
        ):
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {body}")
        await self.pc.setRemoteDescription(RTCSessionDescription(body["sdp"], body["type"]))
        return body

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """The first event (past or future) for which ``predicate(event)`` is true."""
        async with asyncio.timeout(timeout):
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                self._new_event.clear()
                await self._new_event.wait()

    def send_text(self, text: str) -> None:
        self.channel.send(json.dumps({"type": "text", "text": text}))

    async def close(self) -> None:
        await self.pc.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
