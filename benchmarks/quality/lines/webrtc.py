"""The WebRTC line (``POST /offer``): an aiortc peer sending the microphone as Opus 48 kHz.

It behaves like the browser page: it adds a microphone track, opens the ``events`` data channel,
posts its offer and plays whatever comes back. Interruptions are the page's ``interrupted``
messages; the agent's audio is the decoded remote track (silence between answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from vocalis.transports.webrtc import frame_to_mono_pcm, ice_configuration

from ..microphone import FRAME_SECONDS, Microphone
from ..record import AgentAudio

RATE = 48000
READY_TIMEOUT = 30.0


class MicrophoneTrack(MediaStreamTrack):
    """The microphone as an aiortc audio track: 20 ms mono s16 frames, paced in real time."""

    kind = "audio"

    def __init__(self, mic: Microphone) -> None:
        super().__init__()
        self.mic = mic
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        due = self._start + self._pts / self.mic.rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        samples = np.frombuffer(self.mic.next_frame(), dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = self.mic.rate
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, self.mic.rate)
        self._pts += samples.shape[1]
        return frame


@dataclass
class WebRTCLine:
    mic: Microphone
    agent: AgentAudio = field(default_factory=AgentAudio)
    interrupts: list[float] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def on_message(self, data: str) -> None:
        message = json.loads(data)
        self.events.append(message)
        kind = message.get("type")
        if kind == "ready":
            self.ready.set()
        elif kind == "interrupted":
            self.interrupts.append(time.time())
        elif kind == "error":
            self.notes.append(f"server error: {message}")


async def _play(track: Any, line: WebRTCLine) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            frame = await track.recv()
            line.agent.add(frame_to_mono_pcm(frame), frame.sample_rate)


@contextlib.asynccontextmanager
async def webrtc_line(
    base_url: str, mic: Microphone, params: dict[str, str]
) -> AsyncIterator[WebRTCLine]:
    if mic.rate != RATE or round(mic.rate * FRAME_SECONDS) != mic.frame_samples:
        raise ValueError("a WebRTC line sends 48 kHz audio")
    pc = RTCPeerConnection(ice_configuration())
    line = WebRTCLine(mic)
    players: list[asyncio.Future[None]] = []
    pc.addTrack(MicrophoneTrack(mic))
    channel = pc.createDataChannel("events")
    channel.on("message", line.on_message)
    pc.on("track", lambda track: players.append(asyncio.ensure_future(_play(track, line))))
    try:
        await pc.setLocalDescription(await pc.createOffer())
        offer = {"sdp": pc.localDescription.sdp, "type": "offer"}
        url = f"{base_url.rstrip('/')}/offer?{urlencode(params)}"
        async with aiohttp.ClientSession() as http, http.post(url, json=offer) as response:
            answer = await response.json()
            if response.status != 200:
                raise RuntimeError(f"offer refused: {response.status} {answer}")
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.wait_for(line.ready.wait(), READY_TIMEOUT)
        yield line
    finally:
        await pc.close()
        for player in players:
            player.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await player
