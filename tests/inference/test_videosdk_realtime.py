"""VideoSDK gateway Realtime (Gemini Live) against the fake gateway: lazy config, events,
interrupt, reconnect, and the model in every realtime sub-mode of ``Pipeline``."""

from __future__ import annotations

import asyncio

import pytest
from tests.fakes.videosdk_gateway import TOKEN, FakeVideoSDKGateway, tone_pcm
from tests.inference.conftest import RecordingTrack, until
from tests.integration.helpers import LiveCall

from vocalis import Agent, EOUConfig, Pipeline, RealtimeConfig, RealtimeMode, function_tool
from vocalis.inference import Realtime
from vocalis.testing import FakeSTT, FakeTTS, FakeVAD, UserScript

REPLY = "Hello from the model."


class Helper(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You help.")

    @function_tool
    async def lookup(self, item: str) -> str:
        """Look something up.

        Args:
            item: what to look up
        """
        return "found"


def model(vsdk: FakeVideoSDKGateway, **kwargs) -> Realtime:
    return Realtime.gemini(base_url=vsdk.base_url, **kwargs)


async def test_config_is_lazy_then_events_and_audio_flow(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    rt = model(vsdk, voice="Kore")
    rt.set_agent(Helper())
    rt.audio_track = track
    events: list[tuple[str, dict]] = []
    for name in ("user_speech_started", "user_speech_ended", "agent_speech_started",
                 "agent_speech_ended", "realtime_model_transcription", "llm_text_output"):
        rt.on(name, lambda payload, _n=name: events.append((_n, payload)))
    await rt.connect()
    (conn,) = vsdk.of("llm")
    assert conn.query == {"provider": "google", "secret": TOKEN,
                          "modelId": "gemini-2.5-flash-native-audio-preview-12-2025"}
    await asyncio.sleep(0.05)
    assert conn.messages == []  # no config until there is something to send
    await rt.handle_audio_input(b"\x01\x00" * 24000)
    await until(lambda: ("llm_text_output", {"text": REPLY}) in events)
    config = conn.messages[0]
    assert config["type"] == "config"
    data = config["data"]
    assert data["model"] == "models/gemini-2.5-flash-native-audio-preview-12-2025"
    assert data["voice"] == "Kore" and data["response_modalities"] == ["AUDIO"]
    assert data["temperature"] is None and data["instructions"] == "You help."
    assert data["tools"][0]["name"] == "lookup"
    assert track.audio == tone_pcm(REPLY, 960)
    names = [n for n, _ in events]
    assert names.index("user_speech_started") < names.index("agent_speech_started")
    finals = [p for n, p in events if n == "realtime_model_transcription" and p["is_final"]]
    assert finals == [{"role": "user", "text": "What's the weather?", "is_final": True},
                      {"role": "agent", "text": REPLY, "is_final": True}]
    await rt.aclose()
    await until(lambda: conn.closed)
    assert conn.types()[-1] == "stop"


async def test_interrupt_sends_interrupt_and_a_new_response_starts_speaking_again(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    rt = model(vsdk)
    rt.audio_track = track
    started: list[dict] = []
    rt.on("agent_speech_started", started.append)
    await rt.connect()
    await rt.send_text_message("Tell me a story")
    await until(lambda: started)
    await rt.interrupt()
    assert track.interrupts >= 1
    await until(lambda: "interrupt" in vsdk.of("llm")[0].types())
    sent = vsdk.of("llm")[0].sent
    await until(lambda: any(m["data"].get("eventType") == "agent_speech_ended" for m in sent
                            if m["type"] == "event"))
    await rt.send_text_message("Another")
    await until(lambda: len(started) == 2)
    await rt.aclose()


async def test_after_the_connection_ends_the_next_input_reconnects_with_config(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    vsdk.drop_after_audio = {0: 1}
    rt = model(vsdk)
    rt.audio_track = track
    await rt.connect()
    await rt.handle_audio_input(b"\x01\x00" * 100)
    await until(lambda: vsdk.connections[0].closed)
    await rt.send_text_message("Are you there?")
    await until(lambda: len(vsdk.of("llm")) == 2 and vsdk.of("llm")[1].messages)
    assert vsdk.of("llm")[1].types()[:2] == ["config", "text"]
    await rt.aclose()


def user() -> UserScript:
    return UserScript().says("What's the weather?", at=0.2, duration=0.6)


@pytest.mark.parametrize("mode", ["full_s2s", "hybrid_stt", "hybrid_tts", "llm_only"])
async def test_every_realtime_sub_mode(vsdk: FakeVideoSDKGateway, mode: str) -> None:
    script = user()
    vsdk.realtime_trigger_bytes = int(0.5 * 24000) * 2
    rt = model(vsdk, response_modalities=["TEXT"] if mode in ("hybrid_tts", "llm_only")
               else None)
    tts = FakeTTS()
    components: dict = {"llm": rt}
    if mode in ("hybrid_stt", "llm_only"):
        components.update(stt=FakeSTT(script), vad=FakeVAD(),
                          eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.4]))
    if mode == "hybrid_tts":
        components.update(tts=tts)
    if mode in ("hybrid_tts", "llm_only"):
        components["realtime_config"] = RealtimeConfig(mode=RealtimeMode(mode))
    pipeline = Pipeline(**components)
    assert pipeline.realtime_mode == mode
    call = LiveCall(Helper(), pipeline, script)

    def answered() -> bool:
        return any(n == "agent_text" and p.get("text") == REPLY for _, n, p in call.events)

    record = await call.run(answered, timeout=6.0)
    assert record.assistant_texts()[-1] == REPLY
    conn = vsdk.of("llm")[0]
    if mode in ("full_s2s", "hybrid_tts"):
        assert len(conn.audio) > 0  # the model heard the user
    else:
        assert not conn.audio and "text" in conn.types()  # our STT sent it the words
    if mode == "hybrid_tts":
        assert tts.texts == [REPLY]
    if mode == "llm_only":
        assert not record.agent_speech()
