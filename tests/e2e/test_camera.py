"""End to end: the page's camera reaches the agent over WebRTC.

Chromium's fake camera plays a known picture (left half red, right half blue, as Y4M); the
test turns the camera on with the page's toggle, then checks that the agent's latest frames
show that picture after the VP8 round trip, that ``reply(frames=...)`` hands the LLM those
frames as JPEG images, and that the toggle stops the video.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from vocalis import Agent, AgentSession, Pipeline
from vocalis.llm.items import ImageContent
from vocalis.testing import FakeLLM, FakeResponse, FakeSTT, FakeTTS, FakeVAD, UserScript

from .cdp import Chromium, find_browser

BROWSER = find_browser()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    BROWSER is None, reason="Chromium not installed (apt-get install chromium)")]
pytest.importorskip("aiortc")

RED, BLUE = (220, 30, 30), (30, 30, 220)
SESSIONS: list[AgentSession] = []
LLM = FakeLLM([FakeResponse("I see something red on the left and blue on the right.")])


def pattern_y4m(path: Path) -> Path:
    with av.open(str(path), "w", format="yuv4mpegpipe") as container:
        stream = container.add_stream("rawvideo", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        image = np.zeros((240, 320, 3), np.uint8)
        image[:, :160], image[:, 160:] = RED, BLUE
        for i in range(20):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


async def entrypoint(ctx: Any) -> None:
    pipeline = Pipeline(vad=FakeVAD(), stt=FakeSTT(UserScript()), llm=LLM, tts=FakeTTS())
    session = AgentSession(Agent(instructions="You can see the user's camera."), pipeline)
    SESSIONS.append(session)
    await session.start()


async def state(tab: Any) -> dict[str, Any]:
    return json.loads(await tab.evaluate("JSON.stringify(window.vocalis)"))


async def until(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := await check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        await asyncio.sleep(0.2)
    return value


def colors(image: Image.Image) -> tuple[tuple[int, ...], tuple[int, ...]]:
    rgb = image.convert("RGB")
    width, height = rgb.size
    return rgb.getpixel((width // 4, height // 2)), rgb.getpixel((3 * width // 4, height // 2))


def close_to(pixel: tuple[int, ...], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 45 for a, b in zip(pixel, expected, strict=False))


async def test_the_camera_toggle_sends_the_picture_to_the_agent(tmp_path: Path) -> None:
    from vocalis.audio import write_wav
    from vocalis.job import RoomOptions, WebSocketConfig
    from vocalis.transports.server import build_server
    from vocalis.transports.webrtc import add_webrtc_routes

    silence = tmp_path / "silence.wav"
    write_wav(silence, bytes(48000 * 2 * 2), 48000)
    video = pattern_y4m(tmp_path / "pattern.y4m")
    options = RoomOptions(vision=True, websocket=WebSocketConfig(port=0))
    server = build_server(entrypoint, room_options=options, routes=[add_webrtc_routes])
    await server.start()
    browser = await Chromium.launch(BROWSER, fake_audio=silence, fake_video=video)  # type: ignore[arg-type]
    try:
        tab = await browser.page()
        await tab.call("Page.navigate", url=server.url("/"))
        await until(lambda: tab.evaluate("!!window.vocalis"), 10)
        await tab.evaluate("document.getElementById('talk').click()")
        await until(lambda: _connected(tab), 20)
        assert SESSIONS and SESSIONS[-1].pipeline.get_latest_frames() == []
        await tab.evaluate("document.getElementById('camera').click()")
        await until(lambda: _frames_sent(tab, 10), 15)
        session = SESSIONS[-1]
        await until(_async(lambda: len(session.pipeline.get_latest_frames(5)) == 5), 15)
        latest = session.agent.capture_frames(2)
        left, right = colors(latest[-1].to_image())
        assert close_to(left, RED) and close_to(right, BLUE), (left, right)

        await session.reply("What do you see?", frames=latest)
        images = [c for m in LLM.requests[-1].messages() for c in m.content
                  if isinstance(c, ImageContent)]
        assert len(images) == 2
        picture = Image.open(io.BytesIO(base64.b64decode(images[0].to_data_url().split(",")[1])))
        left, right = colors(picture)
        assert close_to(left, RED) and close_to(right, BLUE), (left, right)
        await until(lambda: _agent_said(tab, "red on the left"), 10)

        assert (await state(tab))["video"]["source"] == "camera"
        await tab.evaluate("document.getElementById('camera').click()")
        await until(lambda: _source_is(tab, None), 5)
        await asyncio.sleep(0.6)  # the page polls its stats every 250 ms
        sent = (await state(tab))["video"]["framesSent"]
        await asyncio.sleep(1.5)
        assert (await state(tab))["video"]["framesSent"] - sent <= 1
    finally:
        await browser.close()
        await server.aclose()


def _async(check: Any) -> Any:
    async def run() -> Any:
        return check()
    return run


async def _connected(tab: Any) -> bool:
    return (await state(tab))["connection"] == "connected"


async def _frames_sent(tab: Any, count: int) -> bool:
    return (await state(tab))["video"]["framesSent"] >= count


async def _source_is(tab: Any, source: str | None) -> bool:
    return (await state(tab))["video"]["source"] == source


async def _agent_said(tab: Any, words: str) -> bool:
    return any(words in t for t in (await state(tab))["agentTexts"])
