"""Vision without a browser: the frame buffer, ``capture_frames``, and ``reply(frames=...)``
reaching a cascade LLM as images and a realtime model through ``send_message_with_frames``."""

from __future__ import annotations

import asyncio
import base64
import io

import av
import numpy as np
import pytest
from PIL import Image

from vocalis import Agent, AgentSession, Pipeline
from vocalis.llm.items import ImageContent
from vocalis.testing import FakeLLM, FakeRealtimeModel, FakeResponse, FakeTTS, UserScript
from vocalis.utils import run_virtual


def frame(color: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> av.VideoFrame:
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:, :] = color
    return av.VideoFrame.from_ndarray(image, format="rgb24")


def decode_image(content: ImageContent) -> Image.Image:
    url = content.to_data_url()
    assert url.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))


def test_frames_are_kept_only_with_vision_and_only_the_last_five() -> None:
    pipeline = Pipeline(llm=FakeLLM())
    pipeline.on_video_delta(frame((255, 0, 0)))
    assert pipeline.get_latest_frames(1) == []
    pipeline.vision = True
    frames = [frame((i * 40, 0, 0)) for i in range(7)]
    for f in frames:
        pipeline.on_video_delta(f)
    assert pipeline.get_latest_frames(3) == frames[-3:]
    assert pipeline.get_latest_frames(99) == frames[-5:]
    assert pipeline.get_latest_frames(0) == frames[-1:]


def test_capture_frames_is_capped_at_five() -> None:
    agent = Agent(instructions="x")
    assert agent.capture_frames() == []
    with pytest.raises(ValueError, match="cannot exceed 5"):
        agent.capture_frames(6)


def test_reply_with_frames_sends_images_to_the_llm() -> None:
    llm = FakeLLM([FakeResponse("I see a red square.")])

    async def run() -> None:
        session = AgentSession(Agent(instructions="You can see."), Pipeline(llm=llm,
                                                                            tts=FakeTTS()))
        session.pipeline.vision = True
        await session.start()
        session.push_video(frame((200, 10, 10)))
        frames = session.agent.capture_frames(1)
        with session.pipeline.text_mode():
            await session.reply("What do you see?", frames=frames)
        await session.close()

    run_virtual(run())
    request = llm.requests[0]
    images = [c for m in request.messages() for c in m.content if isinstance(c, ImageContent)]
    assert len(images) == 1
    picture = decode_image(images[0])
    assert picture.size == (320, 240)
    red, green, blue = picture.convert("RGB").getpixel((160, 120))
    assert red > 150 and green < 60 and blue < 60


def test_a_realtime_model_gets_the_frames_with_the_instructions() -> None:
    model = FakeRealtimeModel(UserScript(), [FakeResponse("A red square.")])

    async def run() -> None:
        session = AgentSession(Agent(instructions="You can see."), Pipeline(llm=model))
        session.pipeline.vision = True
        await session.start()
        session.push_video(frame((200, 10, 10)))
        await session.reply("What do you see?", frames=session.agent.capture_frames(1),
                            wait_for_playback=False)
        await asyncio.sleep(2.0)
        await session.close()

    run_virtual(run())
    assert len(model.frames_received) == 1 and len(model.frames_received[0]) == 1
    assert model.requests == ["What do you see?"]
