"""A scenario over the real ``/ws`` transport: the agent file is served as ``vocalis serve``
serves it, and a client plays the user: typed turns as text messages, spoken turns as audio
sent in real time like a microphone (silence in between), while the agent's voice is read and
dropped.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from ..audio.files import load_audio_file
from ..cli.loader import AgentFile
from ..job.options import TransportMode, WebSocketConfig
from ..job.serving import observed_contexts
from ..transports.server import build_server
from .checks import TurnOutcome
from .observing import EvalError, EvalObservers, room_options_for, session_of
from .scenario import Scenario

FRAME_SECONDS = 0.02
INPUT_RATE = 16000


async def run_over_websocket(scenario: Scenario, agent: AgentFile) -> list[TurnOutcome]:
    observers = EvalObservers(scenario)
    options = room_options_for(agent, TransportMode.WEBSOCKET)
    options.websocket = WebSocketConfig(port=0, path=options.websocket.path)  # type: ignore[union-attr]
    server = build_server(agent.entrypoint, room_options=options,
                          jobctx=observed_contexts(agent.jobctx, options, observers))
    await server.start()
    url = server.url(options.websocket.path, "ws")  # type: ignore[union-attr]
    url += f"?sample_rate={INPUT_RATE}&output_sample_rate={INPUT_RATE}"
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            microphone = Microphone(ws)
            tasks = [asyncio.ensure_future(microphone.run()),
                     asyncio.ensure_future(_drain(ws))]
            try:
                return await _talk(scenario, observers, ws, microphone)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await server.aclose()


async def _talk(scenario: Scenario, observers: EvalObservers, ws: Any,
                microphone: Microphone) -> list[TurnOutcome]:
    await session_of(observers, scenario.turn_timeout)
    collector = observers.collector
    assert collector is not None
    await collector.until_quiet(scenario.turn_timeout)
    outcomes = []
    for turn in scenario.turns:
        if turn.user is not None:
            outcome = collector.begin(turn.user)
            await ws.send_json({"type": "text", "text": turn.user})
        else:
            assert turn.audio is not None
            path = scenario.resolve(turn.audio)
            outcome = collector.begin(f"[audio] {path.name}")
            pcm = await asyncio.to_thread(load_audio_file, path, INPUT_RATE)
            await microphone.play(pcm)
        try:
            await asyncio.wait_for(collector.answered.wait(), scenario.turn_timeout)
        except TimeoutError:
            raise EvalError(f"turn {len(outcomes) + 1} got no answer within "
                            f"{scenario.turn_timeout:g} s (heard: {outcome.heard!r})") from None
        await collector.until_quiet(scenario.turn_timeout)
        outcomes.append(outcome)
    return outcomes


class Microphone:
    """Sends 20 ms PCM frames in real time, as a client's microphone does: queued clips, then
    silence."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._clip = b""
        self._played = asyncio.Event()
        self._played.set()

    async def play(self, pcm: bytes) -> None:
        """Queue ``pcm`` (16 kHz mono) and wait until it has been sent."""
        self._clip += pcm
        self._played.clear()
        await self._played.wait()

    async def run(self) -> None:
        frame_bytes = int(INPUT_RATE * FRAME_SECONDS) * 2
        silence = bytes(frame_bytes)
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            if self._clip:
                frame, self._clip = self._clip[:frame_bytes], self._clip[frame_bytes:]
                frame = frame.ljust(frame_bytes, b"\0")
                if not self._clip:
                    self._played.set()
            else:
                frame = silence
            await self.ws.send_bytes(frame)
            next_at += FRAME_SECONDS
            await asyncio.sleep(max(0.0, next_at - loop.time()))


async def _drain(ws: Any) -> None:
    """Read (and drop) what the server sends: the agent's voice and its events."""
    async for _ in ws:
        pass
