"""Background and thinking audio written for the reference, on the output track's mixer."""

import asyncio

from tests.compat.agents.background_agent import MusicAgent
from videosdk.agents import AgentSession, BackgroundAudioHandlerConfig, Pipeline

from vocalis.audio.output_track import BACKGROUND_LAYER, THINKING_LAYER
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeToolCall,
    FakeTTS,
    LoopbackOutput,
    run_virtual,
)


def _session(agent, llm):
    return AgentSession(agent=agent, pipeline=Pipeline(llm=llm, tts=FakeTTS(ttfb=0.5)))


def test_thinking_audio_plays_while_the_llm_thinks_and_stops_when_the_agent_speaks():
    async def scenario():
        agent = MusicAgent()
        session = _session(agent, FakeLLM([FakeResponse("Here you go.", ttft=1.0)]))
        await session.start()
        track = session.output_track
        listener = asyncio.ensure_future(LoopbackOutput(track).run(6.0))
        await session.send_text("tell me something")
        await asyncio.sleep(0.5)
        thinking = track.is_background_playing(THINKING_LAYER)
        await asyncio.sleep(3.0)
        after = track.is_background_playing(THINKING_LAYER)
        await listener
        await session.close()
        return thinking, after

    thinking, after = run_virtual(scenario())
    assert thinking is True and after is False


def test_background_music_from_a_tool_and_exclusive_mode():
    async def scenario(exclusive):
        agent = MusicAgent(exclusive=exclusive)
        llm = FakeLLM([
            FakeResponse(tool_calls=[FakeToolCall("control_background_music", {"action": "play"})]),
            FakeResponse("Enjoy the music.", ttft=1.0),
        ])
        session = _session(agent, llm)
        await session.start()
        track = session.output_track
        listener = asyncio.ensure_future(LoopbackOutput(track).run(8.0))
        await session.send_text("play some music")
        await asyncio.sleep(0.8)
        playing = track.is_background_playing(BACKGROUND_LAYER)
        thinking_with_music = track.is_background_playing(THINKING_LAYER)
        await agent.stop_background_audio()
        stopped = not track.is_background_playing(BACKGROUND_LAYER)
        await listener
        await session.close()
        return playing, thinking_with_music, stopped

    assert run_virtual(scenario(False)) == (True, True, True)  # override_thinking=True: layered
    assert run_virtual(scenario(True)) == (True, False, True)  # exclusive: no thinking sound


def test_the_reference_config_order_is_kept():
    config = BackgroundAudioHandlerConfig("music.ogg", True, "mixing", 0.5, True)
    assert (config.file_path, config.enabled, config.mode, config.volume, config.looping) == (
        "music.ogg", True, "mixing", 0.5, True)
